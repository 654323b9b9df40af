"""The resident's listing pages: choose → check your answers → confirm → receipt, cancel, history, refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.choice.rules import load_rules, set_capacities
from portal.compare.units import today_in_helsinki
from portal.demo.ptv_feed import channel_id
from portal.extensions import db
from portal.models import Choice, OutboxMessage
from tests.conftest import translated

S_JARVENPAA = channel_id(2019, "s-jarvenpaa")
S_HAARAJOKI = channel_id(2019, "s-haarajoki")
D_JARVENPAA = channel_id(2019, "d-jarvenpaa")


def count(app, model=Choice) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def confirm_form(page) -> dict:
    form = page.select_one("form[action$='/confirm']")
    assert form is not None, "no confirm button on the page"
    return {field["name"]: field["value"] for field in form.select("input[type=hidden]")}


def check_page(client_request, kind: str, unit: str, status: int = 200):
    return client_request.get("choice.check", kind=kind, unit=unit, _expected_status=status)


@pytest.fixture
def aino(catalogue, client_request, login_as):
    login_as("aino.virtanen")
    client_request.get("main.home", lang="en")
    return client_request


def test_choose_check_confirm_and_receipt(aino, catalogue):
    page = check_page(aino, "sote_centre", S_JARVENPAA)
    summary = page.select_one("dl.summary").text
    with catalogue.app_context():
        effective = load_rules().effective_on(today_in_helsinki())
    assert "Health and social care centre" in summary
    assert "Takes effect" in summary
    response = aino.client.post(aino.url("choice.confirm", kind="sote_centre"), data=confirm_form(page))
    assert response.status_code == 303
    receipt = aino.client.get(response.headers["Location"])
    text = receipt.get_data(as_text=True)
    with catalogue.app_context():
        choice = db.session.scalar(select(Choice))
    assert choice.effective_on == effective
    assert choice.reference in text
    assert "What happens next" in text
    assert "national choice register" in text
    overview = aino.get("choice.overview").text
    assert "You have chosen" in overview and choice.reference in overview


def test_a_double_click_makes_one_choice(aino, catalogue):
    form = confirm_form(check_page(aino, "sote_centre", S_JARVENPAA))
    first = aino.client.post(aino.url("choice.confirm", kind="sote_centre"), data=form)
    second = aino.client.post(aino.url("choice.confirm", kind="sote_centre"), data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count(catalogue) == 1


def test_a_second_tab_is_told_the_listing_changed(aino, catalogue):
    tab_one = confirm_form(check_page(aino, "sote_centre", S_JARVENPAA))
    tab_two = confirm_form(check_page(aino, "sote_centre", S_HAARAJOKI))
    assert aino.client.post(aino.url("choice.confirm", kind="sote_centre"), data=tab_one).status_code == 303
    refused = aino.client.post(aino.url("choice.confirm", kind="sote_centre"), data=tab_two)
    assert refused.status_code == 409
    assert "Your listing changed while you were on this page" in refused.get_data(as_text=True)
    assert count(catalogue) == 1


def test_cancel_a_pending_choice(aino, catalogue):
    form = confirm_form(check_page(aino, "dental_unit", D_JARVENPAA))
    aino.client.post(aino.url("choice.confirm", kind="dental_unit"), data=form)
    with catalogue.app_context():
        reference = db.session.scalar(select(Choice.reference))
    page = aino.get("choice.cancel", reference=reference)
    assert "You are cancelling your choice" in page.text
    aino.post("choice.cancel", reference=reference, _expected_status=303)
    with catalogue.app_context():
        assert db.session.scalar(select(Choice.cancel_reason)) == "resident"
        events = db.session.scalars(select(OutboxMessage.event)).all()
    assert events.count("listing.cancelled") == 2
    history = aino.get("choice.past_choices")
    assert "Cancelled" in history.select_one("table").text
    again = aino.post("choice.cancel", reference=reference, _expected_status=409)
    assert "cannot be cancelled" in again.text


def test_a_full_unit_is_refused_with_alternatives(aino, catalogue):
    with catalogue.app_context():
        set_capacities("sote_centre", {S_JARVENPAA: 0}, None)
    page = check_page(aino, "sote_centre", S_JARVENPAA)
    assert "no room for new clients" in page.select_one("#why").text
    links = [a["href"] for a in page.select("#alternatives a")]
    assert len(links) == 3 and all("/choices/sote_centre/check?unit=" in link for link in links)
    assert page.select_one("form[action$='/confirm']") is None


def test_rules_are_checked_again_at_confirmation(aino, catalogue):
    form = confirm_form(check_page(aino, "sote_centre", S_JARVENPAA))
    with catalogue.app_context():
        set_capacities("sote_centre", {S_JARVENPAA: 0}, None)  # the unit fills up while the page is open
    refused = aino.client.post(aino.url("choice.confirm", kind="sote_centre"), data=form)
    assert refused.status_code == 409
    assert "no room for new clients" in refused.get_data(as_text=True)
    assert count(catalogue) == 0 and count(catalogue, OutboxMessage) == 0


def test_residents_outside_the_area_see_why_and_whom_to_call(catalogue, client_request, login_as):
    login_as("matti.korhonen")
    client_request.get("main.home", lang="en")
    overview = client_request.get("choice.overview")
    assert "You cannot choose here" in overview.text
    assert overview.select_one("a[href='tel:+35891234567']").text.split() == load_rules_phone(catalogue).split()
    assert not overview.select("a.button[href*='accepts_new']")
    page = check_page(client_request, "sote_centre", S_JARVENPAA)
    assert "not in the area" in page.text


def load_rules_phone(app) -> str:
    with app.app_context():
        return load_rules().helpline_phone


def test_unit_page_offers_the_choice(catalogue, client_request):
    page = client_request.get("compare.unit", location_id=S_JARVENPAA, lang="en")
    link = page.select_one(f"a[href*='/choices/sote_centre/check?unit={S_JARVENPAA}']")
    assert link is not None


def test_only_the_resident_sees_their_receipt(aino, catalogue, client, login_as):
    form = confirm_form(check_page(aino, "sote_centre", S_JARVENPAA))
    aino.client.post(aino.url("choice.confirm", kind="sote_centre"), data=form)
    with catalogue.app_context():
        reference = db.session.scalar(select(Choice.reference))
    aino.client.post("/logout", data={"csrf_token": aino.csrf_token()})
    login_as("erik.lindqvist")
    aino.get("choice.receipt", reference=reference, _expected_status=404)
    login_as("liisa.neuvoja")
    aino.get("choice.overview", _expected_status=403)


def test_anonymous_visitors_are_sent_to_log_in(catalogue, client_request):
    response = client_request.get("choice.overview", _expected_status=302)
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("language", ["fi", "sv", "selko", "en"])
def test_the_flow_in_every_language(catalogue, client_request, login_as, language):
    login_as("aino.virtanen")
    client_request.get("main.home", lang=language)
    page = check_page(client_request, "sote_centre", S_JARVENPAA)
    heading = translated(catalogue, language, "Check your choice before you confirm it")
    assert page.select_one("h1").text.strip() == heading
    response = client_request.client.post(
        client_request.url("choice.confirm", kind="sote_centre"), data=confirm_form(page)
    )
    receipt = client_request.client.get(response.headers["Location"]).get_data(as_text=True)
    assert translated(catalogue, language, "What happens next") in receipt


def test_the_home_page_is_the_residents_dashboard(aino, catalogue):
    assert "Not chosen" in aino.get("main.home").select_one("#listings-heading").parent.text
    form = confirm_form(check_page(aino, "dental_unit", D_JARVENPAA))
    aino.client.post(aino.url("choice.confirm", kind="dental_unit"), data=form)
    card = aino.get("main.home").select_one("#listings-heading").parent.text
    assert "Chosen:" in card and "Dental care unit" in card
