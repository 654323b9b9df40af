"""The organiser's listing pages: figures as of any day (table, chart, CSV), the rules, capacities and interval
overrides, for organisers and admins only."""

from __future__ import annotations

import csv
import gzip
import io
import logging
from datetime import date

import pytest
from sqlalchemy import select

from portal.auth.identity import lookup_hash
from portal.choice import services
from portal.choice.rules import load_rules, set_capacities
from portal.demo.personas import PERSONAS, temporary_hetu
from portal.extensions import db
from portal.models import (
    AuditEvent,
    CatalogueLocation,
    CatalogueOrganisation,
    IntervalOverride,
    Person,
    SettingChange,
    StaffUser,
)
from tests.functional.test_choice_rules import (
    D_JARVENPAA,
    S_HAARAJOKI,
    S_JARVENPAA,
    S_SYDANMAA,
    choose,
    make_person,
)
from tests.functional.test_platform import PAGE_BUDGET_BYTES

NOV = date(2026, 11, 22)
DEC = date(2026, 12, 1)
BANDS = ["0–6", "7–17", "18–64", "65–74", "75–84", "85+"]
OLLI = PERSONAS["olli.jarjestaja"].claims["name"]
CODE = temporary_hetu("010170", "-", 950)  # a resident the override tests look up by identity code
PAGES = ["organiser.listings", "organiser.listings_download", "organiser.rules", "organiser.capacity"]
PAGES += ["organiser.overrides"]


@pytest.fixture
def organiser(catalogue, login_as):
    login_as("olli.jarjestaja")
    return catalogue


def text(element) -> str:
    return " ".join(element.text.split())


def table_rows(page, table_id: str, part: str = "tbody") -> list[list[str]]:
    return [[text(cell) for cell in row.select("th, td")] for row in page.select(f"#{table_id} {part} tr")]


def unit_name(location_id: str) -> str:
    return db.session.get(CatalogueLocation, location_id).name_fi


def provider_name(location_id: str) -> str:
    return db.session.get(CatalogueOrganisation, db.session.get(CatalogueLocation, location_id).organisation_id).name_fi


def staff(name: str = "Olli") -> StaffUser:
    row = StaffUser(oidc_issuer="t", oidc_subject=name, name=name)
    db.session.add(row)
    db.session.commit()
    return row


def listed_residents(app) -> None:
    """Three residents chosen on 22 Nov 2026 (listed from 1 Dec): a child, a working-age adult and an 85-year-old."""
    with app.app_context():
        choose(make_person(number=1, birth=date(2020, 5, 1)), S_JARVENPAA)
        choose(make_person(number=2, birth=date(1985, 3, 15)), S_JARVENPAA)
        choose(make_person(number=3, birth=date(1941, 12, 1)), S_HAARAJOKI)
        choose(make_person(number=4, birth=date(1990, 1, 1)), D_JARVENPAA, kind="dental_unit")


# --- who may see the pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("aino.virtanen", 403), ("liisa.neuvoja", 403), ("olli.jarjestaja", 200), ("anna.yllapitaja", 200)],
)
@pytest.mark.parametrize("endpoint", PAGES)
def test_only_organisers_and_admins_get_in(client_request, login_as, persona, expected, endpoint):
    login_as(persona)
    client_request.get(endpoint, _expected_status=expected)


@pytest.mark.parametrize("endpoint", PAGES)
def test_anonymous_is_sent_to_log_in(client_request, endpoint):
    response = client_request.get(endpoint, _expected_status=302)
    assert response.headers["Location"].startswith(client_request.url("auth.login"))


def test_help_line_cannot_post_either(client_request, catalogue, login_as):
    login_as("liisa.neuvoja")
    client_request.post("organiser.rules", {"interval_months": "0"}, _expected_status=403)
    client_request.post("organiser.overrides", {"identity_code": CODE}, _expected_status=403)
    with catalogue.app_context():
        assert db.session.scalar(select(SettingChange)) is None


def test_the_pages_link_to_each_other(client_request, organiser):
    page = client_request.get("organiser.rules", lang="en")
    nav = page.select_one("nav.sub-nav")
    hrefs = [link["href"] for link in nav.select("a")]
    for endpoint in ("organiser.listings", "organiser.rules", "organiser.capacity", "organiser.overrides"):
        assert client_request.url(endpoint) in hrefs
    assert text(nav.select_one("a[aria-current=page]")) == "Rules"


# --- listing figures ---------------------------------------------------------------------------------------------


def test_figures_per_unit_and_provider_by_age_band_as_of_a_day(client_request, organiser):
    listed_residents(organiser)
    before = client_request.get("organiser.listings", lang="en", as_of="2026-11-30", kind="sote_centre")
    assert "No residents were listed on this day." in text(before.select_one("#main"))

    page = client_request.get("organiser.listings", as_of="2026-12-01", kind="sote_centre")
    assert page.select_one("#as_of")["value"] == "2026-12-01"
    header = [text(th) for th in page.select("#units thead th")]
    assert header == ["Unit", "Municipality", "Provider", *(f"Age {band}" for band in BANDS), "Total"]
    assert all(th["scope"] == "col" for th in page.select("#units thead th"))
    assert page.select_one("#units caption")
    with organiser.app_context():
        jarvenpaa, haarajoki = unit_name(S_JARVENPAA), unit_name(S_HAARAJOKI)
        provider = provider_name(S_JARVENPAA)
    assert table_rows(page, "units") == [
        [jarvenpaa, "Järvenpää", provider, "1", "0", "1", "0", "0", "0", "2"],
        [haarajoki, "Järvenpää", provider, "0", "0", "0", "0", "0", "1", "1"],
    ]
    assert table_rows(page, "units", "tfoot") == [["All units", "1", "0", "1", "0", "0", "1", "3"]]
    assert table_rows(page, "providers") == [[provider, "1", "0", "1", "0", "0", "1", "3"]]
    # The chart has the figures as its text alternative, and draws bars with SVG attributes, not inline styles.
    chart = page.select_one("#main svg[role=img]")
    assert "85+: 1" in text(chart.select_one("desc"))
    assert not page.select("[style]")


def test_the_dental_figures_are_separate(client_request, organiser):
    listed_residents(organiser)
    page = client_request.get("organiser.listings", lang="en", as_of="2027-01-01", kind="dental_unit")
    assert table_rows(page, "units", "tfoot") == [["All units", "0", "0", "1", "0", "0", "0", "1"]]


def test_a_switch_moves_the_resident_on_the_day_it_takes_effect(client_request, organiser):
    with organiser.app_context():
        person = make_person(birth=date(1985, 3, 15))
        choose(person, S_JARVENPAA)
        services.take_effect_due(DEC)
        choose(person, S_SYDANMAA, today=date(2027, 6, 1))  # takes effect on 1 July
        before, after = unit_name(S_JARVENPAA), unit_name(S_SYDANMAA)
    june = client_request.get("organiser.listings", lang="en", as_of="2027-06-30", kind="sote_centre")
    july = client_request.get("organiser.listings", lang="en", as_of="2027-07-01", kind="sote_centre")
    assert [row[0] for row in table_rows(june, "units")] == [before]
    assert [row[0] for row in table_rows(july, "units")] == [after]


@pytest.mark.parametrize("typed", ["31.12.2026", "2026-02-30", "", "tomorrow"])
def test_a_bad_date_is_explained_and_kept(client_request, organiser, typed):
    page = client_request.get("organiser.listings", lang="en", as_of=typed, kind="sote_centre", _expected_status=400)
    assert "Enter a date as year-month-day" in text(page.select_one(".error-summary"))
    assert page.select_one("#as_of")["value"] == typed
    assert page.select_one("#as_of")["aria-invalid"] == "true"
    assert not page.select("#units")


def test_without_a_date_the_figures_are_todays(client_request, organiser, monkeypatch):
    monkeypatch.setattr("portal.organiser.listing_views.today_in_helsinki", lambda: DEC)
    page = client_request.get("organiser.listings")
    assert page.select_one("#as_of")["value"] == "2026-12-01"
    assert page.select_one("#kind option[selected]")["value"] == "sote_centre"


def read_csv(response) -> list[list[str]]:
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_csv_per_unit_and_per_provider(client_request, organiser):
    listed_residents(organiser)
    client_request.get("main.home", lang="en")
    response = client_request.get("organiser.listings_download", as_of="2026-12-01", kind="sote_centre")
    assert response.mimetype == "text/csv"
    assert "listings-sote_centre-2026-12-01-unit.csv" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    with organiser.app_context():
        location = db.session.get(CatalogueLocation, S_JARVENPAA)
        provider = provider_name(S_JARVENPAA)
    assert rows[0] == ["Date", "Listing", "PTV id", "Unit", "Municipality", "Organisation id", "Provider"] + [
        f"Age {band}" for band in BANDS
    ] + ["Total"]
    assert rows[1] == [
        "2026-12-01", "sote_centre", S_JARVENPAA, location.name_fi, "Järvenpää", location.organisation_id, provider,
        "1", "0", "1", "0", "0", "0", "2",
    ]  # fmt: skip
    assert len(rows) == 3

    providers = read_csv(
        client_request.get("organiser.listings_download", as_of="2026-12-01", kind="sote_centre", level="provider")
    )
    assert providers[0][:4] == ["Date", "Listing", "Organisation id", "Provider"]
    assert providers[1:] == [
        ["2026-12-01", "sote_centre", location.organisation_id, provider, "1", "0", "1", "0", "0", "1", "3"]
    ]


def test_csv_refuses_a_bad_date(client_request, organiser):
    client_request.get("organiser.listings_download", as_of="2026-13-01", _expected_status=400)
    client_request.get("organiser.listings_download", level="everything", _expected_status=400)


def test_swedish_names_in_the_swedish_interface(client_request, organiser):
    listed_residents(organiser)
    page = client_request.get("organiser.listings", lang="sv", as_of="2026-12-01")
    with organiser.app_context():
        swedish = db.session.get(CatalogueLocation, S_JARVENPAA).name_sv
    assert table_rows(page, "units")[0][0] == swedish


# --- rules -------------------------------------------------------------------------------------------------------


def rules_form(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "municipalities": ["186", "543"],
        "interval_months": "3",
        "effective": "immediate",
        "override_valid_days": "14",
        "age_bands": "7, 18, 65",
        "organiser_name": "Keski-Uusimaa",
        "helpline_phone": "09 555 0000",
    }
    values.update(changes)
    return values


def test_the_rules_form_shows_the_current_rules(client_request, organiser):
    page = client_request.get("organiser.rules", lang="en")
    checked = {box["value"] for box in page.select("#municipalities input[checked]")}
    assert checked == set(load_rules_in(organiser).municipalities)
    assert page.select_one("#interval_months")["value"] == "6"
    assert page.select_one("#age_bands")["value"] == "7, 18, 65, 75, 85"
    assert page.select_one("input[name=effective][checked]")["value"] == "first_of_next_month"
    labels = [text(label) for label in page.select("#municipalities label")]
    assert "Järvenpää (186)" in labels
    assert "The rules have not been changed" in text(page.select_one("#main"))


def load_rules_in(app):
    with app.app_context():
        return load_rules()


def test_saving_the_rules_records_who_and_when(client_request, organiser):
    client_request.get("main.home", lang="en")
    client_request.post("organiser.rules", rules_form())
    with organiser.app_context():
        rules = load_rules()
        assert rules.municipalities == {"186", "543"}
        assert rules.interval_months == 3 and rules.effective == "immediate"
        assert rules.override_valid_days == 14 and rules.age_bands == (7, 18, 65)
        assert rules.organiser_name == "Keski-Uusimaa" and rules.helpline_phone == "09 555 0000"
        changes = list(db.session.scalars(select(SettingChange)))
        assert {change.key for change in changes} == set(rules_form()) - {"csrf_token"}
        assert {change.changed_by.name for change in changes} == {OLLI}
        assert all(change.changed_at is not None for change in changes)

    page = client_request.get("organiser.rules")
    notice = text(page.select_one(".notice--success"))
    assert notice.startswith("Saved. Changed:") and "Minimum time between switches, in months" in notice
    history = table_rows(page, "history")
    interval = next(row for row in history if row[2] == "Minimum time between switches, in months")
    assert interval[1:] == [OLLI, "Minimum time between switches, in months", "6", "3"]
    effective = next(row for row in history if row[2] == "A choice takes effect")
    assert effective[3:] == ["On the first day of the next month", "At once, on the day of the choice"]

    client_request.post("organiser.rules", rules_form())
    assert "Nothing was changed." in text(client_request.get("organiser.rules").select_one(".notice--success"))


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("interval_months", "37", "Enter a whole number of months from 0 to 36."),
        ("interval_months", "six", "Enter a whole number of months from 0 to 36."),
        ("override_valid_days", "0", "Enter a whole number of days from 1 to 365."),
        ("age_bands", "18, 7", "Enter ages from 1 to 120 in ascending order, separated by commas."),
        ("age_bands", "7, 121", "Enter ages from 1 to 120 in ascending order, separated by commas."),
        ("organiser_name", " ", "Enter the organiser's name."),
        ("effective", "tomorrow", "Choose one of the options."),
    ],
)
def test_bad_rules_are_refused_and_what_was_typed_is_kept(client_request, organiser, field, typed, message):
    client_request.get("main.home", lang="en")
    page = client_request.post("organiser.rules", rules_form(**{field: typed}), _expected_status=400)
    assert message in text(page.select_one(".error-summary"))
    assert message in text(page.select_one(f"#{field}-error"))
    assert page.select_one("#helpline_phone")["value"] == "09 555 0000"  # the other fields keep their input
    if field not in ("effective", "organiser_name"):
        assert page.select_one(f"#{field}")["value"] == typed
    with organiser.app_context():
        assert db.session.scalar(select(SettingChange)) is None


def test_the_area_cannot_be_emptied(client_request, organiser):
    client_request.get("main.home", lang="en")
    page = client_request.post(
        "organiser.rules", rules_form(municipalities=[], interval_months="4"), _expected_status=400
    )
    assert "Choose at least one municipality." in text(page.select_one("#municipalities"))
    assert not page.select("#municipalities input[checked]")
    assert page.select_one("#interval_months")["value"] == "4"
    page = client_request.post("organiser.rules", rules_form(municipalities=["999"]), _expected_status=400)
    assert "Choose one of the options." in text(page.select_one("#municipalities"))


# --- capacity ----------------------------------------------------------------------------------------------------


def test_capacity_lists_approved_units_with_seats_taken(client_request, organiser):
    listed_residents(organiser)
    page = client_request.get("organiser.capacity", lang="en", kind="sote_centre")
    with organiser.app_context():
        name = unit_name(S_JARVENPAA)
        expected = services.seats_taken("sote_centre", S_JARVENPAA, NOV)
    row = next(row for row in page.select("#capacity tbody tr") if text(row.select_one("th")) == name)
    assert text(row.select("td")[3]) == str(expected) == "2"
    assert row.select_one("input")["value"] == ""
    dental = client_request.get("organiser.capacity", kind="dental_unit")
    assert not dental.select(f"#capacity-{S_JARVENPAA}")
    assert dental.select(f"#capacity-{D_JARVENPAA}")
    client_request.get("organiser.capacity", kind="pharmacy", _expected_status=404)


def test_saving_capacities(client_request, organiser):
    client_request.get("main.home", lang="en")
    data = {f"capacity-{S_JARVENPAA}": "1200", f"capacity-{S_HAARAJOKI}": " "}
    client_request.post("organiser.capacity", data, kind="sote_centre")
    with organiser.app_context():
        assert services.unit_offer("sote_centre", S_JARVENPAA, NOV).capacity == 1200
        assert services.unit_offer("sote_centre", S_HAARAJOKI, NOV).capacity is None
        change = db.session.scalar(select(SettingChange))
        assert change.key == f"capacity:sote_centre:{S_JARVENPAA}" and change.changed_by.name == OLLI
        name = unit_name(S_JARVENPAA)
    page = client_request.get("organiser.capacity", kind="sote_centre")
    assert page.select_one(f"#capacity-{S_JARVENPAA}")["value"] == "1200"
    assert "Saved. 1 unit's capacity changed." in text(page.select_one(".notice--success"))
    history = client_request.get("organiser.rules")
    assert table_rows(history, "history")[0][2:] == [f"Capacity: {name} (Health and social care centre)"] + [
        "No limit",
        "1200",
    ]

    # Emptying the box lifts the limit.
    client_request.post("organiser.capacity", {f"capacity-{S_JARVENPAA}": ""}, kind="sote_centre")
    with organiser.app_context():
        assert services.unit_offer("sote_centre", S_JARVENPAA, NOV).capacity is None


@pytest.mark.parametrize("typed", ["-1", "12.5", "lots", "+3"])
def test_a_bad_capacity_is_refused_and_kept(client_request, organiser, typed):
    client_request.get("main.home", lang="en")
    data = {f"capacity-{S_JARVENPAA}": typed, f"capacity-{S_HAARAJOKI}": "50"}
    page = client_request.post("organiser.capacity", data, kind="sote_centre", _expected_status=400)
    box = page.select_one(f"#capacity-{S_JARVENPAA}")
    assert box["value"] == typed and box["aria-invalid"] == "true"
    assert page.select_one(f"#capacity-{S_HAARAJOKI}")["value"] == "50"
    assert "Enter a whole number of residents" in text(page.select_one(".error-summary"))
    assert page.select_one(".error-summary a")["href"] == f"#capacity-{S_JARVENPAA}"
    with organiser.app_context():
        assert db.session.scalar(select(SettingChange)) is None  # nothing saved, not even the valid row


# --- interval overrides ------------------------------------------------------------------------------------------


def resident_with_code(app) -> int:
    """A resident known by CODE, listed at Järvenpää since 1 Dec 2026 (so a switch before June is too early)."""
    with app.app_context():
        person = make_person(number=9)
        person.hetu_hash = lookup_hash(CODE, app.config["HETU_HASH_KEY"])
        person.hetu_masked = CODE[:7] + "****"
        db.session.commit()
        choose(person, S_JARVENPAA)
        services.take_effect_due(DEC)
        return person.id


def test_an_override_lets_the_resident_switch_early(client_request, organiser, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    person_id = resident_with_code(organiser)
    monkeypatch.setattr("portal.organiser.listing_views.today_in_helsinki", lambda: date(2027, 1, 10))
    client_request.get("main.home", lang="en")
    data = {"identity_code": CODE.lower(), "kind": "sote_centre", "reason": "Moved house to Haarajoki"}
    response = client_request.post("organiser.overrides", data)
    assert CODE not in response.headers["Location"]

    page = client_request.get("organiser.overrides")
    assert CODE not in str(page) and CODE.lower() not in str(page)
    assert not page.select_one("#identity_code").get("value")
    notice = text(page.select_one(".notice--success"))
    assert "Testi Asukas9 (010170-****)" in notice and "Tue 9 Feb 2027" in notice
    row = table_rows(page, "overrides")[0]
    assert row[0] == "Testi Asukas9 010170-****"
    assert row[1:4] == ["Health and social care centre", "Moved house to Haarajoki", OLLI]
    assert row[5:] == ["9 Feb 2027", "Not used"]

    with organiser.app_context():
        override = db.session.scalar(select(IntervalOverride))
        assert override.person_id == person_id and override.granted_by.name == OLLI
        assert override.valid_until == date(2027, 2, 9)  # today + override_valid_days (30)
        event = db.session.scalar(select(AuditEvent).filter_by(action="interval_override_granted"))
        assert event.subject_person_id == person_id and event.actor_kind == "staff"
        assert f'"override_id": {override.id}' in event.detail
        for detail in db.session.scalars(select(AuditEvent.detail)):
            assert CODE not in detail and CODE[:6] not in detail
        switched = choose(db.session.get(Person, person_id), S_HAARAJOKI, today=date(2027, 1, 10))
        assert switched.override_id == override.id
    assert CODE not in caplog.text

    used = client_request.get("organiser.overrides")
    assert table_rows(used, "overrides")[0][-1] != "Not used"
    with organiser.app_context():  # every look at the list is in the access log, per resident shown
        looks = db.session.scalars(select(AuditEvent).filter_by(action="override_list_viewed")).all()
        assert len(looks) == 2 and {e.subject_person_id for e in looks} == {person_id}


def test_unknown_identity_code_is_refused_and_kept(client_request, organiser):
    client_request.get("main.home", lang="en")
    unknown = temporary_hetu("020202", "A", 990)
    data = {"identity_code": unknown, "kind": "sote_centre", "reason": "Moved house"}
    page = client_request.post("organiser.overrides", data, _expected_status=400)
    assert "No resident with this identity code was found." in text(page.select_one(".error-summary"))
    assert page.select_one("#identity_code")["value"] == unknown
    assert text(page.select_one("#reason")) == "Moved house"
    with organiser.app_context():
        assert db.session.scalar(select(IntervalOverride)) is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"identity_code": "010170-950X"}, "it is not a valid personal identity code"),
        ({"identity_code": ""}, "Enter the resident's personal identity code."),
        ({"reason": " "}, "Enter the reason"),
        ({"reason": "x" * 501}, "at most 500 characters"),
        ({"kind": ""}, "Choose one of the options."),
    ],
)
def test_an_override_needs_a_valid_code_kind_and_reason(client_request, organiser, changes, message):
    resident_with_code(organiser)
    client_request.get("main.home", lang="en")
    data = {"identity_code": CODE, "kind": "sote_centre", "reason": "Moved house", **changes}
    page = client_request.post("organiser.overrides", data, _expected_status=400)
    assert message in text(page.select_one(".error-summary"))
    with organiser.app_context():
        assert db.session.scalar(select(IntervalOverride)) is None


def test_the_override_form_is_never_filled_from_the_url(client_request, organiser):
    page = client_request.get("organiser.overrides", identity_code=CODE, reason="x")
    assert not page.select_one("#identity_code").get("value")
    assert text(page.select_one("#reason")) == ""


def test_history_keeps_the_latest_changes_newest_first(client_request, organiser):
    with organiser.app_context():
        who = staff()
        for value in range(55):
            set_capacities("sote_centre", {S_JARVENPAA: value}, who.id)
    page = client_request.get("organiser.rules", lang="en")
    rows = table_rows(page, "history")
    assert len(rows) == 50
    assert rows[0][3:] == ["53", "54"]


@pytest.mark.parametrize("endpoint", PAGES[2:] + ["organiser.listings"])
def test_each_page_with_its_css_and_js_stays_within_the_budget(client_request, organiser, endpoint):
    listed_residents(organiser)
    page = client_request.get(endpoint, as_of="2026-12-01")  # the date only matters to the listing figures
    total = len(gzip.compress(client_request.last_response.data))
    assets = [link["href"] for link in page.select("link[rel=stylesheet]")]
    assets += [script["src"] for script in page.select("script[src]")]
    for asset in assets:
        total += len(gzip.compress(client_request.client.get(asset).data))
    assert total <= PAGE_BUDGET_BYTES, f"{total} bytes compressed"
