"""The choose buttons and "new clients" lines of the unit page, the comparison and the search results promise only
what the listing rules allow (issue 10, section 3): the resident's own units are named as theirs, and a unit the
organiser's capacity has filled offers no choice, read in one query for all the units a page shows."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, select

from portal.choice.rules import load_rules, set_capacities
from portal.compare.units import today_in_helsinki
from portal.demo.listings import load_demo_listings
from portal.demo.ptv_feed import channel_id
from portal.extensions import db
from portal.formatting import format_day
from portal.models import Person
from tests.functional.test_choice_pages import check_page, confirm_form

S_JARVENPAA = channel_id(2019, "s-jarvenpaa")
S_HAARAJOKI = channel_id(2019, "s-haarajoki")
S_SYDANMAA = channel_id(2019, "s-sydanmaa-jarvenpaa")
D_JARVENPAA = channel_id(2019, "d-jarvenpaa")


def text(page) -> str:
    """The page's main text with no-break spaces as plain ones, as a reader sees it."""
    return " ".join(page.select_one("main").text.replace("\xa0", " ").split())


def shown(app, day: date) -> str:
    """A date as the English pages write it."""
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        return format_day(day, "day").replace("\xa0", " ")


def person_id(app, subject: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Person.id).filter_by(oidc_subject=subject))


@pytest.fixture
def aino(catalogue, client_request, login_as):
    """Aino, logged in, English pages, with no listing yet."""
    login_as("aino.virtanen")
    client_request.get("main.home", lang="en")
    return client_request


@pytest.fixture
def listed_aino(aino, catalogue):
    """Aino with the demo's listings: her sote centre for 14 months (she can switch), her dental unit for two months
    (too early to switch)."""
    with catalogue.app_context():
        load_demo_listings(today_in_helsinki(), subjects=["aino.virtanen"])
    return aino


def confirm(client_request, kind: str, unit: str):
    form = confirm_form(check_page(client_request, kind, unit))
    response = client_request.client.post(client_request.url("choice.confirm", kind=kind), data=form)
    assert response.status_code == 303, response.data[:300]
    return response


# --- the resident's own units and full units on the unit page, the comparison and the results ---------------------


def test_the_unit_page_and_comparison_name_the_residents_own_units(listed_aino, catalogue):
    own = listed_aino.get("compare.unit", location_id=S_JARVENPAA)
    assert "Your health and social care centre" in text(own)
    assert own.select_one("a[href*='/choices/sote_centre/check']") is None
    dental = listed_aino.get("compare.unit", location_id=D_JARVENPAA)
    assert "Your dental care unit" in text(dental)
    assert dental.select_one("a[href*='/choices/dental_unit/check']") is None
    assert listed_aino.get("compare.unit", location_id=S_HAARAJOKI).select_one(
        f"a[href*='/choices/sote_centre/check?unit={S_HAARAJOKI}']"
    )

    confirm(listed_aino, "sote_centre", S_HAARAJOKI)
    with catalogue.app_context():
        effective = load_rules().effective_on(today_in_helsinki())
    chosen = text(listed_aino.get("compare.unit", location_id=S_HAARAJOKI))
    assert f"Your choice, waiting to take effect on {shown(catalogue, effective)}" in chosen
    leaving = text(listed_aino.get("compare.unit", location_id=S_JARVENPAA))
    assert f"Your health and social care centre until {shown(catalogue, effective)}" in leaving

    for unit in (S_JARVENPAA, S_HAARAJOKI, S_SYDANMAA):
        listed_aino.client.post("/compare/add", data={"location_id": unit, "next": "/compare"})
    compare = listed_aino.get("compare.compare")
    choose_row = next(row for row in compare.select("tr") if row.th and row.th.text.strip() == "Choose")
    cells = [" ".join(cell.text.replace("\xa0", " ").split()) for cell in choose_row.select("td")]
    assert cells[0].startswith("Your health and social care centre until")
    assert cells[1].startswith("Your choice, waiting to take effect on")
    assert cells[2] == "Choose as my health and social care centre"


def test_a_unit_the_capacity_has_filled_offers_no_choice_anywhere(catalogue, client_request):
    with catalogue.app_context():
        set_capacities("sote_centre", {S_JARVENPAA: 0}, None)
    unit = client_request.get("compare.unit", location_id=S_JARVENPAA, lang="en")
    assert "This unit has no room for new clients at the moment." in text(unit)
    assert "accepts new clients" not in text(unit)
    assert unit.select_one("a[href*='/choices/']") is None

    results = client_request.get("compare.search", kind="sote_centre", municipality="186")
    row = next(r for r in results.select("li.result") if S_JARVENPAA in str(r.select_one("a")))
    assert "Full: not accepting new clients" in row.text
    accepting = client_request.get("compare.search", kind="sote_centre", municipality="186", accepts_new="1")
    assert S_JARVENPAA not in str(accepting.select_one("#results"))
    assert S_HAARAJOKI in str(accepting.select_one("#results"))

    client_request.client.post("/compare/add", data={"location_id": S_JARVENPAA, "next": "/compare"})
    compare = client_request.get("compare.compare")
    assert "Full: not accepting new clients" in compare.text
    assert compare.select_one("a[href*='/choices/']") is None


def test_a_unit_full_for_one_kind_is_said_so_for_that_kind(catalogue, client_request):
    """A unit approved for both kinds (made so here) that is full for one: the other kind can still be chosen."""
    from portal.models import CatalogueApproval

    with catalogue.app_context():
        db.session.get(CatalogueApproval, S_JARVENPAA).kinds = "sote_centre dental_unit"
        db.session.commit()
        set_capacities("sote_centre", {S_JARVENPAA: 0}, None)
    unit = client_request.get("compare.unit", location_id=S_JARVENPAA, lang="en")
    assert "This unit accepts new clients." in text(unit)
    assert "Health and social care centre: no room for new clients at the moment." in text(unit)
    assert unit.select_one("a[href*='/choices/sote_centre/check']") is None
    assert unit.select_one("a[href*='/choices/dental_unit/check']") is not None


def test_the_pages_read_the_capacity_once_for_all_their_units(catalogue, client_request):
    """No query per unit: one statement reads which units are full, however many a page shows."""
    with catalogue.app_context():
        set_capacities("sote_centre", {S_JARVENPAA: 0, S_HAARAJOKI: 5, S_SYDANMAA: None}, None)
        engine = db.engine
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "unit_capacity" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        client_request.get("compare.search", kind="sote_centre", lang="en")
        assert len(statements) == 1
        statements.clear()
        for unit in (S_JARVENPAA, S_HAARAJOKI, S_SYDANMAA):
            client_request.client.post("/compare/add", data={"location_id": unit, "next": "/compare"})
        statements.clear()
        client_request.get("compare.compare")
        assert len(statements) == 1
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def test_a_cached_results_page_never_shows_a_unit_that_filled_up_since(catalogue, database_url, demo_providers):
    from tests.conftest import make_app

    cached = make_app(database_url, demo_providers, COMPARE_PAGE_CACHE_SIZE=8)
    client = cached.test_client()
    before = client.get("/units?kind=sote_centre&municipality=186&accepts_new=1&lang=en").get_data(as_text=True)
    assert S_JARVENPAA in before
    with cached.app_context():
        set_capacities("sote_centre", {S_JARVENPAA: 0}, None)
    after = client.get("/units?kind=sote_centre&municipality=186&accepts_new=1&lang=en").get_data(as_text=True)
    assert S_JARVENPAA not in after
