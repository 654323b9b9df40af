"""The listing benchmark (bench/choices.py, step 4 of `make bench`) at a tiny scale: it runs through bench.run, and
what must never happen is counted, so a double listing or an overfull unit would show.

No duration is asserted: on a shared machine that would only make the suite flaky.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bench.baseline_app import WRITE_TABLES_SQL, create_baseline_app
from bench.choices import (
    DOUBLE_LISTINGS_SQL,
    ChoiceSettings,
    bench_app,
    count_capacity_exceeded,
    count_double_listings,
    prepare_catalogue,
    round_anomalous,
    seed_population,
)
from bench.run import FIGURES, Settings, run_benchmark, scratch_database
from portal.choice.rules import first_of_next_month
from portal.compare.units import today_in_helsinki

LISTING_FIGURES = [key for key in FIGURES if key.startswith("choice_")] + ["baseline_writes_per_second"]
TINY = ChoiceSettings(
    residents=400,
    processes=2,
    threads=4,
    pairs=2,
    seconds=1.5,
    warmup_seconds=1.0,  # cold gunicorn workers build the search index on their first check page
    capacity_units=2,
    capacity_headroom=3,
    report_runs=2,
)


def test_only_the_listings_run_and_merge_into_the_results(tmp_path: Path, postgres_url: str) -> None:
    earlier = {key: 1.0 for key in FIGURES if key not in LISTING_FIGURES}
    settings = Settings(
        only="choices",
        choices=TINY,
        postgresql_url=postgres_url,
        cache_dir=tmp_path / "cache",
        results_path=tmp_path / "results.json",
        doc_path=tmp_path / "performance.md",
    )
    settings.results_path.write_text(json.dumps(earlier), encoding="utf-8")

    results = run_benchmark(settings)

    written = json.loads(settings.results_path.read_text(encoding="utf-8"))
    assert written == results
    assert list(written) == list(FIGURES)  # the earlier figures kept, the listings' added, in the documented order
    assert all(written[key] == 1.0 for key in earlier if key != "machine_cpus")
    assert written["choice_residents"] == 400 and written["choice_clients"] == 8
    assert written["choice_switches"] > 0 and written["choice_switches_per_second"] > 0
    assert written["choice_switches_per_second_without_capacity"] > 0
    assert written["choice_service_switches_per_second"] > 0
    assert written["baseline_writes_per_second"] > 0  # the write baseline's window ran, and its tables agreed
    ratio = written["choice_switches_per_second"] / written["baseline_writes_per_second"]
    assert written["choice_to_write_baseline"] == pytest.approx(ratio, abs=0.01)
    assert written["choice_contested_rounds"] > 0  # the pairs did act on the same residents at once
    for must_be_zero in (
        "choice_errors",
        "choice_contested_anomalies",
        "choice_double_listings",
        "choice_capacity_exceeded",
    ):
        assert written[must_be_zero] == 0, must_be_zero
    assert written["choice_listing_report_max_seconds"] >= written["choice_listing_report_seconds"] > 0

    doc = settings.doc_path.read_text(encoding="utf-8")
    assert all(f"| `{key}` |" in doc for key in FIGURES)
    assert "4. **Listings**" in doc and "HAVING count(*) FILTER (WHERE effective_on <= :day) > 1" in doc
    assert "Only the listings were measured" in doc
    assert "double clicks" in doc and "400 residents listed" in doc
    assert "The **write baseline**" in doc and "- Listings, write_baseline: " in doc


def test_the_write_baseline_locks_updates_and_inserts_in_one_transaction(postgres_url: str) -> None:
    """`POST /write` on a database with the baseline's tables: each write counts once and adds two events; an
    unknown counter is a 404 that leaves nothing behind, a missing one a 400."""
    with scratch_database(postgres_url) as url:
        app = create_baseline_app(url)
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            with engine.begin() as connection:
                for statement in WRITE_TABLES_SQL:
                    connection.execute(text(statement), {"rows": 5} if ":rows" in statement else {})
            client = app.test_client()
            answers = [client.post("/write", data={"counter": counter}) for counter in (3, 3, 0)]
            assert [a.status_code for a in answers] == [303, 303, 303]
            assert answers[1].headers["Location"].endswith("/written/3/2")
            assert client.post("/write", data={"counter": 5}).status_code == 404
            assert client.post("/write", data={}).status_code == 400
            with engine.connect() as connection:
                counters = dict(connection.execute(text("SELECT id, value FROM bench_counter")).all())
                events = connection.execute(text("SELECT counter_id, kind FROM bench_event ORDER BY id")).all()
        finally:
            engine.dispose()
    assert counters == {0: 1, 1: 0, 2: 0, 3: 2, 4: 0}
    assert [tuple(e) for e in events] == [(3, "written"), (3, "replaced")] * 2 + [(0, "written"), (0, "replaced")]


@pytest.fixture
def population(tmp_path: Path, postgres_url: str):
    """A scratch database with the demo catalogue and 60 residents with listings as of today, in an app context:
    (db, today)."""
    today = today_in_helsinki()
    with scratch_database(postgres_url) as url:
        app = bench_app(url)
        with app.app_context():
            from portal.extensions import db

            prepare_catalogue(tmp_path, today)
            seed_population(60, today)
            yield db, today
            db.session.remove()
            db.engine.dispose()


def _copy_choice(db, choice_id: int, tag: str, **dates) -> None:
    """Another row like choice `choice_id`, with the given effective_on / ended_on / cancelled_at."""
    values = {"effective_on": None, "ended_on": None, "cancelled_at": None, **dates}
    db.session.execute(
        text(
            "INSERT INTO choice (reference, request_key, person_id, kind, location_id, organisation_id, unit_name_fi,"
            " unit_name_sv, chosen_at, effective_on, ended_on, cancelled_at, actor_kind, actor_id)"
            " SELECT :tag || id, :tag || id, person_id, kind, location_id, organisation_id, unit_name_fi, unit_name_sv,"
            " chosen_at, coalesce(CAST(:effective_on AS date), effective_on), CAST(:ended_on AS date),"
            " CAST(:cancelled_at AS timestamp), actor_kind,"
            " actor_id FROM choice WHERE id = :id"
        ),
        {"id": choice_id, "tag": tag, **values},
    )
    db.session.commit()


def test_double_listings_are_counted(population) -> None:
    db, today = population
    next_month = first_of_next_month(today)
    assert count_double_listings(today) == 0
    current = db.session.execute(
        text(
            "SELECT id FROM choice WHERE kind = 'sote_centre' AND cancelled_at IS NULL AND ended_on IS NULL"
            " AND effective_on <= :day ORDER BY person_id LIMIT 4"
        ),
        {"day": today},
    ).scalars()
    first, second, third, fourth = current

    _copy_choice(db, first, "two-current-")  # a second listing in effect today
    assert count_double_listings(today) == 1
    _copy_choice(db, second, "pending-a-", effective_on=next_month)
    assert count_double_listings(today) == 1  # one current and one pending switch is how a switch looks
    _copy_choice(db, second, "pending-b-", effective_on=next_month)
    assert count_double_listings(today) == 2  # two pending switches
    _copy_choice(db, third, "ended-", ended_on=today)  # ended today: no longer current
    _copy_choice(db, fourth, "cancelled-", cancelled_at=today)
    assert count_double_listings(today) == 2
    assert count_double_listings(first_of_next_month(next_month)) == 2  # the two pending ones are both current then


def test_the_double_listing_query_is_the_documented_one(population) -> None:
    db, today = population
    assert db.session.scalar(text(DOUBLE_LISTINGS_SQL), {"day": today}) == count_double_listings(today) == 0


def test_a_unit_over_its_capacity_is_counted(population) -> None:
    from portal.choice.rules import set_capacities
    from portal.choice.services import seats_taken

    db, today = population
    location_id = db.session.scalar(
        text("SELECT location_id FROM choice WHERE kind = 'sote_centre' GROUP BY location_id ORDER BY count(*) DESC")
    )
    taken = seats_taken("sote_centre", location_id, today)
    set_capacities("sote_centre", {location_id: taken}, None)
    assert count_capacity_exceeded(today) == 0  # full is not over
    set_capacities("sote_centre", {location_id: taken - 1}, None)
    assert count_capacity_exceeded(today) == 1
    set_capacities("sote_centre", {location_id: None}, None)
    assert count_capacity_exceeded(today) == 0  # no number, no limit


@pytest.mark.parametrize(
    ("mode", "outcomes", "ids", "stored", "anomalous"),
    [
        ("double_click", ["ok", "ok"], [7, 7], 1, False),  # the second click gets the first one's choice
        ("double_click", ["refused:full", "refused:full"], [None, None], 0, False),
        ("double_click", ["ok", "refused:changed"], [7, None], 1, True),  # the own second click shown as an error
        ("double_click", ["ok", "ok"], [7, 8], 2, True),
        ("two_tabs", ["ok", "refused:changed"], [7, None], 1, False),  # one wins, the other is told
        ("two_tabs", ["refused:full", "ok"], [None, 8], 1, False),
        ("two_tabs", ["ok", "ok"], [7, 8], 2, True),  # both won: a lost update
        ("two_tabs", ["refused:changed", "refused:changed"], [None, None], 0, True),  # nobody won
        ("two_tabs", ["ok", "refused:changed"], [7, None], 2, True),  # a choice stored that no answer told of
    ],
)
def test_contested_moments_are_judged(mode, outcomes, ids, stored, anomalous) -> None:
    assert round_anomalous({"mode": mode, "outcomes": outcomes, "ids": ids, "keys": ["k"]}, stored) is anomalous
