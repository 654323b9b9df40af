"""Exactly one choice under real concurrency, capacity never exceeded, and all-or-nothing when a process dies.

Each thread works in its own app context, so it has its own database connection: these are concurrent
transactions on the real SQLite file and the real PostgreSQL server, not interleaved calls on one connection.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from portal.auth.services import CurrentUser
from portal.choice import services
from portal.choice.rules import set_capacities
from portal.extensions import db
from portal.models import Choice, ListingSlot, OutboxMessage
from tests.conftest import REPO_ROOT
from tests.functional.test_choice_rules import NOV, S_HAARAJOKI, S_JARVENPAA, S_SYDANMAA, make_person

THREADS = 8


def run_together(app, work: Callable[[int], object], count: int = THREADS) -> list[object]:
    """Run `work(i)` in `count` threads released at the same instant; returns results or raised exceptions."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def worker(i: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[i] = work(i)
            except Exception as error:  # the test inspects what each thread got
                results[i] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def actor_for(i: int, person_id: int) -> CurrentUser:
    """Even threads are the resident, odd ones a help-line worker acting for them."""
    if i % 2:
        return CurrentUser("staff", 1, "Liisa", roles=frozenset({"helpline"}))
    return CurrentUser("resident", person_id, "Testi")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def ctx(catalogue):
    with catalogue.app_context():
        yield catalogue


def test_double_clicks_give_one_choice(ctx):
    person = make_person().id  # plain ids: ORM objects belong to the main thread's session
    key = services.new_request_key()

    def confirm(i: int):
        return services.confirm_choice(
            person_id=person, kind="sote_centre", location_id=S_JARVENPAA, request_key=key,
            expected_version=0, actor=actor_for(0, person), today=NOV,
        ).id  # fmt: skip

    results = run_together(ctx, confirm)
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    assert count(Choice) == 1
    assert count(OutboxMessage) == 2


@pytest.mark.parametrize("existing", [False, True], ids=["first-listing", "switch"])
def test_tabs_and_the_help_line_at_once_give_one_choice(ctx, existing):
    from portal.choice.rules import save_settings

    person = make_person().id
    if existing:
        save_settings({"interval_months": 0}, None)
        services.confirm_choice(
            person_id=person, kind="sote_centre", location_id=S_SYDANMAA, request_key=services.new_request_key(),
            expected_version=0, actor=actor_for(0, person), today=NOV,
        )  # fmt: skip
    version = services.listing(person, "sote_centre", NOV).version
    units = [S_JARVENPAA, S_HAARAJOKI]

    def confirm(i: int):
        return services.confirm_choice(
            person_id=person, kind="sote_centre", location_id=units[i % 2],
            request_key=services.new_request_key(), expected_version=version, actor=actor_for(i, person), today=NOV,
        ).id  # fmt: skip

    results = run_together(ctx, confirm)
    made = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, services.ChoiceRefused)]
    assert len(made) == 1, results
    assert len(refused) == THREADS - 1 and {r.problem for r in refused} == {"changed"}
    assert count(Choice) == (2 if existing else 1)
    state = services.listing(person, "sote_centre", NOV)
    assert state.pending.id == made[0]
    assert db.session.get(ListingSlot, (person, "sote_centre")).version == version + 1


def test_capacity_is_never_exceeded(ctx):
    set_capacities("sote_centre", {S_JARVENPAA: 3}, None)
    people = [make_person(number=n).id for n in range(THREADS)]

    def confirm(i: int):
        person = people[i]
        return services.confirm_choice(
            person_id=person, kind="sote_centre", location_id=S_JARVENPAA,
            request_key=services.new_request_key(), expected_version=0, actor=actor_for(0, person), today=NOV,
        ).id  # fmt: skip

    results = run_together(ctx, confirm)
    made = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, services.ChoiceRefused)]
    assert len(made) == 3, results
    assert {r.problem for r in refused} == {"full"} and len(refused) == THREADS - 3
    assert services.seats_taken("sote_centre", S_JARVENPAA, NOV) == 3


CRASH_SCRIPT = """
import os, sys
from datetime import date
from portal import create_app
from portal.auth.services import CurrentUser
from portal.choice import services

point = sys.argv[1]
app = create_app({"SQLALCHEMY_DATABASE_URI": os.environ["CRASH_DATABASE_URL"]})

def die(*args, **kwargs):
    os._exit(3)

def after(original):
    def wrapped(*args, **kwargs):
        result = original(*args, **kwargs)
        os._exit(3)
    return wrapped

if point == "after_lock":
    services.load_rules = die
elif point == "after_first_message":
    services.enqueue = after(services.enqueue)
elif point == "before_commit":
    services.record_event = after(services.record_event)

with app.app_context():
    person_id = int(os.environ["CRASH_PERSON_ID"])
    services.confirm_choice(
        person_id=person_id, kind="sote_centre", location_id=os.environ["CRASH_UNIT"],
        request_key="crash-test-request-key-0001", expected_version=0,
        actor=CurrentUser("resident", person_id, "Testi"), today=date(2026, 11, 22),
    )
    os._exit(3 if point == "after_commit" else 0)
"""


@pytest.mark.parametrize("point", ["after_lock", "after_first_message", "before_commit", "after_commit"])
def test_a_crash_leaves_the_whole_choice_or_nothing(ctx, point):
    person = make_person().id
    env = {
        **os.environ,
        "CRASH_DATABASE_URL": str(db.engine.url.render_as_string(hide_password=False)),
        "CRASH_PERSON_ID": str(person),
        "CRASH_UNIT": S_JARVENPAA,
    }
    script = textwrap.dedent(CRASH_SCRIPT)
    result = subprocess.run(
        [sys.executable, "-c", script, point], env=env, cwd=REPO_ROOT, capture_output=True, timeout=120
    )
    assert result.returncode == 3, result.stderr.decode()[-2000:]
    db.session.remove()
    choices, messages = count(Choice), count(OutboxMessage)
    slot = db.session.get(ListingSlot, (person, "sote_centre"))
    if point == "after_commit":
        assert (choices, messages, slot.version) == (1, 2, 1)
    else:
        assert (choices, messages, slot) == (0, 0, None)
        # and the resident can still choose: nothing was left half-done or locked
        made = services.confirm_choice(
            person_id=person, kind="sote_centre", location_id=S_JARVENPAA, request_key=services.new_request_key(),
            expected_version=0, actor=actor_for(0, person), today=NOV,
        )  # fmt: skip
        assert made.reference
