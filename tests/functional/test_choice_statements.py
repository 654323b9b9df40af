"""What a switch costs the database, counted: the SQL statements of the check-your-answers page and of a
confirmation, each held to a budget. A count is the same on every run where a time is not, so a repeated load (the
same person, listing, unit, rules or catalogue row read twice, a query per row) shows up here as a failure.

The scenario is the listing benchmark's (bench/choices.py): a resident listed with a sote centre for over a year
switches to another that has a capacity, under rules that make the choice take effect at once, so the confirmation
takes the capacity lock, counts the unit's residents and writes the take-effect messages too.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select

from portal.auth.services import CurrentUser
from portal.choice import services
from portal.choice.rules import save_settings, set_capacities
from portal.demo.ptv_feed import channel_id
from portal.extensions import db
from portal.models import Choice, Person
from tests.statements import statements, within

S_JARVENPAA = channel_id(2019, "s-jarvenpaa")
S_HAARAJOKI = channel_id(2019, "s-haarajoki")

# GET /choices/sote_centre/check?unit=...: (1) the web session and (2) the logged-in person, both read for every
# page (portal/sessions.py, portal/auth/); (3) the organiser's rules; (4) the resident's listing with its slot's
# version; (5) the unit with its approval, its capacity and the residents it holds. The resident's municipality is
# the logged-in user's, read in (2). The catalogue version, which the unit names on the page need, is read at most
# every CATALOGUE_VERSION_TTL_SECONDS as deployed, so not here. Before the repeated loads were folded (the person
# read again, the slot's version, the unit's row, approval, capacity and count each on its own, the unit's row again
# for its address): 11.
CHECK_PAGE_BUDGET = {"postgresql": 5, "sqlite": 5}

# POST /choices/sote_centre/confirm: (1) the web session, (2) the logged-in person; (3) the resident's slot bumped
# (its lock); (4) the rules; (5) the person again, under the lock: portal/auth/ does not keep the row it read in (2),
# so the session has forgotten it, and the messages need the name and birth date; (6) the listing (its version is
# the one (3) set); (7) the unit with its approval and capacity; (8) the capacity row bumped (its lock), returning
# the capacity; (9) the residents the unit holds, counted under that lock; (10) the current listing ended; (11) the
# new choice inserted; its six outbox messages, in (12) one statement on PostgreSQL and in six on SQLite (which
# sends each INSERT ... RETURNING on its own); the access log's row: on PostgreSQL (13) its advisory lock, (14) the
# chain's last seal and (15) the row, on SQLite the row, the last seal and the seal written into the row; and (16)
# the new choice read back after the commit for the receipt's address. Before the repeated loads were folded (the
# slot's version read under its own lock, the unit's row, approval and capacity each on its own, the capacity read
# again after its lock, the take-effect time written in an UPDATE after the INSERT): 21 on PostgreSQL, 26 on SQLite.
CONFIRM_BUDGET = {"postgresql": 16, "sqlite": 21}


def budget_of(app: Flask, budgets: dict[str, int]) -> int:
    with app.app_context():
        return budgets[db.engine.dialect.name]


@pytest.fixture
def switching(catalogue: Flask, client_request, login_as):
    """Aino logged in, listed with her sote centre since June 2025; the other centre has a capacity; choices take
    effect at once. The catalogue version is kept as deployed, for long enough that the count does not depend on
    the clock."""
    catalogue.config["CATALOGUE_VERSION_TTL_SECONDS"] = 3600
    login_as("aino.virtanen")
    client_request.get("main.home", lang="en")
    with catalogue.app_context():
        person = db.session.scalar(select(Person).filter_by(given_name="Aino"))
        services.confirm_choice(
            person_id=person.id,
            kind="sote_centre",
            location_id=S_JARVENPAA,
            request_key=services.new_request_key(),
            expected_version=0,
            actor=CurrentUser("resident", person.id, person.display_name, person.home_municipality_code),
            today=date(2025, 6, 1),
        )
        save_settings({"effective": "immediate"}, None)
        set_capacities("sote_centre", {S_HAARAJOKI: 100}, None)
    client_request.get("choice.check", kind="sote_centre", unit=S_HAARAJOKI)  # the index built, the version read
    return client_request


def test_the_check_page_keeps_to_its_budget(switching, catalogue):
    with statements(catalogue) as seen:
        page = switching.get("choice.check", kind="sote_centre", unit=S_HAARAJOKI)
    assert page.select_one("form[action$='/confirm']") is not None, "the switch is refused"
    budget = budget_of(catalogue, CHECK_PAGE_BUDGET)
    assert len(seen) <= budget, within(seen, budget)


def test_a_confirmation_keeps_to_its_budget(switching, catalogue):
    page = switching.get("choice.check", kind="sote_centre", unit=S_HAARAJOKI)
    form = {field["name"]: field["value"] for field in page.select("form[action$='/confirm'] input[type=hidden]")}
    with statements(catalogue) as seen:
        response = switching.client.post(switching.url("choice.confirm", kind="sote_centre"), data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    budget = budget_of(catalogue, CONFIRM_BUDGET)
    assert len(seen) <= budget, within(seen, budget)
    with catalogue.app_context():
        made = db.session.scalars(select(Choice).order_by(Choice.id)).all()
    assert [(c.location_id, c.ended_on is None) for c in made] == [(S_JARVENPAA, False), (S_HAARAJOKI, True)]
    assert made[1].took_effect_at is not None  # in effect at once: its take-effect messages were written
