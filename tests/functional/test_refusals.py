"""Refusals that read as refusals (issue 10, section 3): what cannot be done, why, from when, and only the ways
forward that can work; the nearest units with room without the resident's own; residents outside the area told by
name where to go; granted overrides on the listing page; first listings without an old provider."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.choice import services
from portal.choice.rules import add_months, first_of_next_month, load_rules, save_settings, set_capacities
from portal.compare.units import today_in_helsinki
from portal.demo.ptv_feed import channel_id
from portal.extensions import db
from portal.models import Choice, IntervalOverride, Person, StaffUser
from tests.functional.test_choice_offers import aino, confirm, listed_aino, person_id, shown, text
from tests.functional.test_choice_pages import check_page, confirm_form

__all__ = ["aino", "listed_aino"]  # fixtures, used by name

S_JARVENPAA = channel_id(2019, "s-jarvenpaa")
S_HAARAJOKI = channel_id(2019, "s-haarajoki")
S_SYDANMAA = channel_id(2019, "s-sydanmaa-jarvenpaa")
D_HAMMASRIVI = channel_id(2019, "d-hammasrivi-jarvenpaa")


# --- the refusal page --------------------------------------------------------------------------------------------


def test_a_switch_too_early_is_a_refusal_with_its_date_and_ways_that_work(listed_aino, catalogue):
    page = check_page(listed_aino, "dental_unit", D_HAMMASRIVI)
    with catalogue.app_context():
        dental = services.listing(person_id(catalogue, "aino.virtanen"), "dental_unit")
        allowed = load_rules().next_switch_on(dental.current.effective_on)
    body = text(page)
    assert page.select_one("h1").text.strip() == "You cannot switch your dental care unit yet"
    assert "Check your choice" not in body and page.select_one("form[action$='/confirm']") is None
    assert "Takes effect" not in body and "Next possible switch" not in body  # dates of a choice that cannot be made
    assert f"You can switch from {shown(catalogue, allowed)}." in body
    assert f"took effect on {shown(catalogue, dental.current.effective_on)}" in body
    ways = page.select_one("#ways-forward").text
    assert "call our help line" in ways and "allow you to switch earlier" in ways
    assert page.select_one("#alternatives") is None  # every other unit would be refused as too early as well
    assert "/units?" not in str(page.select_one("#ways-forward"))


def test_an_unapproved_unit_chosen_too_early_offers_no_unit_that_would_be_refused_too(listed_aino, catalogue):
    page = check_page(listed_aino, "dental_unit", S_JARVENPAA)  # a sote centre: not approved as a dental unit
    body = text(page)
    assert page.select_one("h1").text.strip().startswith("You cannot choose")
    assert "has not approved this unit" in body
    assert "You can switch from" in body
    assert page.select_one("#alternatives") is None


def test_a_full_unit_offers_the_nearest_units_with_room_but_never_the_residents_own(listed_aino, catalogue):
    with catalogue.app_context():
        set_capacities("sote_centre", {S_SYDANMAA: 0}, None)
        nearest = [a.location_id for a in services.alternatives("sote_centre", S_SYDANMAA, limit=10)]
    assert S_JARVENPAA in nearest[:3], "the test needs Aino's own centre among the nearest units"
    page = check_page(listed_aino, "sote_centre", S_SYDANMAA)
    assert page.select_one("h1").text.strip().startswith("You cannot choose")
    offered = [a["href"].rsplit("=", 1)[1] for a in page.select("#alternatives a")]
    assert len(offered) == 3 and S_JARVENPAA not in offered and S_SYDANMAA not in offered
    assert "The unit you are listed with and a unit you have already chosen are not in this list." in text(page)
    assert "A place can become free" in text(page)

    confirm(listed_aino, "sote_centre", S_HAARAJOKI)  # a pending switch: that unit is left out as well
    page = check_page(listed_aino, "sote_centre", S_SYDANMAA)
    offered = [a["href"].rsplit("=", 1)[1] for a in page.select("#alternatives a")]
    assert S_HAARAJOKI not in offered and S_JARVENPAA not in offered and len(offered) == 3


def test_a_unit_the_resident_is_listed_with_or_has_chosen_is_said_so(listed_aino, catalogue):
    page = check_page(listed_aino, "sote_centre", S_JARVENPAA)
    assert page.select_one("h1").text.strip().startswith("You are already listed with")
    assert "Nothing: your listing goes on as it is." in text(page)
    confirm(listed_aino, "sote_centre", S_HAARAJOKI)
    page = check_page(listed_aino, "sote_centre", S_HAARAJOKI)
    assert page.select_one("h1").text.strip().startswith("You have already chosen")
    assert page.select_one("a[href*='/cancel']") is not None and page.select_one("a[href*='/receipt/']") is not None


def test_a_listing_that_changed_is_shown_as_it_is_now(aino, catalogue):
    tab_one = confirm_form(check_page(aino, "sote_centre", S_JARVENPAA))
    tab_two = confirm_form(check_page(aino, "sote_centre", S_HAARAJOKI))
    tab_three = confirm_form(check_page(aino, "sote_centre", S_JARVENPAA))
    assert aino.client.post(aino.url("choice.confirm", kind="sote_centre"), data=tab_one).status_code == 303
    # Haarajoki can still be chosen (it would replace the pending choice): the check page again, to confirm afresh.
    again = aino._check(aino.client.post(aino.url("choice.confirm", kind="sote_centre"), data=tab_two), 409)
    assert "Your listing changed while you were on this page" in text(again)
    assert again.select_one("h1").text.strip() == "Check your choice before you confirm it"
    assert confirm_form(again)["version"] != tab_two["version"]
    # Järvenpää was chosen in the first tab: what applies now is "already chosen", not a form.
    refused = aino._check(aino.client.post(aino.url("choice.confirm", kind="sote_centre"), data=tab_three), 409)
    assert "Your listing changed while you were on this page" in text(refused)
    assert refused.select_one("h1").text.strip().startswith("You have already chosen")
    assert refused.select_one("form[action$='/confirm']") is None


# --- residents outside the area -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "municipality", "county"),
    [("en", "Helsinki", "City of Helsinki"), ("sv", "Helsingfors", "Helsingfors stad")],
)
def test_a_resident_outside_the_area_is_told_by_name_where_to_go(
    catalogue, client_request, login_as, language, municipality, county
):
    login_as("matti.korhonen")
    client_request.get("main.home", lang=language)
    for page in (
        client_request.get("main.home"),
        client_request.get("choice.overview"),
        check_page(client_request, "sote_centre", S_JARVENPAA),
    ):
        body = text(page)
        assert municipality in body and "091" not in body
        link = page.select_one("main a[href='https://www.hel.fi']")
        assert link is not None and link.text.strip() == county
    refusal = check_page(client_request, "sote_centre", S_JARVENPAA)
    assert refusal.select_one("form[action$='/confirm']") is None


def test_a_municipality_in_another_county_links_to_that_county(catalogue, client_request, login_as):
    login_as("matti.korhonen")
    with catalogue.app_context():
        person = db.session.scalar(select(Person).filter_by(oidc_subject="matti.korhonen"))
        person.home_municipality_code = "837"  # Tampere: the Pirkanmaa county
        db.session.commit()
    page = client_request.get("choice.overview", lang="en")
    assert "Tampere" in text(page)
    assert page.select_one("main a[href='https://www.pirha.fi']").text.strip() == "Pirkanmaa wellbeing services county"


def test_residents_in_the_area_see_no_such_notice_on_their_front_page(aino):
    assert "You cannot choose here" not in text(aino.get("main.home"))


# --- overrides and first listings ---------------------------------------------------------------------------------


def test_a_granted_override_is_shown_on_the_listing_page(listed_aino, catalogue):
    overview = text(listed_aino.get("choice.overview"))
    assert "allowed you to switch before the usual time" not in overview
    valid_until = today_in_helsinki() + timedelta(days=30)
    with catalogue.app_context():
        staff = StaffUser(oidc_issuer="t", oidc_subject="olli", name="Olli")
        db.session.add(staff)
        db.session.flush()
        db.session.add(
            IntervalOverride(
                person_id=person_id(catalogue, "aino.virtanen"), kind="dental_unit", reason="Moved house",
                granted_by_id=staff.id, valid_until=valid_until,
            )
        )  # fmt: skip
        db.session.commit()
    page = listed_aino.get("choice.overview")
    card = " ".join(page.select_one("#dental_unit-heading").parent.text.replace("\xa0", " ").split())
    assert "allowed you to switch before the usual time" in card
    assert f"You can switch now, until {shown(catalogue, valid_until)}" in card
    sote = page.select_one("#sote_centre-heading").parent.text
    assert "allowed you to switch" not in sote  # the permission is for her dental unit only


def test_a_first_listing_speaks_of_no_old_provider(aino, catalogue):
    page = check_page(aino, "sote_centre", S_JARVENPAA)
    assert "Until then you use health and social care services as before." in text(page)
    receipt = aino.client.get(confirm(aino, "sote_centre", S_JARVENPAA).headers["Location"])
    body = " ".join(receipt.get_data(as_text=True).split())
    assert "old provider" not in body and "old centre" not in body
    assert "We tell your new provider and the national choice register kept by Kela." in body


def test_a_switch_still_tells_the_old_provider(listed_aino):
    receipt = listed_aino.client.get(confirm(listed_aino, "sote_centre", S_HAARAJOKI).headers["Location"])
    assert "We tell your old and new provider" in " ".join(receipt.get_data(as_text=True).split())


def test_a_first_listing_takes_effect_by_the_organisers_rule(catalogue):
    """The decision in docs/listing.md: a first listing follows the same `effective` rule as a switch."""
    today = date(2026, 11, 22)
    with catalogue.app_context():
        first = _first_listing("first-1", today)
        assert first.effective_on == first_of_next_month(today) == date(2026, 12, 1)
        assert first.previous_choice_id is None and first.took_effect_at is None
        save_settings({"effective": "immediate"}, None)
        at_once = _first_listing("first-2", today)
        assert at_once.effective_on == today and at_once.took_effect_at is not None
        assert load_rules().next_switch_on(at_once.effective_on) == add_months(today, 6)


def _first_listing(subject: str, today: date) -> Choice:
    from portal.auth.services import CurrentUser

    person = Person(
        oidc_issuer="test", oidc_subject=subject, hetu_hash=subject, hetu_masked="150385-****",
        birth_date=date(1985, 3, 15), given_name="Testi", family_name="Asukas", home_municipality_code="186",
    )  # fmt: skip
    db.session.add(person)
    db.session.commit()
    return services.confirm_choice(
        person_id=person.id,
        kind="sote_centre",
        location_id=S_JARVENPAA,
        request_key=services.new_request_key(),
        expected_version=0,
        actor=CurrentUser("resident", person.id, person.display_name, home_municipality_code="186"),
        today=today,
    )
