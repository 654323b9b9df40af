"""The SQL statements of the pages a logged-in resident sees most, each held to a budget.

A count is stable where a time is not (bench/run.py measures the pages' throughput, `python -m bench.page_profile`
profiles them). Each page is asked for once first, as a browser that has been looking around would have: the
parsed records of the unit and the search index are then kept by the process, and the session's CSRF secret exists.
"""

from __future__ import annotations

import pytest

from portal.compare.units import today_in_helsinki
from portal.demo.listings import load_demo_listings
from portal.demo.ptv_feed import channel_id
from portal.extensions import db
from tests.statements import statements, within

S_JARVENPAA = channel_id(2019, "s-jarvenpaa")  # Aino's health and social care centre in the demo

# Every logged-in request starts with the same two reads: the session row (portal/sessions.py; it is written back
# only when its data changed or once a minute, never here) and the person it names (portal/auth/services.py).
PER_REQUEST = 2
BUDGETS = {
    # + the organiser's settings (the listing rules), Aino's listing of each kind (its open choices and its slot's
    #   version: two statements a kind) and her unread flag replies (the count the page shows)
    "/": PER_REQUEST + 6,
    # + which units are full (kept for 2 s per process, read here because the first request was more than 2 s ago
    #   on a slow machine, or not at all); the search itself runs on the in-memory index
    "/units?municipality=186": PER_REQUEST + 1,
    # + the unit's row and the content hashes of its services and of its organisations (the parsed records are kept
    #   per process, so their stored JSON is not read again), its approval, which of its kinds are full, Aino's own
    #   open choices (the "you are listed here" marks), the feedback settings and the unit's public score
    f"/units/{S_JARVENPAA}": PER_REQUEST + 8,
    # + the listing rules, Aino's listing of each kind (two statements a kind) and the feedback settings (whether to
    #   ask her about her units)
    "/choices/": PER_REQUEST + 6,
}


@pytest.fixture
def aino(catalogue, client_request, login_as):
    # As deployed: the catalogue version and the full units read at most every 2 s per process (the test config
    # reads them on every call, so that tests can import and look within the same second).
    catalogue.config.update(CATALOGUE_VERSION_TTL_SECONDS=2, FULL_UNITS_TTL_SECONDS=2)
    with catalogue.app_context():
        load_demo_listings(today_in_helsinki(), subjects={"aino.virtanen"})
        db.session.commit()
    login_as("aino.virtanen")
    client_request.get("main.home", lang="en")
    return client_request


@pytest.mark.parametrize("path", list(BUDGETS))
def test_a_logged_in_page_stays_within_its_statements(aino, catalogue, path: str) -> None:
    client = aino.client
    first = client.get(path)
    assert first.status_code == 200, first.data[:300]
    assert b'action="/logout"' in first.data  # served to the logged-in resident, not to a visitor
    with statements(catalogue) as seen:
        response = client.get(path)
    assert response.status_code == 200
    assert len(seen) <= BUDGETS[path], f"{path}: {within(seen, BUDGETS[path])}"
    writes = [s for s in seen if s.split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert not writes, f"a page view wrote:\n{writes}"
