"""Listings at scale on PostgreSQL: confirmed switches per second from concurrent clients, and the listing figures.

`measure_choices(database_url, settings)` works in a fresh PostgreSQL database:

1. migrates it, imports the demo catalogue with its overlay (the approved sote centres and dental units), sets
   the organiser's rules to allow switching at any time with immediate effect (`RULES`), and writes a population
   of residents with listings straight in SQL (`SEED_SQL`);
2. serves the portal with gunicorn, starts the client processes (`python -m bench.choices client ...`; each
   client a logged-in resident's browser: the check-your-answers page, then the confirm form) and runs three
   measuring windows: over HTTP with no unit capacities; over HTTP with some units given a capacity just above
   the residents listed there (the figure of record); and calling the domain service in-process instead; and,
   between the last two, a fourth with the same clients posting to the bare write baseline
   (`bench.baseline_app`'s `POST /write`, served by gunicorn with as many workers, on the same database);
3. counts, in the database, what must never happen: a resident with two current listings or two pending choices
   of a kind (`DOUBLE_LISTINGS_SQL`), a unit over its capacity (`CAPACITY_EXCEEDED_SQL`), a contested moment
   (double click, two tabs) that made more than one choice or answered a double click with an error;
4. times `listing_figures` (by unit and age band) over the whole population, the run's switches included.

`DOC_SECTION` says the same for docs/performance.md. Nothing here compares a figure with its target: bench/run.py
does that.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from statistics import median
from urllib.parse import parse_qs, urlencode, urlsplit

from bench.baseline_app import WRITE_TABLES_SQL
from bench.cpu import busy_ticks
from bench.load import HOST, BenchError, serve, warm_up

REPO_ROOT = Path(__file__).resolve().parent.parent
RULES = {"interval_months": 0, "effective": "immediate"}  # switching allowed at any time, in effect at once
KINDS = ("sote_centre", "dental_unit")
PILOT_MUNICIPALITIES = ("106", "186", "444", "505", "543", "611", "638", "753", "858")
EXPECTED_SOLO_REFUSALS = {"full"}  # a client alone on its residents can be refused nothing else

# A resident with more than one current listing, or more than one pending choice, of a kind on the day.
DOUBLE_LISTINGS_SQL = """\
SELECT count(*) FROM (
    SELECT person_id, kind
    FROM choice
    WHERE cancelled_at IS NULL AND (ended_on IS NULL OR ended_on > :day)
    GROUP BY person_id, kind
    HAVING count(*) FILTER (WHERE effective_on <= :day) > 1
        OR count(*) FILTER (WHERE effective_on > :day) > 1
) AS doubled"""

# A unit holding more residents than its capacity, counted as `seats_taken` counts them (now or pending).
CAPACITY_EXCEEDED_SQL = """\
SELECT count(*) FROM unit_capacity AS u
WHERE u.capacity IS NOT NULL AND u.capacity < (
    SELECT count(*) FROM choice AS c
    WHERE c.location_id = u.location_id AND c.kind = u.kind AND c.cancelled_at IS NULL
      AND (c.ended_on IS NULL OR c.ended_on > :day)
)"""


@dataclass
class ChoiceSettings:
    residents: int = 500_000
    processes: int = 4  # client processes
    threads: int = 8  # clients per process: processes x threads clients in all
    pairs: int = 4  # of those, pairs of clients acting on the same resident at once (2 clients each)
    seconds: float = 20.0  # each measuring window
    server_workers: int = 4  # gunicorn sync workers, as in the README's production command
    residents_per_group: int = 500  # residents each solo client or pair acts on (each gets a logged-in session)
    warmup_seconds: float = 3.0  # the clients run this long before a window opens
    capacity_units: int = 4  # units of each kind given a capacity for the second window
    capacity_headroom: int = 10  # seats above the residents listed there when the capacity is set
    report_runs: int = 5
    write_rows: int = 10_000  # rows of the write baseline's bench_counter, each client picking one at random
    seed: int = 1

    @property
    def clients(self) -> int:
        return self.processes * self.threads


@dataclass
class ChoiceResult:
    figures: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def _print(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def bench_app(database_url: str, pool_size: int = 5):
    """The portal against the bench database as deployed (pre-ping on, the catalogue version read at most every
    2 s), with a connection pool as large as the number of threads that use it."""
    from portal import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": pool_size, "max_overflow": 0},
            "RESIDENT_OIDC_ISSUER": "",
            "STAFF_OIDC_ISSUER": "",
            "CATALOGUE_VERSION_TTL_SECONDS": 2,
        }
    )


# -- 1. the database ------------------------------------------------------------------------------------------


def prepare_catalogue(folder: Path, day: date) -> None:
    """In an app context: migrate, import the demo feed and its overlay, and store the benchmark's rules."""
    from flask_migrate import upgrade

    from portal.catalogue.importer import import_catalogue
    from portal.catalogue.overlay import load_overlay
    from portal.choice.rules import save_settings
    from portal.demo.overlay import write_demo_overlay
    from portal.demo.ptv_feed import write_demo_feed

    upgrade()
    write_demo_feed(folder / "feed", day)
    write_demo_overlay(folder / "overlay.csv", day)
    import_catalogue(folder / "feed")
    load_overlay(folder / "overlay.csv")
    save_settings(RULES, None)


# Run in order in one transaction. Every resident has a sote centre, 7 in 10 a dental unit too; for each, one
# current listing that started up to four years ago at one of the units approved for the kind; for 1 in 4 an
# earlier, ended listing elsewhere; for 3 in 100 a switch pending from the first of next month (which ends the
# current listing that day, as a confirmation does); for 2 in 100 a cancelled pending switch. Birth dates are
# spread evenly over 0 to 100 years; units and history by a hash of the resident, so a run is reproducible.
SEED_SQL = (
    """CREATE TEMP TABLE bench_unit ON COMMIT DROP AS
    SELECT a.kind, (row_number() OVER (PARTITION BY a.kind ORDER BY l.id) - 1)::int AS n, l.id AS location_id,
           l.organisation_id, coalesce(l.name_fi, '') AS name_fi, coalesce(l.name_sv, '') AS name_sv
    FROM (SELECT location_id, unnest(string_to_array(kinds, ' ')) AS kind FROM catalogue_approval) AS a
    JOIN catalogue_location AS l ON l.id = a.location_id
    WHERE a.kind IN ('sote_centre', 'dental_unit')""",
    """INSERT INTO person (id, public_id, oidc_issuer, oidc_subject, hetu_hash, hetu_masked, birth_date,
                           given_name, family_name, home_municipality_code, created_at)
    SELECT b.base + i, 'bench' || (b.base + i), 'bench', 'bench-' || (b.base + i), md5('bench-' || (b.base + i)),
           '010101-****', CAST(:as_of AS date) - ((i::bigint * 7919) % 36525)::int, 'Penkki', 'Asukas' || i,
           (CAST(:codes AS text[]))[1 + i % cardinality(CAST(:codes AS text[]))], now()
    FROM generate_series(1, :n) AS i, (SELECT coalesce(max(id), 0) AS base FROM person) AS b""",
    """CREATE TEMP TABLE bench_listing ON COMMIT DROP AS
    SELECT id0, person_id, kind, units, (h % units)::int AS unit,
           CAST(:as_of AS date) - (1 + (h / 7) % 1460)::int AS effective_on,
           (h / 11) % 100 < 25 AS earlier, (h / 19) % 100 < 3 AS pending, (h / 29) % 100 < 2 AS cancelled,
           ((h % units) + 1 + (h / 13) % greatest(units - 1, 1)) % units AS other_unit,
           (200 + (h / 17) % 2000)::int AS earlier_days
    FROM (
        SELECT (SELECT coalesce(max(id), 0) FROM choice) + 4 * row_number() OVER (ORDER BY p.id, k.kind) AS id0,
               p.id AS person_id, k.kind, u.units, hashtext(p.id::text || k.kind)::bigint & 2147483647 AS h
        FROM person AS p
        CROSS JOIN (VALUES ('sote_centre'), ('dental_unit')) AS k (kind)
        JOIN (SELECT kind, count(*)::int AS units FROM bench_unit GROUP BY kind) AS u ON u.kind = k.kind
        WHERE p.oidc_issuer = 'bench' AND (k.kind = 'sote_centre' OR p.id % 10 < 7)
    ) AS plan""",
    """INSERT INTO choice (id, reference, request_key, person_id, kind, location_id, organisation_id,
                           unit_name_fi, unit_name_sv, previous_choice_id, chosen_at, effective_on, ended_on,
                           cancelled_at, cancel_reason, took_effect_at, actor_kind, actor_id)
    SELECT s.id, 'B-' || s.id, 'bench-' || s.id, s.person_id, s.kind, u.location_id, u.organisation_id,
           u.name_fi, u.name_sv, s.previous, s.effective_on - 10, s.effective_on, s.ended_on,
           s.cancelled_at, s.cancel_reason,
           CASE WHEN s.effective_on <= CAST(:as_of AS date) THEN s.effective_on::timestamp END,
           'resident', s.person_id
    FROM (
        SELECT id0 AS id, person_id, kind, other_unit AS unit, NULL::int AS previous,
               effective_on - earlier_days AS effective_on, effective_on AS ended_on,
               NULL::timestamp AS cancelled_at, NULL AS cancel_reason
        FROM bench_listing WHERE earlier
        UNION ALL
        SELECT id0 + 1, person_id, kind, unit, CASE WHEN earlier THEN id0 END,
               effective_on, CASE WHEN pending THEN CAST(:next_month AS date) END, NULL, NULL
        FROM bench_listing
        UNION ALL
        SELECT id0 + 2, person_id, kind, other_unit, id0 + 1, CAST(:next_month AS date), NULL, NULL, NULL
        FROM bench_listing WHERE pending
        UNION ALL
        SELECT id0 + 3, person_id, kind, (other_unit + 1) % units, id0 + 1, CAST(:next_month AS date), NULL,
               CAST(:as_of AS date) - 3, 'resident'
        FROM bench_listing WHERE cancelled
    ) AS s
    JOIN bench_unit AS u ON u.kind = s.kind AND u.n = s.unit""",
    """INSERT INTO listing_slot (person_id, kind, version)
    SELECT person_id, kind, 1 + earlier::int + 2 * pending::int + 2 * cancelled::int FROM bench_listing""",
    "SELECT setval(pg_get_serial_sequence('person', 'id'), (SELECT max(id) FROM person))",
    "SELECT setval(pg_get_serial_sequence('choice', 'id'), (SELECT max(id) FROM choice))",
)


def seed_population(residents: int, as_of: date) -> dict[str, int]:
    """`residents` residents with listings (`SEED_SQL`: INSERT ... SELECT over generate_series, PostgreSQL), then
    VACUUM ANALYZE, as autovacuum would have left a database in use: statistics, hint bits, visibility map."""
    from sqlalchemy import text

    from portal.choice.rules import first_of_next_month
    from portal.extensions import db

    params = {"n": residents, "as_of": as_of, "next_month": first_of_next_month(as_of)}
    params["codes"] = list(PILOT_MUNICIPALITIES)
    with db.engine.begin() as connection:
        for statement in SEED_SQL:
            connection.execute(text(statement), {k: v for k, v in params.items() if f":{k}" in statement})
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE person, choice, listing_slot"))
        counts = connection.execute(
            text(
                "SELECT (SELECT count(*) FROM person WHERE oidc_issuer = 'bench'), (SELECT count(*) FROM choice),"
                " (SELECT pg_total_relation_size('choice') / 1000000)"
            )
        ).one()
    return {"residents": counts[0], "choices": counts[1], "choice_mb": counts[2]}


def prepare_write_baseline(rows: int) -> None:
    """The write baseline's tables (`WRITE_TABLES_SQL`), in the same database as the portal's, analysed."""
    from sqlalchemy import text

    from portal.extensions import db

    with db.engine.begin() as connection:
        for statement in WRITE_TABLES_SQL:
            connection.execute(text(statement), {"rows": rows} if ":rows" in statement else {})
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE bench_counter, bench_event"))


def count_baseline_writes() -> tuple[int, int]:
    """What the write baseline left: the sum of its counters (one per write) and its event rows (two per write)."""
    from sqlalchemy import text

    from portal.extensions import db

    row = db.session.execute(
        text("SELECT (SELECT coalesce(sum(value), 0) FROM bench_counter), (SELECT count(*) FROM bench_event)")
    ).one()
    return int(row[0]), int(row[1])


def set_bench_capacities(units: int, headroom: int, as_of: date) -> dict[str, dict[str, int]]:
    """Give the `units` busiest accepting units of each kind a capacity `headroom` above what they hold now."""
    from portal.choice.rules import set_capacities
    from portal.choice.services import seats_taken

    chosen: dict[str, dict[str, int]] = {}
    for kind in KINDS:
        taken = {unit: seats_taken(kind, unit, as_of) for unit in accepting_units(kind)}
        busiest = sorted(taken, key=lambda unit: (-taken[unit], unit))[:units]
        chosen[kind] = {unit: taken[unit] + headroom for unit in busiest}
        set_capacities(kind, chosen[kind], None)
    return chosen


def accepting_units(kind: str) -> list[str]:
    """The units a resident can switch to: approved for the kind and taking new clients."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import CatalogueApproval

    query = select(CatalogueApproval.location_id, CatalogueApproval.kinds).where(
        CatalogueApproval.accepts_new_clients.is_(True)
    )
    return sorted(location for location, kinds in db.session.execute(query) if kind in kinds.split())


# -- 2. the clients -------------------------------------------------------------------------------------------


@dataclass
class Form:
    """The confirm form as the check-your-answers page gives it."""

    person_id: int
    kind: str
    unit: str
    version: int
    request_key: str
    csrf_token: str = ""


class ServiceTransport:
    """The two requests made in this process: `listing()` for the page, `confirm_choice` for the confirmation,
    each in an app context of its own, as a request would have."""

    def __init__(self, app, day: date) -> None:
        self.app = app
        self.day = day

    def page(self, person_id: int, kind: str, unit: str) -> tuple[Form | None, str]:
        from portal.choice.services import listing, new_request_key

        with self.app.app_context():
            version = listing(person_id, kind, self.day).version
        return Form(person_id, kind, unit, version, new_request_key()), ""

    def confirm(self, form: Form) -> tuple[str, str | None]:
        from portal.auth.services import CurrentUser
        from portal.choice.services import ChoiceRefused, confirm_choice

        actor = CurrentUser("resident", form.person_id, "Penkki Asukas", home_municipality_code="186")
        try:
            with self.app.app_context():
                choice = confirm_choice(
                    person_id=form.person_id,
                    kind=form.kind,
                    location_id=form.unit,
                    request_key=form.request_key,
                    expected_version=form.version,
                    actor=actor,
                    today=self.day,
                )
                return "ok", choice.reference
        except ChoiceRefused as refused:
            return f"refused:{refused.problem}", None


FORM_FIELD = re.compile(r'<input type="hidden" name="(csrf_token|unit|version|request_key)" value="([^"]*)">')
RECEIPT = re.compile(r"/choices/receipt/([A-Z0-9-]+)$")
PROBLEM_TEXTS = {  # the English messages of portal/choice/views.py's PROBLEM_MESSAGES
    "changed": "Your listing changed while you were on this page",
    "full": "This unit has no room for new clients",
    "not_accepting": "is not accepting new clients",
    "already_listed": "You are already listed with this unit",
    "already_pending": "You have already chosen this unit",
    "too_early": "you cannot switch yet",
}


class HttpTransport:
    """The real pages over loopback HTTP, with the resident's session cookie: GET the check-your-answers page and
    read its form, POST the form to the confirm view (303 to the receipt: confirmed; 409: refused, the problem
    read from the page)."""

    def __init__(self, port: int, cookie_name: str, tokens: dict[int, str]) -> None:
        self.port = port
        self.cookie_name = cookie_name
        self.tokens = tokens

    def _request(self, person_id: int, method: str, path: str, body: str | None = None):
        headers = {"Cookie": f"{self.cookie_name}={self.tokens[person_id]}"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(HOST, self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheader("Location") or "", response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    def page(self, person_id: int, kind: str, unit: str) -> tuple[Form | None, str]:
        status, _, body = self._request(person_id, "GET", f"/choices/{kind}/check?{urlencode({'unit': unit})}")
        if status != 200:
            raise BenchError(f"GET check page: {status}: {body[:300]}")
        fields = dict(FORM_FIELD.findall(body))
        if len(fields) < 4:
            return None, problem_shown(body)
        return Form(
            person_id, kind, fields["unit"], int(fields["version"]), fields["request_key"], fields["csrf_token"]
        ), ""

    def confirm(self, form: Form) -> tuple[str, str | None]:
        fields = {"csrf_token": form.csrf_token, "unit": form.unit, "version": form.version}
        fields["request_key"] = form.request_key
        status, location, body = self._request(
            form.person_id, "POST", f"/choices/{form.kind}/confirm", urlencode(fields)
        )
        receipt = RECEIPT.search(location)
        if status == 303 and receipt:
            return "ok", receipt.group(1)
        if status == 409:
            return f"refused:{problem_shown(body)}", None
        raise BenchError(f"POST confirm: {status} {location}: {body[:300]}")


def post_write(port: int, counter: int) -> int:
    """One `POST /write` to the write baseline, on a connection of its own: the status."""
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        connection.request("POST", "/write", body=urlencode({"counter": counter}), headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def problem_shown(page: str) -> str:
    return next((problem for problem, text in PROBLEM_TEXTS.items() if text in page), "unknown")


@dataclass
class ClientTally:
    """What clients did in one window: of one process, or merged over all of them by `merge`."""

    switches: int = 0  # distinct choices confirmed within the window
    outcomes: Counter = field(default_factory=Counter)  # every answer, warm-up included: ok, refused:<problem>, ...
    errors: int = 0  # failed requests, and refusals a client alone on its residents cannot get
    first_error: str = ""
    latencies_ms: list[float] = field(default_factory=list)  # the window's successful confirmations by solo clients
    rounds: list[dict] = field(default_factory=list)  # contested moments: mode, request keys, outcomes, references
    cpu: dict[str, float] = field(default_factory=dict)  # CPUs busy over the window: `cpu_between`

    def as_json(self) -> dict:
        return {**self.__dict__, "outcomes": dict(self.outcomes)}

    @classmethod
    def merge(cls, parts: Sequence[dict]) -> ClientTally:
        total = cls()
        for part in parts:
            total.switches += part["switches"]
            total.outcomes.update(part["outcomes"])
            total.errors += part["errors"]
            total.first_error = total.first_error or part["first_error"]
            total.latencies_ms.extend(part["latencies_ms"])
            total.rounds.extend(part["rounds"])
        return total


class Clients:
    """The clients of one process. A solo client acts alone on the residents of its group; a pair is two clients
    on one group's residents, acting on the same resident at the same moment. Each group keeps track of the units
    its residents are listed with, to choose another one."""

    def __init__(self, residents: dict[int, list[int]], taken: dict, units: dict[str, list[str]], seed: int) -> None:
        self.residents = residents  # group number -> resident ids
        self.taken = taken  # (resident id, kind) -> the units listed now or pending
        self.units = units
        self.seed = seed
        self.lock = threading.Lock()
        self.tally = ClientTally()
        self.window = (0.0, 0.0)  # wall-clock start and end of the measuring window
        self.transport: ServiceTransport | HttpTransport | None = None
        self.windows = 0  # windows run so far: each draws its own random sequence

    def run(self, transport, start: float, warmup: float, seconds: float, solo: Sequence[int], pairs: Sequence[int]):
        """Every client from `start` until the window closes; what they did."""
        self.transport = transport
        self.tally = ClientTally()
        self.windows += 1
        self.window = (start + warmup, start + warmup + seconds)
        time.sleep(max(0.0, start - time.time()))
        threads = [threading.Thread(target=self.solo, args=(group,)) for group in solo]
        threads += [threading.Thread(target=self.pair, args=(group,)) for group in pairs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return self.tally.as_json()

    def random(self, group: int | str) -> random.Random:
        return random.Random(f"{self.seed}-{self.windows}-{group}")

    def writes(self, port: int, rows: int, start: float, warmup: float, seconds: float, threads: int) -> dict:
        """The write baseline's window: `threads` clients (as many as this process runs for the switches), each
        posting `POST /write` for a counter picked at random, on a new connection each time as the switch clients
        do; what they did (`switches` counts the writes answered inside the window)."""
        self.tally = ClientTally()
        self.windows += 1
        self.window = (start + warmup, start + warmup + seconds)
        time.sleep(max(0.0, start - time.time()))
        workers = [threading.Thread(target=self.writer, args=(port, rows, number)) for number in range(threads)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        return self.tally.as_json()

    def writer(self, port: int, rows: int, number: int) -> None:
        rng = self.random(f"write-{min(self.residents)}-{number}")  # the lowest group number: one process's own
        while time.time() < self.window[1]:
            started = time.perf_counter()
            try:
                status = post_write(port, rng.randrange(rows))
            except Exception as error:
                self.failed(f"write: {type(error).__name__}: {error}")
                continue
            finished = time.time()
            if status != 303:
                self.failed(f"POST /write: {status}")
                continue
            self.answered("written")
            if self.window[0] <= finished < self.window[1]:
                with self.lock:
                    self.tally.switches += 1
                    self.tally.latencies_ms.append(round((time.perf_counter() - started) * 1000, 2))

    def pick(self, rng: random.Random, group: int) -> tuple[int, str, list[str]]:
        """A resident of the group, a kind, and the units the resident could switch to."""
        person_id, kind = rng.choice(self.residents[group]), rng.choice(KINDS)
        taken = self.taken.get((person_id, kind), set())
        return person_id, kind, [u for u in self.units[kind] if u not in taken]

    def confirm(self, form: Form) -> tuple[str, str | None, float]:
        started = time.perf_counter()
        try:
            outcome, reference = self.transport.confirm(form)
        except Exception as error:
            self.failed(f"confirm: {type(error).__name__}: {error}", count=False)
            outcome, reference = "error", None
        return outcome, reference, time.perf_counter() - started

    def failed(self, message: str, *, count: bool = True) -> None:
        with self.lock:
            if count:
                self.tally.outcomes["error"] += 1
                self.tally.errors += 1
            self.tally.first_error = self.tally.first_error or message[:500]

    def answered(self, outcome: str) -> None:
        with self.lock:
            self.tally.outcomes[outcome] += 1
            self.tally.errors += outcome == "error"

    def refused_alone(self, outcome: str) -> None:
        """A page or a confirmation nobody else interfered with can say a unit is full; anything else is wrong."""
        if outcome.split(":", 1)[-1] not in EXPECTED_SOLO_REFUSALS:
            self.failed(f"a solo client was told: {outcome}")

    # the two kinds of client

    def solo(self, group: int) -> None:
        rng = self.random(group)
        while time.time() < self.window[1]:
            person_id, kind, units = self.pick(rng, group)
            unit = rng.choice(units)
            try:
                form, problem = self.transport.page(person_id, kind, unit)
            except Exception as error:
                self.failed(f"page: {type(error).__name__}: {error}")
                continue
            if form is None:  # the page already says no (a full unit): the resident picks another
                self.answered(f"page:{problem}")
                self.refused_alone(problem)
                continue
            outcome, _, seconds = self.confirm(form)
            finished = time.time()
            self.answered(outcome)
            if outcome.startswith("refused:"):
                self.refused_alone(outcome)
            if outcome == "ok":
                self.taken[(person_id, kind)] = {unit}
                if self.window[0] <= finished < self.window[1]:
                    with self.lock:
                        self.tally.switches += 1
                        self.tally.latencies_ms.append(round(seconds * 1000, 2))

    def pair(self, group: int) -> None:
        """Two threads on one resident at a time, in turns: the same form sent twice at once (a double click), and
        two forms from two pages opened before either is sent (two tabs)."""
        rng = self.random(group)
        barrier = threading.Barrier(2, timeout=300)
        shared: dict = {}
        forms: list = [None, None]
        problems: list = ["", ""]
        answers: list = [None, None]

        def member(role: int) -> None:
            number = 0
            try:
                while True:
                    if role == 0:  # the leader decides what the pair does next, or that it stops
                        shared.clear()
                        if time.time() < self.window[1]:
                            person_id, kind, units = self.pick(rng, group)
                            first = rng.choice(units)
                            mode = "double_click" if number % 2 == 0 else "two_tabs"
                            second = first if mode == "double_click" else rng.choice([u for u in units if u != first])
                            shared.update(person_id=person_id, kind=kind, mode=mode, units=(first, second))
                    barrier.wait()
                    if not shared:
                        return
                    forms[role], problems[role] = None, ""
                    if role == 0 or shared["mode"] == "two_tabs":  # each tab opens its page before either clicks
                        page = self.transport.page(shared["person_id"], shared["kind"], shared["units"][role])
                        forms[role], problems[role] = page
                    barrier.wait()
                    if shared["mode"] == "double_click":
                        forms[1] = forms[0]
                    if all(forms):  # both click now
                        answers[role] = self.confirm(forms[role])
                    barrier.wait()
                    if role == 0:
                        self.finish_round(shared, forms, problems, answers)
                    barrier.wait()
                    number += 1
            except threading.BrokenBarrierError:
                return
            except Exception as error:
                self.failed(f"pair: {type(error).__name__}: {error}")
                barrier.abort()

        helper = threading.Thread(target=member, args=(1,), daemon=True)
        helper.start()
        member(0)
        helper.join()

    def finish_round(self, shared: dict, forms: list, problems: list, answers: list) -> None:
        """Count the round once per distinct choice it made, and keep it for the checks after the run."""
        finished = time.time()
        if not all(forms):  # a page said no (a full unit): nothing was sent
            for problem in filter(None, problems):
                self.answered(f"page:{problem}")
                self.refused_alone(problem)
            return
        for outcome, _, _ in answers:
            self.answered(outcome)
        made = {reference for _, reference, _ in answers if reference is not None}
        winner = [shared["units"][role] for role in (0, 1) if answers[role][0] == "ok"]
        if winner:
            self.taken[(shared["person_id"], shared["kind"])] = {winner[0]}
        with self.lock:
            if self.window[0] <= finished < self.window[1]:
                self.tally.switches += len(made)
            self.tally.rounds.append(
                {
                    "mode": shared["mode"],
                    "keys": sorted({form.request_key for form in forms}),
                    "outcomes": [outcome for outcome, _, _ in answers],
                    "ids": [reference for _, reference, _ in answers],
                }
            )


def client_process(args: argparse.Namespace) -> int:
    """One client process. Sets up its residents (and a logged-in session for each) and prints `ready`; then for
    each `START_TIME MODE` line read from stdin (MODE: `service`, or `http:PORT`) runs its clients through one
    window and prints what they did as a JSON line; stops at `exit` or at the end of its input. MODE
    `write:PORT:ROWS` runs the write baseline's window instead (`Clients.writes`)."""
    from portal.compare.index import current_index
    from portal.extensions import db

    day = date.fromisoformat(args.day)
    solo_count = args.threads - 2 * args.pairs
    groups = list(range(args.group_offset, args.group_offset + solo_count + args.pairs))
    app = bench_app(args.database_url, pool_size=args.threads)
    with app.app_context():
        residents, taken = group_residents(groups, args.groups_total, args.residents_per_group, args.seed, day)
        tokens = log_in([person_id for people in residents.values() for person_id in people])
        units = {kind: accepting_units(kind) for kind in KINDS}
        current_index()  # a full unit's refusal lists alternatives from the search index: built once per process
        cookie_name = app.config["SESSION_COOKIE_NAME"]
        db.session.remove()
    clients = Clients(residents, taken, units, args.seed)
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "exit":
            break
        start, mode = line.split()
        if mode.startswith("write:"):
            _, port, rows = mode.split(":")
            tally = clients.writes(int(port), int(rows), float(start), args.warmup_seconds, args.seconds, args.threads)
            print(json.dumps(tally), flush=True)
            continue
        if mode == "service":
            transport = ServiceTransport(app, day)
        else:
            transport = HttpTransport(int(mode.removeprefix("http:")), cookie_name, tokens)
        tally = clients.run(
            transport, float(start), args.warmup_seconds, args.seconds, groups[:solo_count], groups[solo_count:]
        )
        print(json.dumps(tally), flush=True)
    with app.app_context():
        db.engine.dispose()
    return 0


def group_residents(groups: list[int], total: int, per_group: int, seed: int, day: date) -> tuple[dict, dict]:
    """Up to `per_group` residents listed with both kinds for each group (those whose id modulo `total` is the
    group's number), and the units each is listed with now or pending, by (resident, kind)."""
    from sqlalchemy import text

    from portal.extensions import db

    rows = db.session.execute(
        text(
            "SELECT person_id, person_id % :total FROM listing_slot"
            " WHERE kind = 'dental_unit' AND person_id % :total BETWEEN :first AND :last ORDER BY person_id"
        ),
        {"total": total, "first": groups[0], "last": groups[-1]},
    )
    everyone: dict[int, list[int]] = {group: [] for group in groups}
    for person_id, group in rows:
        everyone[group].append(person_id)
    if any(not people for people in everyone.values()):
        raise BenchError(f"a client group has no resident listed with both kinds (groups {groups} of {total})")
    rng = random.Random(seed)
    residents = {group: rng.sample(people, min(per_group, len(people))) for group, people in everyone.items()}
    taken: dict[tuple[int, str], set[str]] = {}
    chosen = [person_id for people in residents.values() for person_id in people]
    for start in range(0, len(chosen), 5000):
        for person_id, kind, location_id in db.session.execute(
            text(
                "SELECT person_id, kind, location_id FROM choice WHERE person_id = ANY(:ids)"
                " AND cancelled_at IS NULL AND (ended_on IS NULL OR ended_on > :day)"
            ),
            {"ids": chosen[start : start + 5000], "day": day},
        ):
            taken.setdefault((person_id, kind), set()).add(location_id)
    return residents, taken


def log_in(person_ids: Sequence[int]) -> dict[int, str]:
    """A logged-in session for each resident, as the login callback leaves it (in English, with its CSRF secret
    already made, as after the first page); the cookie token of each. The identification itself is not measured."""
    from sqlalchemy import insert

    from portal.extensions import db
    from portal.models import WebSession
    from portal.models._types import utcnow

    now = utcnow()
    tokens = {person_id: secrets.token_urlsafe(32) for person_id in person_ids}
    rows = []
    for person_id, token in tokens.items():
        data = {"user_key": f"resident:{person_id}", "roles": [], "provider": "resident", "lang": "en"}
        data["csrf_token"] = secrets.token_hex(20)
        rows.append(
            {
                "id": hashlib.sha256(token.encode()).hexdigest(),
                "data": json.dumps(data),
                "user_key": f"resident:{person_id}",
                "created_at": now,
                "last_seen_at": now,
            }
        )
    if rows:
        db.session.execute(insert(WebSession), rows)
    db.session.commit()
    return tokens


def http_app():
    """`gunicorn 'bench.choices:http_app()'`: the portal on BENCH_DATABASE_URL, as `bench_app` builds it."""
    from bench.wsgi import database_url, with_worker_header

    return with_worker_header(bench_app(database_url()))


def write_baseline_app():
    """`gunicorn 'bench.choices:write_baseline_app()'`: the bare Flask baseline (`POST /write`) on
    BENCH_DATABASE_URL, served under this module's name so the CPU shares count it as the server."""
    from bench.baseline_app import create_baseline_app
    from bench.wsgi import database_url, with_worker_header

    return with_worker_header(create_baseline_app(database_url()))


class ClientProcesses:
    """The running client processes: `window(mode)` runs all of them through one measuring window."""

    def __init__(
        self, processes: list[subprocess.Popen], settings: ChoiceSettings, log_dir: Path, database_url: str
    ) -> None:
        self.processes = processes
        self.settings = settings
        self.log_dir = log_dir
        self.database_url = database_url

    def window(self, mode: str) -> ClientTally:
        settings = self.settings
        start = time.time() + 0.5
        for process in self.processes:
            process.stdin.write(f"{start} {mode}\n")
            process.stdin.flush()
        window_start = start + settings.warmup_seconds
        cpu = cpu_between(window_start, window_start + settings.seconds, self.database_url)
        parts = [json.loads(self._line(process)) for process in self.processes]
        tally = ClientTally.merge(parts)
        tally.cpu = cpu
        return tally

    def _line(self, process: subprocess.Popen) -> str:
        line = process.stdout.readline()
        if not line.strip():
            raise BenchError(f"a client process stopped ({process.poll()}); see {self.log_dir}/choice-client-*.log")
        return line


@contextmanager
def client_processes(
    database_url: str, settings: ChoiceSettings, day: date, log_dir: Path
) -> Iterator[ClientProcesses]:
    """Start `settings.processes` client processes and wait until every one is set up; stop them afterwards.

    The solo clients and the pairs are spread over the processes; each group (a solo client, or a pair) acts on
    residents listed with both kinds whose id modulo the number of groups is its number."""
    pairs = [
        settings.pairs // settings.processes + (p < settings.pairs % settings.processes)
        for p in range(settings.processes)
    ]
    if settings.threads < 1 or any(2 * n > settings.threads for n in pairs):
        raise BenchError(
            f"{settings.processes} processes of {settings.threads} threads cannot hold {settings.pairs} pairs"
        )
    groups_total = settings.clients - settings.pairs
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    started: list[tuple[subprocess.Popen, object]] = []
    offset = 0
    try:
        for number, process_pairs in enumerate(pairs):
            command = [
                sys.executable, "-m", "bench.choices", "client", database_url, "--day", day.isoformat(),
                "--threads", str(settings.threads), "--pairs", str(process_pairs),
                "--group-offset", str(offset), "--groups-total", str(groups_total),
                "--residents-per-group", str(settings.residents_per_group),
                "--seconds", str(settings.seconds), "--warmup-seconds", str(settings.warmup_seconds),
                "--seed", str(settings.seed),
            ]  # fmt: skip
            offset += settings.threads - process_pairs
            log = open(log_dir / f"choice-client-{number}.log", "wb")  # noqa: SIM115 (closed below)
            process = subprocess.Popen(
                command, cwd=REPO_ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True
            )
            started.append((process, log))
        running = ClientProcesses([process for process, _ in started], settings, log_dir, database_url)
        for process, _ in started:
            if running._line(process).strip() != "ready":
                raise BenchError(f"a client process did not start; see {log_dir}/choice-client-*.log")
        yield running
        for process, _ in started:
            process.stdin.write("exit\n")
            process.stdin.flush()
        for process, _ in started:
            process.wait(timeout=60)
            if process.returncode != 0:
                raise BenchError(f"a client process exited with {process.returncode}; see {log_dir}")
    finally:
        for process, log in started:
            if process.poll() is None:
                process.kill()
                process.wait()
            log.close()


def cpu_between(start: float, end: float, database_url: str) -> dict[str, float]:
    """How many CPUs were busy on average between two wall-clock times (/proc; zeros where there is none): the
    whole machine, and of it the client processes, the gunicorn server, the PostgreSQL server of `database_url`
    (when it listens on a Unix socket directory, as pgserver's does) and everything else."""
    socket_dir = parse_qs(urlsplit(database_url).query).get("host", [""])[0]
    time.sleep(max(0.0, start - time.time()))
    first, first_processes, started = busy_ticks(), _process_ticks(), time.time()
    time.sleep(max(0.0, end - time.time()))
    busy, processes, seconds = busy_ticks() - first, _process_ticks(), time.time() - started
    if seconds <= 0:
        return {}
    postmasters = {pid for pid, (_, command, _) in processes.items() if socket_dir and socket_dir in command}
    shares = dict.fromkeys(("clients", "server", "database"), 0)
    for pid, (ppid, command, ticks) in processes.items():
        if "bench.choices client" in command:
            role = "clients"
        elif "bench.choices:" in command:  # the portal's gunicorn, or the write baseline's
            role = "server"
        elif pid in postmasters or ppid in postmasters:
            role = "database"
        else:
            continue
        shares[role] += ticks - first_processes.get(pid, (0, "", 0))[2]
    hertz = os.sysconf("SC_CLK_TCK") * seconds
    result = {"busy": busy / hertz, **{role: ticks / hertz for role, ticks in shares.items()}}
    result["other"] = max(0.0, result["busy"] - sum(result[role] for role in shares))
    return result


def _process_ticks() -> dict[int, tuple[int, str, int]]:
    """pid -> (parent pid, command line, user + system ticks so far) of every process that can be read."""
    found = {}
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="utf-8", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        found[int(entry.name)] = (int(fields[1]), command, int(fields[11]) + int(fields[12]))
    return found


# -- 3. the checks and the report -----------------------------------------------------------------------------


def count_double_listings(day: date) -> int:
    from sqlalchemy import text

    from portal.extensions import db

    return db.session.scalar(text(DOUBLE_LISTINGS_SQL), {"day": day})


def count_capacity_exceeded(day: date) -> int:
    from sqlalchemy import text

    from portal.extensions import db

    return db.session.scalar(text(CAPACITY_EXCEEDED_SQL), {"day": day})


def contested_anomalies(rounds: Sequence[dict]) -> int:
    """The contested moments that went wrong (`round_anomalous`), with the choices stored for their request keys."""
    from sqlalchemy import bindparam, text

    from portal.extensions import db

    keys = [key for r in rounds for key in r["keys"]]
    query = text("SELECT request_key FROM choice WHERE request_key IN :keys").bindparams(
        bindparam("keys", expanding=True)
    )
    stored: Counter = Counter()
    for start in range(0, len(keys), 1000):
        stored.update(db.session.scalars(query, {"keys": keys[start : start + 1000]}))
    return sum(round_anomalous(r, sum(stored[key] for key in r["keys"])) for r in rounds)


def round_anomalous(r: dict, stored: int) -> bool:
    """A contested moment went wrong when it stored more than one choice, or one that no answer told of; when a
    double click was answered with "changed" (the resident's own second click shown as an error); or when two
    tabs were both refused as "changed" (nobody else acted, so one of them had to win)."""
    made = {i for i in r["ids"] if i is not None}
    if stored > 1 or len(made) > 1 or stored != len(made):
        return True
    return "refused:changed" in r["outcomes"] and (r["mode"] == "double_click" or not made)


def time_report(runs: int, as_of: date, kind: str = "sote_centre") -> tuple[list[float], list[int], tuple]:
    """`listing_figures` with the organiser's age bands, `runs` times in a row (the first on whatever the clients
    left in the caches): the seconds of each, the totals by band, the bands."""
    from portal.choice.report import listing_figures
    from portal.choice.rules import load_rules
    from portal.extensions import db

    bands = load_rules().age_bands
    seconds, totals = [], []
    for _ in range(runs):
        started = time.perf_counter()
        totals = listing_figures(as_of, kind, bands).totals
        seconds.append(time.perf_counter() - started)
        db.session.rollback()
    return seconds, totals, bands


def percentile(samples: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); 0 for no samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# -- the measurement ------------------------------------------------------------------------------------------


def measure_choices(
    database_url: str, settings: ChoiceSettings, log: Callable[[str], None] = _print, work_dir: Path | None = None
) -> ChoiceResult:
    """Everything above, in the fresh PostgreSQL database `database_url`: the figures, and notes for the document.
    Raises BenchError when a request failed or the report does not count every resident."""
    from sqlalchemy import text

    from portal.compare.units import today_in_helsinki
    from portal.extensions import db

    day = today_in_helsinki()  # the confirm view's day: the population and every count are as of it
    work = Path(work_dir or tempfile.mkdtemp(prefix="valinta-bench-choices-"))
    work.mkdir(parents=True, exist_ok=True)
    app = bench_app(database_url)
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            raise BenchError("the listing benchmark runs on PostgreSQL")
        prepare_catalogue(work, day)
        log(f"listings: writing {settings.residents} residents with listings")
        started = time.perf_counter()
        seeded = seed_population(settings.residents, day)
        log(f"listings: {seeded['choices']} choices written in {time.perf_counter() - started:.1f} s")
        prepare_write_baseline(settings.write_rows)
        units = {kind: len(accepting_units(kind)) for kind in KINDS}
        db.session.remove()

    log(
        f"listings: {settings.clients} clients ({settings.processes} processes x {settings.threads} threads, "
        f"{settings.pairs} pairs), {settings.server_workers} gunicorn workers; four windows of "
        f"{settings.seconds:g} s after {settings.warmup_seconds:g} s each"
    )
    workers = settings.server_workers
    with (
        serve("choices", "bench.choices:http_app()", database_url, work, workers=workers) as server,
        serve("write-baseline", "bench.choices:write_baseline_app()", database_url, work, workers=workers) as writer,
        client_processes(database_url, settings, day, work) as clients,
    ):
        warm_up(server, "/healthz", workers, seconds=0, threads=workers)
        warm_up(writer, "/list?municipality=186", workers, seconds=0, threads=workers)
        unlimited = clients.window(f"http:{server.port}")
        log(f"listings: {unlimited.switches / settings.seconds:.1f} switches/s over HTTP, no capacity set")
        with app.app_context():
            capacities = set_bench_capacities(settings.capacity_units, settings.capacity_headroom, day)
            db.session.remove()
        limited = clients.window(f"http:{server.port}")
        log(f"listings: {limited.switches / settings.seconds:.1f} switches/s over HTTP, capacities set")
        written = clients.window(f"write:{writer.port}:{settings.write_rows}")
        log(f"listings: {written.switches / settings.seconds:.1f} writes/s on the bare write baseline")
        service = clients.window("service")
        log(f"listings: {service.switches / settings.seconds:.1f} switches/s calling the service, capacities set")
    windows = {"over HTTP without capacities": unlimited, "over HTTP": limited, "calling the service": service}

    with app.app_context():
        exceeded = count_capacity_exceeded(day)
        double_listings = count_double_listings(day)
        anomalies = contested_anomalies([r for tally in windows.values() for r in tally.rounds])
        log("listings: timing the listing figures")
        report_seconds, totals, bands = time_report(settings.report_runs, day)
        counted_writes, events = count_baseline_writes()
        choices_after = db.session.scalar(text("SELECT count(*) FROM choice"))
        outbox = db.session.scalar(text("SELECT count(*) FROM outbox_message"))
        db.session.remove()
        db.engine.dispose()

    result = ChoiceResult()
    errors = sum(tally.errors for tally in windows.values())
    switches_per_second = limited.switches / settings.seconds
    writes_per_second = written.switches / settings.seconds
    result.figures = {
        "choice_residents": seeded["residents"],
        "choice_clients": settings.clients,
        "choice_server_workers": workers,
        "choice_seconds": settings.seconds,
        "choice_switches": limited.switches,
        "choice_switches_per_second": round(switches_per_second, 1),
        "choice_confirm_p50_ms": round(percentile(limited.latencies_ms, 50), 1),
        "choice_confirm_p95_ms": round(percentile(limited.latencies_ms, 95), 1),
        "choice_cpu_busy": round(limited.cpu.get("busy", 0.0), 2),
        "choice_switches_per_second_without_capacity": round(unlimited.switches / settings.seconds, 1),
        "choice_service_switches_per_second": round(service.switches / settings.seconds, 1),
        "baseline_writes_per_second": round(writes_per_second, 1),
        "choice_to_write_baseline": round(switches_per_second / writes_per_second, 3) if writes_per_second else 0.0,
        "choice_contested_rounds": sum(len(tally.rounds) for tally in windows.values()),
        "choice_contested_anomalies": anomalies,
        "choice_errors": errors,
        "choice_double_listings": double_listings,
        "choice_capacity_exceeded": exceeded,
        "choice_listing_report_seconds": round(median(report_seconds), 3),
        "choice_listing_report_max_seconds": round(max(report_seconds), 3),
    }
    confirmed = sum(tally.outcomes["ok"] for tally in windows.values())
    modes = Counter(r["mode"] for tally in windows.values() for r in tally.rounds)
    result.notes = {
        "choice_setup": (
            f"{settings.clients} clients in {settings.processes} processes of {settings.threads} threads, "
            f"{settings.pairs} pairs among them, each solo client or pair on {settings.residents_per_group} residents; "
            f"gunicorn with {workers} sync workers; rules `{json.dumps(RULES)}`, so every confirmation is a switch "
            f"in effect on {day}, the day of the run"
        ),
        "choice_units": ", ".join(f"{n} {kind} units take new clients" for kind, n in units.items()),
        "choice_population": (
            f"{seeded['residents']} residents and {seeded['choices']} choices ({seeded['choice_mb']} MB with "
            f"indexes) before the run; {choices_after} choices and {outbox} outbox messages after it "
            f"({outbox / confirmed if confirmed else 0:.1f} messages per confirmed choice)"
        ),
        "choice_capacity": (
            "capacities from the second window on: "
            + ", ".join(f"{len(chosen)} {kind} units" for kind, chosen in capacities.items())
            + f", {settings.capacity_headroom} places above the residents listed there when set"
        ),
        "choice_windows": "; ".join(
            f"{name}: {tally.switches / settings.seconds:.1f} switches/s, CPUs busy {_cpu(tally)}, "
            f"confirmation p50 {percentile(tally.latencies_ms, 50):.1f} ms, answers {_answers(tally)}"
            for name, tally in windows.items()
        ),
        "choice_write_baseline": (
            f"{writes_per_second:.1f} writes/s, CPUs busy {_cpu(written)}, write p50 "
            f"{percentile(written.latencies_ms, 50):.1f} ms, p95 {percentile(written.latencies_ms, 95):.1f} ms, "
            f"{settings.write_rows} counters; {counted_writes} writes and {events} event rows in the database after "
            "the run"
        ),
        "choice_contested": f"{modes['double_click']} double clicks and {modes['two_tabs']} two-tab moments",
        "choice_report": (
            f"`listing_figures({day}, 'sote_centre', {bands})` over {choices_after} choices, {settings.report_runs} "
            "runs: " + ", ".join(f"{s:.3f}" for s in report_seconds) + f" s; {sum(totals)} residents listed"
        ),
    }
    if errors:
        first = next(tally.first_error for tally in windows.values() if tally.first_error)
        raise BenchError(f"{errors} requests failed or were refused for no reason; first: {first}")
    if written.errors:
        raise BenchError(f"{written.errors} writes to the write baseline failed; first: {written.first_error}")
    if counted_writes != written.outcomes["written"] or events != 2 * counted_writes:
        raise BenchError(
            f"the write baseline answered {written.outcomes['written']} writes, but its tables hold {counted_writes}"
            f" counted and {events} events"
        )
    if sum(totals) != seeded["residents"]:
        raise BenchError(f"the listing figures count {sum(totals)} residents, not {seeded['residents']}")
    return result


def _cpu(tally: ClientTally) -> str:
    cpu = tally.cpu
    if not cpu:
        return "not known"
    return f"{cpu['busy']:.2f} (" + ", ".join(f"{role} {cpu[role]:.2f}" for role in ROLES) + ")"


ROLES = ("clients", "server", "database", "other")


def _answers(tally: ClientTally) -> str:
    return ", ".join(f"{key} {n}" for key, n in sorted(tally.outcomes.items()))


DOC_SECTION = """\
4. **Listings** (`bench/choices.py`; PostgreSQL only, from pgserver or `--postgresql-url`). A fresh database
   gets the demo catalogue with its overlay (the approved sote centres and dental units), the organiser's rules
   set to `{rules}` (switching at any time, in effect the same day, so every confirmation is a switch that ends
   the current listing and writes the take-effect messages too), and {residents} residents written in SQL:
   ages evenly 0 to 100, all listed with a sote centre and 7 in 10 with a dental unit too, with history
   (earlier ended listings, pending and cancelled switches). Then `VACUUM ANALYZE`, as a database in use
   would have been.

   The portal is served by gunicorn with {workers} sync workers (the README's production command) on
   loopback. A **client** is one resident's browser, logged in (its session is written into the database,
   as the login callback leaves it: identification is not measured): in a loop, it opens the
   check-your-answers page for another unit (`GET /choices/<kind>/check?unit=...`, which plans the choice and
   renders the form with the listing's version and a request key) and sends the form
   (`POST /choices/<kind>/confirm`: the view calls `confirm_choice`, which locks the resident's `listing_slot`
   row, checks the rules, locks the unit's capacity row when it has one, inserts the choice, writes the outbox
   messages and the audit event, and commits; a 303 to the receipt is a confirmed switch, a 409 a refusal,
   whose reason is read from the page). It does not follow the redirect. {clients} clients run as
   {processes} processes of {threads} threads, on the same two CPUs as gunicorn and PostgreSQL. Solo clients
   each act on {per_group} residents of their own listed with both kinds (the kind at random, the new unit at
   random among those taking new clients). {pairs} pairs of clients act on the same resident at the same
   moment, in turns as a double click (one page, its form sent twice at once) and as two tabs (two pages opened,
   then both forms sent at once).

   Three windows of {seconds:g} s, each after {warmup:g} s of warm-up: over HTTP with no unit capacities
   (`choice_switches_per_second_without_capacity`); over HTTP after the {capacity_units} busiest units of each
   kind were given a capacity {headroom} places above the residents listed there, so that they fill up and
   confirmations into them take the capacity lock and count the unit's residents (`choice_switches_per_second`,
   the figure of record); and the same clients calling `listing()` and `confirm_choice` in their own processes
   instead of over HTTP, each call in an app context of its own (`choice_service_switches_per_second`: the
   domain service without the web layer). A switch is counted when its confirmation was answered with a choice
   inside the window; a contested moment counts once per choice it made. The latency figures are those of the
   solo clients' confirmations in the window of record. After the run, in the database:

   ```sql
{double_listings_sql}
   ```

   is `choice_double_listings` (`:day` the day of the run), and `choice_capacity_exceeded` is the number of
   units holding more residents than their capacity, counted as `seats_taken` counts them. A contested moment is
   an anomaly when it stored more than one choice (or one no answer told of), when a double click was answered
   with "your listing changed", or when both tabs were. A request that fails, or a refusal a solo client cannot
   get (anything but "full"), fails the run.

   Finally `listing_figures` (residents by unit and age band on the day, sote centres, the organiser's default
   age bands) is timed {report_runs} times in a row over the whole population, the run's switches included:
   the median and the slowest are reported.

   The **write baseline** is measured in the same run, on the same PostgreSQL database, between the window of
   record and the service's: the bare Flask app of `bench/baseline_app.py`, served by gunicorn with the same
   {workers} sync workers, answers `POST /write` by locking one row of a table of its own (`SELECT ... FOR
   UPDATE` on `bench_counter`, {write_rows} rows, the row picked at random by the client), updating it and
   inserting two rows into `bench_event`, in one transaction with SQLAlchemy Core, and answering 303 as the
   confirmation does. The same {processes} processes of {threads} client threads post to it, a new connection
   for each request as for the switches, over a window of the same length after the same warm-up:
   `baseline_writes_per_second`. `choice_to_write_baseline` is `choice_switches_per_second` divided by it: what
   a confirmed switch (two requests, the session and the rules, the listing, the capacity lock and count, six
   outbox messages, the sealed access log, the ORM) costs against the least a locked write over HTTP can. After
   the run the counters' sum and the event rows must equal the writes answered (and twice them).
"""


def doc_section(settings: ChoiceSettings) -> str:
    """`DOC_SECTION` with the settings filled in, its paragraphs wrapped again to the document's width."""
    indented = "\n".join(f"   {line}" for line in DOUBLE_LISTINGS_SQL.splitlines())
    text = DOC_SECTION.format(
        rules=json.dumps(RULES),
        residents=f"{settings.residents:,}".replace(",", " "),
        workers=settings.server_workers,
        clients=settings.clients,
        processes=settings.processes,
        threads=settings.threads,
        per_group=settings.residents_per_group,
        pairs=settings.pairs,
        seconds=settings.seconds,
        warmup=settings.warmup_seconds,
        capacity_units=settings.capacity_units,
        headroom=settings.capacity_headroom,
        report_runs=settings.report_runs,
        write_rows=f"{settings.write_rows:,}".replace(",", " "),
        double_listings_sql="{sql}",
    )
    paragraphs = []
    for paragraph in text.strip("\n").split("\n\n"):
        if "{sql}" in paragraph:
            paragraphs.append(paragraph.replace("{sql}", indented))
            continue
        first = paragraph[: len(paragraph) - len(paragraph.lstrip())]
        words = " ".join(line.strip() for line in paragraph.splitlines())
        paragraphs.append(
            textwrap.fill(
                words,
                width=115,
                initial_indent=first,
                subsequent_indent="   ",
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n\n".join(paragraphs) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.choices", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    client = commands.add_parser("client", help="one client process (started by client_processes)")
    client.add_argument("database_url")
    client.add_argument("--day", required=True, help="the day the population and the service calls are as of")
    client.add_argument("--threads", type=int, required=True)
    client.add_argument("--pairs", type=int, default=0)
    client.add_argument("--group-offset", type=int, required=True)
    client.add_argument("--groups-total", type=int, required=True)
    client.add_argument("--residents-per-group", type=int, default=500)
    client.add_argument("--seconds", type=float, required=True)
    client.add_argument("--warmup-seconds", type=float, default=0.0)
    client.add_argument("--seed", type=int, default=1)
    return client_process(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
