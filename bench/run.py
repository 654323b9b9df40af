"""`make bench` / `python -m bench.run`: import, search and serve a national-scale catalogue, and write the figures.

One run measures, in order:

1. the catalogue import of the synthetic national feed (`bench.national_feed`, cached under bench/.cache/) into
   a fresh SQLite database, in a child process that reports its wall time and peak RSS; a re-import of the same
   feed; and, when pgserver is installed, the same import into a fresh PostgreSQL database;
2. the search: the index build, then p50/p95 of the server-side work of a search (`run_search` in a request
   context: query parsing, place lookup and index search) over a seeded list of realistic queries;
3. the compare page's throughput over loopback HTTP with gunicorn, against a bare Flask baseline app that
   reads and renders 20 rows from the same database; and the pages a logged-in resident sees most (the front
   page, a search, a unit page, the listings overview), logged in, against the same baseline;
4. listings on PostgreSQL (`bench.choices`): confirmed switches per second from concurrent clients, what must
   never happen counted after the run, and the listing figures over the whole population;
5. the access log on PostgreSQL (`bench.audit`): `audit verify` over 1 000 000 sealed rows (20 per catalogue
   location), appends on top of them, and an edited row named;
6. the wallet import (`bench.wallet`): a county's voucher and budget export (20 000 voucher holders, 2 000 budgets,
   300 000 transactions at national scale: 0.4 holders per catalogue location) imported into a fresh SQLite
   database in a child process reporting its wall time and peak RSS, then again unchanged; and the first import
   into PostgreSQL when there is one; and the wallet's pages (`bench.wallet_page`): server time of the budget page
   of a budget with 2 000 transactions, its transactions page and a voucher page, against a plain page of the
   same app, in a child process on SQLite;
7. the review console (`bench.flags`): 100 000 flags over 2 000 providers, the organiser's filtered queue page and
   duplicate suggestions for new flags, in a child process on SQLite, and again on PostgreSQL when there is one;
8. the chat assistant (`bench.chat`): its accuracy per language on the evaluation questions, the share answered
   confidently and wrongly, and the time of one answer over the whole knowledge base; and the chat's delivery
   between processes (`bench.chat_delivery`, PostgreSQL only): 200 open chats, residents on one gunicorn process
   and help-line workers on another, each side polling every 2 s, the time from a message sent to it shown;
9. the load test (`bench.mix`, PostgreSQL only): the production shape (`portal.ops.stack`) under locust's 100
   simulated browsers for 5 minutes over 5 000 residents, against the bare baseline app in the same run; then a
   gunicorn worker killed and PostgreSQL restarted under the same load, and what was lost or half-applied counted;

then writes bench/results.json (a flat object of numbers) and docs/performance.md. `--only choices` (or
BENCH_ONLY=choices) runs step 4 alone and merges its figures into the existing results.json; `--only audit` the same
for step 5, `--only wallet` for step 6, `--only flags` for step 7, `--only chat` for step 8, `--only mix` for step 9,
and `--only throughput` for step 3 (after an unmeasured import of the feed and the search step, which picks the
municipality the pages list).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from statistics import fmean
from urllib.parse import urlencode, urlsplit, urlunsplit

from bench.audit import AuditSettings, measure_audit
from bench.audit import doc_section as audit_doc_section
from bench.chat import doc_section as chat_doc_section
from bench.chat_delivery import DeliverySettings, measure_delivery
from bench.chat_delivery import doc_section as delivery_doc_section
from bench.choices import ChoiceSettings, doc_section, measure_choices
from bench.flags import FlagBenchSettings
from bench.flags import doc_section as flags_doc_section
from bench.load import BenchError, LoadResult, Target, alternate, fetch, serve, warm_up
from bench.mix import MixSettings, measure_mix
from bench.mix import doc_section as mix_doc_section
from bench.national_feed import DEFAULT_SEED, DEFAULT_TODAY, write_national_feed
from bench.wallet import WalletSettings, measure_wallet
from bench.wallet import doc_section as wallet_doc_section

REPO_ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = REPO_ROOT / "bench" / ".cache"
RESULTS_PATH = REPO_ROOT / "bench" / "results.json"
DOC_PATH = REPO_ROOT / "docs" / "performance.md"
GENERATOR_SOURCES = (REPO_ROOT / "bench" / "national_feed.py", REPO_ROOT / "portal" / "demo" / "ptv_feed.py")
PAGE_ROWS = 20
RESULT_MARKER = 'class="result"'
LOGGED_IN_MARKER = 'action="/logout"'  # the logout button: the page was served to a logged-in person
LOGGED_IN_PAGES = {  # bench.logged_in.logged_in_pages, by the names of their figures
    "home": "the front page (/, the resident's dashboard)",
    "search": "the compare page (/units, 20 results)",
    "unit": "a unit page (/units/ID, the resident's own sote centre)",
    "listings": "the listings overview (/choices/)",
}

# key -> (what it is, unit, target as (comparison, value) or None); the order is results.json's and the table's.
FIGURES: dict[str, tuple[str, str, tuple[str, float] | None]] = {
    "machine_cpus": ("CPUs the machine reports", "", None),
    "feed_locations": ("service locations in the generated feed", "", None),
    "feed_municipalities": ("municipalities in the generated feed", "", None),
    "catalogue_import_seconds": ("full import into a fresh SQLite catalogue", "s", ("<=", 90)),
    "catalogue_import_peak_rss_mb": ("peak RSS of the importing process", "MB", ("<=", 400)),
    "catalogue_import_locations": ("locations in the catalogue after the import", "", None),
    "catalogue_reimport_seconds": ("re-import of the same feed (nothing changes)", "s", None),
    "catalogue_reimport_peak_rss_mb": ("peak RSS of the re-importing process", "MB", None),
    "catalogue_reimport_to_import": (
        "catalogue_reimport_seconds / catalogue_import_seconds (unchanged records are not parsed again)",
        "",
        ("<=", 0.25),
    ),
    "catalogue_import_seconds_postgresql": ("full import into a fresh PostgreSQL catalogue", "s", None),
    "catalogue_index_build_seconds": ("building the in-memory search index", "s", None),
    "catalogue_search_queries": ("searches timed", "", None),
    "catalogue_search_p50_ms": ("search, median (run_search in a request context)", "ms", None),
    "catalogue_search_p95_ms": ("search, 95th percentile", "ms", ("<=", 30)),
    "catalogue_search_max_ms": ("search, slowest", "ms", None),
    "catalogue_search_core_p95_ms": ("search, 95th percentile without the request context", "ms", None),
    "compare_municipality_locations": ("locations in the municipality the pages list", "", None),
    "compare_rps": ("compare page (/units, 20 results), requests per second, as deployed", "req/s", None),
    "compare_uncached_rps": ("the same page with the page cache off: every request rendered", "req/s", None),
    "baseline_rps": ("bare Flask app, 20 rows, requests per second", "req/s", None),
    "compare_to_baseline": ("compare_rps / baseline_rps", "", (">=", 0.5)),
    "compare_uncached_to_baseline": ("compare_uncached_rps / baseline_rps", "", (">=", 0.5)),
    **{
        key: figure
        for page, meaning in LOGGED_IN_PAGES.items()
        for key, figure in (
            (f"{page}_logged_in_rps", (f"{meaning}, logged in, requests per second", "req/s", None)),
            (f"{page}_logged_in_to_baseline", (f"{page}_logged_in_rps / baseline_rps", "", (">=", 0.5))),
        )
    },
    "compare_errors": ("non-200 answers or failed requests, compare and logged-in pages", "", ("<=", 0)),
    "baseline_errors": ("non-200 answers or failed requests, baseline", "", ("<=", 0)),
    "server_workers": ("gunicorn workers per app (sync, 1 thread each)", "", None),
    "load_threads": ("client threads of the load generator", "", None),
    "load_seconds": ("length of one measuring window", "s", None),
    "load_rounds": ("windows per app (alternating compare, baseline)", "", None),
    "choice_residents": ("residents with listings in the PostgreSQL database", "", None),
    "choice_clients": ("concurrent clients (logged-in residents' browsers)", "", None),
    "choice_server_workers": ("gunicorn sync workers serving them", "", None),
    "choice_seconds": ("length of each measuring window", "s", None),
    "choice_switches": ("switches confirmed over HTTP in the window, some units with a capacity", "", None),
    "choice_switches_per_second": (
        "confirmed switches per second over HTTP, some units with a capacity",
        "/s",
        (">=", 150),
    ),
    "choice_confirm_p50_ms": ("confirm request, median (solo clients)", "ms", None),
    "choice_confirm_p95_ms": ("confirm request, 95th percentile (solo clients)", "ms", None),
    "choice_cpu_busy": ("CPUs busy on average over that window (the whole machine)", "", None),
    "choice_switches_per_second_without_capacity": ("the same with no capacity set on any unit", "/s", None),
    "choice_service_switches_per_second": ("the same clients calling the domain service, no HTTP", "/s", None),
    "baseline_writes_per_second": (
        "bare Flask POST on the same PostgreSQL: lock a row, update it, insert two; the same clients and workers",
        "/s",
        None,
    ),
    "choice_to_write_baseline": ("choice_switches_per_second / baseline_writes_per_second", "", (">=", 0.5)),
    "choice_contested_rounds": ("double clicks and two-tab moments, all windows", "", None),
    "choice_contested_anomalies": (
        "of those, more than one choice or a double click answered 'changed'",
        "",
        ("<=", 0),
    ),
    "choice_errors": ("failed confirmations, or refusals a lone client cannot get", "", ("<=", 0)),
    "choice_double_listings": (
        "residents with two current or two pending listings of a kind, after the run",
        "",
        ("<=", 0),
    ),
    "choice_capacity_exceeded": ("units over their capacity after the run", "", ("<=", 0)),
    "choice_listing_report_seconds": ("listing figures by unit and age band, whole population, median", "s", ("<=", 2)),
    "choice_listing_report_max_seconds": ("the same, slowest run", "s", None),
    "audit_rows": ("sealed rows in the access log (PostgreSQL)", "", None),
    "audit_fill_seconds": ("sealing them in Python and writing them with COPY", "s", None),
    "audit_verify_seconds": ("`audit verify` over all of them", "s", ("<=", 30)),
    "audit_verify_peak_rss_mb": ("peak RSS of the verifying process", "MB", None),
    "audit_append_p50_ms": ("record_event on top of them, one committed transaction, median", "ms", None),
    "audit_append_p95_ms": ("the same, 95th percentile", "ms", None),
    "wallet_holders": ("voucher holders in the county's wallet export", "", None),
    "wallet_vouchers": ("vouchers in it", "", None),
    "wallet_budgets": ("personal budgets in it", "", None),
    "wallet_transactions": ("budget transactions in it", "", None),
    "wallet_export_mb": ("size of the JSON export", "MB", None),
    "wallet_import_seconds": ("wallet import into a fresh SQLite database", "s", ("<=", 60)),
    "wallet_import_peak_rss_mb": ("peak RSS of the importing process", "MB", ("<=", 300)),
    "wallet_reimport_unchanged_seconds": ("the same export again (nothing changes)", "s", ("<=", 15)),
    "wallet_reimport_peak_rss_mb": ("peak RSS of the re-importing process", "MB", None),
    "wallet_import_seconds_postgresql": ("wallet import into a fresh PostgreSQL database", "s", None),
    "wallet_page_p50_ms": ("budget page, 2 000 transactions: server time, median", "ms", None),
    "wallet_page_p95_ms": ("budget page, 2 000 transactions: server time, 95th percentile", "ms", ("<=", 50)),
    "wallet_transactions_page_p95_ms": ("its transactions page filtered to a month, 95th percentile", "ms", None),
    "wallet_voucher_page_p95_ms": (
        "a voucher page with 30 providers by cost and distance, 95th percentile",
        "ms",
        None,
    ),
    "wallet_baseline_page_p95_ms": ("a page of the same app with no data of its own, 95th percentile", "ms", None),
    "wallet_page_to_baseline_p95": ("wallet_page_p95_ms / wallet_baseline_page_p95_ms", "", None),
    "flags_count": ("flags in the review console's database", "", None),
    "flags_queue_p50_ms": ("the console's filtered queue page, server time, median (SQLite)", "ms", None),
    "flags_queue_p95_ms": ("the same, 95th percentile (SQLite)", "ms", ("<=", 100)),
    "flags_similar_p95_ms": ("duplicate suggestions for a new flag, 95th percentile (SQLite)", "ms", ("<=", 200)),
    "flags_queue_p95_ms_postgresql": ("the queue page on PostgreSQL, 95th percentile", "ms", None),
    "flags_similar_p95_ms_postgresql": ("duplicate suggestions on PostgreSQL, 95th percentile", "ms", None),
    "chat_answer_accuracy": ("chat assistant: answered right, the worst language's share", "", (">=", 0.85)),
    "chat_confident_wrong": (
        "chat assistant: answered confidently and wrongly, the worst language's",
        "",
        ("<=", 0.05),
    ),
    **{
        f"chat_{figure}_{language}": (f"{meaning}, {name}", "", None)
        for language, name in (
            ("fi", "Finnish"),
            ("sv", "Swedish"),
            ("selko", "plain-language Finnish"),
            ("en", "English"),
        )
        for figure, meaning in (("answer_accuracy", "answered right"), ("confident_wrong", "confidently wrong"))
    },
    "chat_answer_p50_ms": ("chat assistant: one answer over the whole knowledge base, median", "ms", None),
    "chat_answer_p95_ms": ("the same, 95th percentile", "ms", ("<=", 50)),
    "chat_delivery_conversations": ("chat delivery: open chats, two app processes on PostgreSQL", "", None),
    "chat_delivery_messages": ("messages timed, both ways", "", None),
    "chat_delivery_p50_ms": (
        "a message from its POST on one process to the other side's poll on the other showing it, median",
        "ms",
        ("<=", 1000),
    ),
    "chat_delivery_p95_ms": ("the same, 95th percentile", "ms", ("<=", 2000)),
    "chat_delivery_max_ms": ("the same, the slowest", "ms", None),
    "chat_delivery_lost": ("messages not shown on the other side within 10 s of the last send", "", ("<=", 0)),
    "chat_poll_p95_ms": ("a poll answered 204 (nothing new), round trip, 95th percentile", "ms", None),
    "chat_polls_per_second": ("polls the two processes answered a second, both sides and the consoles", "/s", None),
    "mix_users": ("load test: simulated browsers (locust users) on the production shape", "", None),
    "mix_seconds": ("load test: the measuring window", "s", None),
    "mix_requests": ("requests to the portal in the window, once every user ran", "", None),
    "mix_rps": ("requests per second the portal answered in the window", "req/s", None),
    "mix_p50_ms": ("a request's round trip, median", "ms", None),
    "mix_p95_ms": ("a request's round trip, 95th percentile", "ms", ("<=", 300)),
    **{
        f"mix_{task}_p95_ms": (f"the same for the {meaning} (0: none in the window)", "ms", None)
        for task, meaning in (
            ("compare", "anonymous comparison's pages"),
            ("login", "login's own pages (the identity provider's not counted)"),
            ("dashboard", "dashboard"),
            ("wallet", "wallet's pages"),
            ("switch", "switching's check page and confirmation"),
            ("flag", "flag form, its check page and send"),
            ("chat", "chat page, messages and polls"),
        )
    },
    "mix_errors": ("failed requests in the window (an unexpected status, or no answer)", "", None),
    "mix_error_rate": ("failed requests / all requests in the window", "", ("<=", 0)),
    "mix_peak_rss_mb": ("the stack's summed RSS at its peak: supervisor, gunicorn, dispatcher, PostgreSQL", "MB", None),
    "mix_baseline_rps": ("the bare baseline app on the same database, as many users with no wait", "req/s", None),
    "mix_to_baseline": ("mix_rps / mix_baseline_rps", "", None),
    "mix_lost": ("acknowledged choices, flags and chat messages not in the database afterwards", "", ("<=", 0)),
    "mix_fault_seconds": ("faults under load: the window (a worker killed, then PostgreSQL restarted)", "s", None),
    "mix_fault_requests": ("requests in that window", "", None),
    "mix_fault_errors": ("of those, failed (what the clients saw)", "", None),
    "mix_fault_recovery_seconds": (
        "from PostgreSQL accepting connections again to the end of the last failed request",
        "s",
        ("<=", 10),
    ),
    "mix_fault_lost": ("acknowledged records not in the database after the faults", "", ("<=", 0)),
    "mix_fault_half_applied": (
        "choices without their outbox messages or access-log event; a wallet import neither whole nor absent",
        "",
        ("<=", 0),
    ),
    "mix_fault_import_cut": (
        "1: PostgreSQL was restarted while the wallet import's transaction had written and not committed",
        "",
        (">=", 1),
    ),
    "bench_run_seconds": ("the whole run (and the feed's generation, when it was not cached)", "s", None),
}
OPTIONAL_FIGURES = {
    "catalogue_import_seconds_postgresql",
    "wallet_import_seconds_postgresql",
    *(key for key in FIGURES if key.startswith("wallet_") and "page" in key),  # older results lack them
    *(key for key in FIGURES if key.startswith(("choice_", "audit_"))),  # on PostgreSQL only
    "baseline_writes_per_second",  # on PostgreSQL only, with the listings
    *(key for key in FIGURES if key.startswith("flags_")),  # older results lack them
    *(key for key in FIGURES if key.startswith("chat_")),  # older results lack them
    *(key for key in FIGURES if "_logged_in_" in key),  # older results lack them
    *(key for key in FIGURES if key.startswith("mix_")),  # on PostgreSQL only; older results lack them
}
REQUIRED_FIGURES = tuple(key for key in FIGURES if key not in OPTIONAL_FIGURES)


@dataclass
class Settings:
    locations: int = 50_000
    municipalities: int = 300
    seed: int = DEFAULT_SEED
    queries: int = 240
    search_passes: int = 2
    workers: int = 2
    load_threads: int = 8
    load_seconds: float = 10.0
    rounds: int = 2
    warmup_seconds: float = 3.0
    postgresql: bool = True  # import into PostgreSQL too, with pgserver when installed or postgresql_url
    postgresql_url: str | None = None  # a running server to create a scratch database in, instead of pgserver
    cache_dir: Path = CACHE_DIR
    work_dir: Path | None = None  # default: cache_dir / "work", emptied at the start of a run
    results_path: Path = RESULTS_PATH
    doc_path: Path | None = DOC_PATH
    choices: ChoiceSettings | None = None  # default: `listing_settings`, which scales with `locations`
    only: str | None = None  # "choices", "audit", ...: only that step, merged into the figures already in results_path
    audit: AuditSettings | None = None  # default: `access_log_settings`, which scales with `locations`
    wallet: WalletSettings | None = None  # default: `county_wallet_settings`, which scales with `locations`
    chat_delivery: DeliverySettings | None = None  # default: `delivery_settings`, which scales with `locations`
    mix: MixSettings | None = None  # default: `load_mix_settings`, which scales with `locations`
    logged_in_residents: int = 8  # residents logged in for the logged-in pages: one per client thread by default


@dataclass
class Run:
    """What a run found: the flat figures, and details for the document."""

    figures: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# -- 1. the feed and the import -------------------------------------------------------------------------------


def generator_digest() -> str:
    digest = hashlib.sha256()
    for path in GENERATOR_SOURCES:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cached_feed(settings: Settings) -> Path:
    """The national feed for these parameters, generated once; a changed generator makes a new one."""
    digest = generator_digest()
    prefix = f"national-{settings.locations}-{settings.municipalities}-seed{settings.seed}-{DEFAULT_TODAY}"
    key = f"{prefix}-{digest}"
    directory = settings.cache_dir / key
    marker = settings.cache_dir / f"{key}.json"
    if marker.is_file() and directory.is_dir():
        return directory
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    for stale in settings.cache_dir.glob(f"{prefix}-*"):  # earlier generator versions, same parameters
        if stale.is_dir():
            shutil.rmtree(stale)
        else:
            stale.unlink()
    log(f"generating the feed ({settings.locations} locations, {settings.municipalities} municipalities)")
    summary = write_national_feed(
        directory, locations=settings.locations, municipalities=settings.municipalities, seed=settings.seed
    )
    marker.write_text(
        json.dumps({"locations": summary.locations, "bytes": summary.bytes_written, "seconds": summary.seconds}),
        encoding="utf-8",
    )
    log(f"feed written in {summary.seconds:.1f} s ({summary.bytes_written / 1e6:.0f} MB), cached in {directory}")
    return directory


def run_import_child(database_url: str, feed: Path, *, migrate: bool) -> dict[str, float]:
    """`bench.import_child` in a process of its own; its JSON line."""
    command = [sys.executable, "-m", "bench.import_child", database_url, str(feed)]
    if migrate:
        command.append("--migrate")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise BenchError(f"the import child failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def _server_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def postgresql_server(settings: Settings) -> Iterator[str | None]:
    """A PostgreSQL server URL: the given one, or a pgserver started here; None when there is none."""
    if settings.postgresql_url:
        yield settings.postgresql_url
        return
    if not settings.postgresql:
        yield None
        return
    try:
        import pgserver
    except ImportError:
        log("pgserver is not installed: skipping the PostgreSQL import")
        yield None
        return
    directory = tempfile.mkdtemp(prefix="valinta-bench-pg-")
    server = pgserver.get_server(directory, cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A new, empty database on `server_url`, dropped afterwards."""
    import psycopg

    server_url = _server_url(server_url)
    name = f"valinta_bench_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def measure_imports(settings: Settings, feed: Path, sqlite_path: Path, run: Run) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{sqlite_path}"
    log("importing into a fresh SQLite catalogue")
    first = run_import_child(url, feed, migrate=True)
    if first["locations"] != settings.locations or first["rejected"]:
        raise BenchError(f"the import lost records: {first}")
    run.figures["catalogue_import_seconds"] = round(first["seconds"], 2)
    run.figures["catalogue_import_peak_rss_mb"] = round(first["peak_rss_mb"], 1)
    run.figures["catalogue_import_locations"] = first["locations"]
    log(f"import: {first['seconds']:.1f} s, peak RSS {first['peak_rss_mb']:.0f} MB")
    again = run_import_child(url, feed, migrate=False)
    if again["locations_written"]:
        raise BenchError(f"re-importing the same feed wrote {again['locations_written']} locations")
    run.figures["catalogue_reimport_seconds"] = round(again["seconds"], 2)
    run.figures["catalogue_reimport_peak_rss_mb"] = round(again["peak_rss_mb"], 1)
    run.figures["catalogue_reimport_to_import"] = round(again["seconds"] / first["seconds"], 3)
    log(f"re-import: {again['seconds']:.1f} s, peak RSS {again['peak_rss_mb']:.0f} MB")
    with postgresql_server(settings) as server_url:
        if server_url is None:
            run.notes["postgresql"] = (
                "not measured (--no-postgresql)" if not settings.postgresql else "not measured (no pgserver)"
            )
            return
        log("importing into a fresh PostgreSQL catalogue")
        with scratch_database(server_url) as pg_url:
            pg = run_import_child(pg_url, feed, migrate=True)
        if pg["locations"] != settings.locations:
            raise BenchError(f"the PostgreSQL import lost records: {pg}")
        run.figures["catalogue_import_seconds_postgresql"] = round(pg["seconds"], 2)
        log(f"PostgreSQL import: {pg['seconds']:.1f} s, peak RSS {pg['peak_rss_mb']:.0f} MB")


# -- 2. search ------------------------------------------------------------------------------------------------


def percentile(samples: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def measure_search(settings: Settings, database_url: str, run: Run) -> str:
    """Index build and search latency, in this process; returns the municipality to list in step 3."""
    import numpy as np
    from flask import request

    from bench.queries import search_queries
    from portal import create_app
    from portal.choice.services import full_units_now
    from portal.compare.index import current_index
    from portal.compare.places import resolve_place
    from portal.compare.search import SearchQuery, search
    from portal.compare.services import run_search, search_query
    from portal.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RESIDENT_OIDC_ISSUER": "",
            "STAFF_OIDC_ISSUER": "",
            "FULL_UNITS_TTL_SECONDS": 2,  # as deployed
        }
    )
    with app.app_context():
        started = time.perf_counter()
        index = current_index()  # the first call builds and caches it, as in a worker's first request
        run.figures["catalogue_index_build_seconds"] = round(time.perf_counter() - started, 2)
        log(f"index built in {run.figures['catalogue_index_build_seconds']} s")
        queries = search_queries(index, settings.queries)

        def page_search(args: dict[str, str], language: str) -> float:
            with app.test_request_context("/units", query_string={**args, "lang": language}):
                app.preprocess_request()
                started = time.perf_counter()
                run_search(search_query(request.args), full_units_now())  # as the view: full units kept for 2 s
                return time.perf_counter() - started

        def core_search(args: dict[str, str], language: str) -> float:
            started = time.perf_counter()
            query = SearchQuery.from_args(args, index.municipality_names)
            origin = resolve_place(index, query.near, language) if query.near else None
            search(index, query, language, origin)
            return time.perf_counter() - started

        for args, language in queries:  # warm-up
            page_search(args, language)
            core_search(args, language)
        gc.collect()
        page_ms, core_ms = [], []
        for _ in range(settings.search_passes):
            for args, language in queries:
                page_ms.append(page_search(args, language) * 1000)
                core_ms.append(core_search(args, language) * 1000)
        codes, counts = np.unique(index.municipality[index.municipality != ""].astype(str), return_counts=True)
        db.session.remove()
        db.engine.dispose()
    run.figures["catalogue_search_queries"] = len(page_ms)
    run.figures["catalogue_search_p50_ms"] = round(percentile(page_ms, 50), 2)
    run.figures["catalogue_search_p95_ms"] = round(percentile(page_ms, 95), 2)
    run.figures["catalogue_search_max_ms"] = round(max(page_ms), 2)
    run.figures["catalogue_search_core_p95_ms"] = round(percentile(core_ms, 95), 2)
    log(
        f"search over {len(queries)} queries x {settings.search_passes}: p50 {run.figures['catalogue_search_p50_ms']} "
        f"ms, p95 {run.figures['catalogue_search_p95_ms']} ms"
    )
    return typical_municipality(dict(zip(codes.tolist(), counts.tolist(), strict=True)), run)


def typical_municipality(counts: dict[str, int], run: Run) -> str:
    """The municipality of median size among those with a full page of locations (by size, then code)."""
    full = sorted((n, code) for code, n in counts.items() if n >= PAGE_ROWS)
    if not full:
        raise BenchError(f"no municipality has {PAGE_ROWS} locations")
    n, code = full[(len(full) - 1) // 2]
    run.figures["compare_municipality_locations"] = n
    run.notes["municipality"] = f"{code} ({n} locations, the median of the {len(full)} with {PAGE_ROWS} or more)"
    return code


# -- 3. throughput --------------------------------------------------------------------------------------------


def _check_page(server, path: str, cookie: str = "") -> None:
    status, _, body = fetch(server, path, cookie=cookie)
    if cookie and (status != 200 or LOGGED_IN_MARKER not in body):
        raise BenchError(f"{server.name}: GET {path} logged in gave {status}, not 200 with the logout button")
    if path.startswith("/units?") or path.startswith("/list?"):
        listed = body.count(RESULT_MARKER)
        if status != 200 or listed != PAGE_ROWS:
            raise BenchError(f"{server.name}: GET {path} gave {status} with {listed} results, not 200 with {PAGE_ROWS}")


def logged_in_targets(settings: Settings, database_url: str, municipality: str, compare) -> list[Target]:
    """The logged-in pages on the compare server, each client thread as one of the residents written for them."""
    from bench.logged_in import logged_in_pages, prepare_residents
    from bench.wsgi import portal_app

    app = portal_app(database_url)
    residents = prepare_residents(app, settings.logged_in_residents, municipality)
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()
    cookies = tuple(f"{cookie_name}={resident.token}" for resident in residents)
    return [Target(f"{page}_logged_in", compare, path, cookies) for page, path in logged_in_pages(residents[0]).items()]


def measure_throughput(settings: Settings, database_url: str, municipality: str, log_dir: Path, run: Run) -> None:
    query = urlencode({"municipality": municipality})
    compare_path, baseline_path = f"/units?{query}", f"/list?{query}"
    workers = settings.workers
    log(f"logging in {settings.logged_in_residents} residents of municipality {municipality}")
    with (
        serve("compare", "bench.wsgi:compare_app()", database_url, log_dir, workers=workers) as compare,
        serve(
            "compare_uncached", "bench.wsgi:compare_app(page_cache=False)", database_url, log_dir, workers=workers
        ) as uncached,
        serve("baseline", "bench.wsgi:baseline_app()", database_url, log_dir, workers=workers) as baseline,
    ):
        log(f"warming up {workers} workers per app (the compare app builds its index in each)")
        for server, path in ((compare, compare_path), (uncached, compare_path), (baseline, baseline_path)):
            warm_up(server, path, workers, seconds=settings.warmup_seconds, threads=settings.load_threads)
            _check_page(server, path)
        logged_in = logged_in_targets(settings, database_url, municipality, compare)
        for target in logged_in:
            warm_up(compare, target.path, workers, seconds=1, threads=settings.load_threads, cookies=target.cookies)
            _check_page(compare, target.path, target.cookies[0])
        log(
            f"measuring: {settings.rounds} x {settings.load_seconds:g} s per app, alternating, "
            f"{settings.load_threads} client threads"
        )
        gc.collect()
        gc.freeze()  # this process still holds the search step's index: keep the collector off it while measuring
        try:
            results = alternate(
                [(compare, compare_path), (uncached, compare_path), (baseline, baseline_path), *logged_in],
                rounds=settings.rounds,
                seconds=settings.load_seconds,
                threads=settings.load_threads,
            )
        finally:
            gc.unfreeze()
    record_throughput(results, run)
    run.notes["compare_path"] = compare_path
    run.notes["baseline_path"] = baseline_path
    run.notes["logged_in_paths"] = ", ".join(f"{target.name.split('_')[0]} `{target.path}`" for target in logged_in)
    run.notes["logged_in_residents"] = str(settings.logged_in_residents)


def record_throughput(results: dict[str, list[LoadResult]], run: Run) -> None:
    logged_in = [f"{page}_logged_in" for page in LOGGED_IN_PAGES if f"{page}_logged_in" in results]
    for name in ("compare", "compare_uncached", "baseline", *logged_in):
        rounds = results[name]
        run.figures[f"{name}_rps"] = round(fmean(r.rps for r in rounds), 1)
        run.figures[f"{name}_errors"] = sum(r.errors for r in rounds)
        run.notes[f"{name}_rounds"] = ", ".join(f"{r.rps:.1f}" for r in rounds)
        log(f"{name}: {run.notes[f'{name}_rounds']} req/s; {run.figures[f'{name}_errors']} errors")
    run.figures["compare_to_baseline"] = round(run.figures["compare_rps"] / run.figures["baseline_rps"], 3)
    uncached = run.figures["compare_uncached_rps"] / run.figures["baseline_rps"]
    run.figures["compare_uncached_to_baseline"] = round(uncached, 3)
    run.figures["compare_errors"] += run.figures.pop("compare_uncached_errors")
    for name in logged_in:
        run.figures[f"{name}_to_baseline"] = round(run.figures[f"{name}_rps"] / run.figures["baseline_rps"], 3)
        run.figures["compare_errors"] += run.figures.pop(f"{name}_errors")
    failed = [r for name in ("compare", "compare_uncached", *logged_in) for r in results[name] if r.errors]
    if failed:
        raise BenchError(
            f"the compare page failed {run.figures['compare_errors']} times "
            f"({dict(failed[0].statuses)}); first: {failed[0].first_error}"
        )


# -- 4. listings ----------------------------------------------------------------------------------------------


def listing_settings(settings: Settings) -> ChoiceSettings:
    """The listing benchmark's settings: given, or 10 residents per catalogue location (500 000 at national scale)
    and windows twice the load's, so that a tiny run of the harness stays tiny."""
    if settings.choices is not None:
        return settings.choices
    return ChoiceSettings(
        residents=10 * settings.locations, seconds=2 * settings.load_seconds, warmup_seconds=settings.warmup_seconds
    )


def measure_listings(settings: Settings, work: Path, run: Run) -> None:
    with postgresql_server(settings) as server_url:
        if server_url is None:
            run.notes["choices"] = "not measured (no PostgreSQL)"
            return
        with scratch_database(server_url) as pg_url:
            measured = measure_choices(pg_url, listing_settings(settings), log=log, work_dir=work / "choices")
    run.figures.update(measured.figures)
    run.notes.update(measured.notes)


# -- 5. the access log -------------------------------------------------------------------------------------------


def access_log_settings(settings: Settings) -> AuditSettings:
    """The access log benchmark's settings: given, or 20 rows per catalogue location (1 000 000 at national scale)."""
    return settings.audit if settings.audit is not None else AuditSettings(rows=20 * settings.locations)


def measure_access_log(settings: Settings, run: Run) -> None:
    with postgresql_server(settings) as server_url:
        if server_url is None:
            run.notes["audit"] = "not measured (no PostgreSQL)"
            return
        with scratch_database(server_url) as pg_url:
            measured = measure_audit(pg_url, access_log_settings(settings), log=log)
    run.figures.update(measured.figures)
    run.notes.update(measured.notes)


# -- 6. the wallet import ----------------------------------------------------------------------------------------


def county_wallet_settings(settings: Settings) -> WalletSettings:
    """The wallet benchmark's settings: given, or 0.4 voucher holders per catalogue location (20 000 at national
    scale), a budget for every tenth of them and 150 transactions a budget."""
    if settings.wallet is not None:
        return settings.wallet
    holders = max(20, 2 * settings.locations // 5)
    return WalletSettings(
        holders=holders, budgets=holders // 10, transactions=holders // 10 * 150, cache_dir=settings.cache_dir
    )


def measure_wallet_import(settings: Settings, work: Path, run: Run) -> None:
    wallet = county_wallet_settings(settings)
    with postgresql_server(settings) as server_url:
        if server_url is None:
            measured = measure_wallet(work / "wallet", wallet, log=log)
            run.notes["wallet_postgresql"] = "not measured (no PostgreSQL)"
        else:
            with scratch_database(server_url) as pg_url:
                measured = measure_wallet(work / "wallet", wallet, log=log, postgresql_url=pg_url)
    run.figures.update(measured.figures)
    run.notes.update(measured.notes)


WALLET_PAGE_DOC = """
The wallet's pages (`bench/wallet_page.py`) are timed in a child process on SQLite through the app's test client: the
whole Flask request (session, user, access check, queries, template) for the budget page of a budget with 2 000
transactions (its figures, forecast, SVG chart, shares and latest ten), its transactions page filtered to one month,
and a voucher page listing 30 providers by cost and distance; requests alternate with the accessibility statement, a
page with the same layout, session and user and no data of its own, so `wallet_page_to_baseline_p95` says what the
wallet's own work costs on this machine in this run.
"""


def measure_wallet_pages(work: Path, run: Run) -> None:
    """In a child process of its own, so the app it builds shares nothing with this one's."""
    database = work / "wallet-pages.sqlite3"
    log("wallet pages: a budget of 2 000 transactions, timed against a plain page")
    done = subprocess.run(
        [sys.executable, "-m", "bench.wallet_page", f"sqlite:///{database}"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"bench.wallet_page failed:\n{done.stderr[-2000:]}")
    figures = json.loads(done.stdout[done.stdout.index("{") :])
    run.figures.update({key: value for key, value in figures.items() if key in FIGURES})


# -- 7. the review console ---------------------------------------------------------------------------------------


def _flags_child(database_url: str, *options: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.flags", database_url, *options],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"bench.flags failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout[done.stdout.index("{") :])


def measure_review_console(settings: Settings, work: Path, run: Run) -> None:
    """bench/flags.py in a child process: on SQLite, then on PostgreSQL when there is one."""
    log("review console: 100 000 flags, the queue page and duplicate suggestions on SQLite")
    found = _flags_child(f"sqlite:///{work / 'flags.sqlite3'}")
    run.figures.update({key: value for key, value in found.items() if key in FIGURES})
    run.notes["flags_sqlite"] = str(found.get("flags", ""))
    with postgresql_server(settings) as server_url:
        if server_url is None:
            run.notes["flags_postgresql"] = "not measured (no PostgreSQL)"
            return
        with scratch_database(server_url) as database_url:
            log("review console: the same on PostgreSQL")
            found = _flags_child(database_url)
    run.figures["flags_queue_p95_ms_postgresql"] = found["flags_queue_p95_ms"]
    run.figures["flags_similar_p95_ms_postgresql"] = found["flags_similar_p95_ms"]
    run.notes["flags_postgresql"] = str(found.get("flags", ""))


# -- 8. the chat assistant ----------------------------------------------------------------------------------------


def measure_chat(run: Run) -> None:
    """bench/chat.py in a child process: the app with the real knowledge base, a fresh interpreter's caches."""
    log("chat assistant: accuracy on the evaluation questions and the time of one answer")
    done = subprocess.run(
        [sys.executable, "-m", "bench.chat"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"bench.chat failed:\n{done.stderr[-2000:]}")
    found = json.loads(done.stdout[done.stdout.index("{") :])
    run.figures.update({key: value for key, value in found.items() if key in FIGURES})
    misses = sum(1 for line in done.stderr.splitlines() if line.startswith(("miss ", "WRONG ")))
    run.notes["chat"] = (
        f"{misses} of {sum(found[f'chat_questions_{lang}'] for lang in ('fi', 'sv', 'selko', 'en'))} "
        "questions not answered right; `python -m bench.chat` lists them"
    )


def delivery_settings(settings: Settings) -> DeliverySettings:
    """The chat delivery benchmark's settings: given, or one open chat per 250 catalogue locations (200 at national
    scale) with the sends spread over four load windows (40 s), so that a tiny run of the harness stays tiny."""
    if settings.chat_delivery is not None:
        return settings.chat_delivery
    return DeliverySettings(
        conversations=max(4, min(200, settings.locations // 250)),
        seconds=min(40.0, 4 * settings.load_seconds),
        warmup_seconds=min(4.0, settings.warmup_seconds + 1),
    )


def measure_chat_delivery(settings: Settings, work: Path, run: Run) -> None:
    """bench/chat_delivery.py in a scratch PostgreSQL database: its two gunicorn processes, the client here."""
    with postgresql_server(settings) as server_url:
        if server_url is None:
            run.notes["chat_delivery"] = "not measured (no PostgreSQL)"
            return
        with scratch_database(server_url) as database_url:
            notes: dict[str, str] = {}
            found = measure_delivery(database_url, delivery_settings(settings), log=log, work_dir=work, notes=notes)
    run.figures.update({key: value for key, value in found.items() if key in FIGURES})
    run.notes.update(notes)


# -- 9. the load test ------------------------------------------------------------------------------------------


def load_mix_settings(settings: Settings) -> MixSettings:
    """The load test's settings: given, or the issue's 100 users for 5 minutes over 5 000 residents at national
    scale, and a few users for seconds in a tiny run of the harness (with the faults, shortened)."""
    if settings.mix is not None:
        return settings.mix
    if settings.locations >= 10_000:
        return MixSettings()
    return MixSettings(
        users=4,
        seconds=max(5.0, 2 * settings.load_seconds),
        residents=200,
        login_residents=20,
        baseline_seconds=3.0,
        warmup_seconds=0.0,
        fault_seconds=16.0,
        kill_worker_at=3.0,
        restart_database_at=8.0,
        fault_import_holders=40,
    )


def measure_load_mix(settings: Settings, work: Path, run: Run) -> None:
    """bench/mix.py: the production shape on a PostgreSQL of its own (it restarts it), locust in a subprocess."""
    if not settings.postgresql and settings.postgresql_url is None:
        run.notes["mix"] = "not measured (no PostgreSQL)"
        return
    notes: dict[str, str] = {}
    found = measure_mix(load_mix_settings(settings), log=log, work_dir=work / "mix", notes=notes)
    run.figures.update({key: value for key, value in found.items() if key in FIGURES})
    run.notes.update(notes)


# -- 10. results -----------------------------------------------------------------------------------------------


def ordered_results(figures: dict[str, float]) -> dict[str, float]:
    missing = [key for key in REQUIRED_FIGURES if key not in figures]
    bad = {k: v for k, v in figures.items() if isinstance(v, bool) or not isinstance(v, int | float)}
    bad.update({k: v for k, v in figures.items() if k not in bad and not math.isfinite(v)})
    if missing or bad:
        raise BenchError(f"results incomplete: missing {missing}, not finite numbers {bad}")
    return {key: figures[key] for key in FIGURES if key in figures}


def met(key: str, value: float) -> str:
    target = FIGURES[key][2]
    if target is None:
        return ""
    comparison, limit = target
    return "yes" if (value <= limit if comparison == "<=" else value >= limit) else "**no**"


DOC_TEMPLATE = """\
# Performance

How fast the catalogue imports, searches and serves at national scale: 50 000 service locations in 300
municipalities, from the synthetic PTV v11 feed of `bench/national_feed.py`; and how many listing switches the
portal confirms per second on PostgreSQL, and how fast it counts the listings of 500 000 residents. The figures
below are written by the benchmark itself; do not edit them by hand (edit the templates in `bench/run.py` and
`bench/choices.py`).

## Running it

    make bench                   # or: .venv/bin/python -m bench.run --help
    BENCH_ONLY=choices make bench   # only the listings (step 4), merged into the figures of the last run
    BENCH_ONLY=audit make bench     # only the access log (step 5), likewise
    BENCH_ONLY=wallet make bench    # only the wallet import (step 6), likewise
    BENCH_ONLY=flags make bench     # only the review console (step 7), likewise
    BENCH_ONLY=chat make bench      # only the chat (step 8: the assistant and the delivery), likewise
    BENCH_ONLY=mix make bench       # only the load test and the faults under it (step 9), likewise
    BENCH_ONLY=throughput make bench   # only the throughput (step 3), after the search step and an unmeasured import

A run takes about five minutes on two cores, two of them for the listings. The feed (about 370 MB) is generated
on the first run and cached under `bench/.cache/` (gitignored), keyed by the generator's parameters and
source; its generation time is not part of any figure. The listings' residents are written into a scratch
database on each run and dropped with it. The run writes `bench/results.json` (a flat object of numbers, the
record of the latest measured run) and this file. `--no-postgresql` leaves out everything on PostgreSQL: the
import into it (about 40 s) and the listings.

Benchmarks never run in `make test`; `tests/bench/test_bench_small.py` and `tests/bench/test_choices_bench.py` run
the same harness at a tiny scale there, to prove it works, and assert no durations.

## What is measured

1. **Import.** `import_catalogue` of the whole feed into a fresh, migrated SQLite database, in a child process
   (`bench/import_child.py`) that reports the import's wall time and its own peak RSS (`ru_maxrss`, so the
   Flask app and libraries are included). Then the same feed again into the same database: nothing changes, so
   nothing is written, but every record is still read, parsed and hashed. When pgserver is installed (a dev
   dependency) the first import is repeated into a fresh PostgreSQL database.
2. **Search.** In-process, on the imported SQLite database: the in-memory index is built once (as each worker does
   on its first request), then a seeded list of realistic searches (`bench/queries.py`: municipality names with a
   typing error, street names, words of unit names, filters for municipality, language, opening hours,
   step-free entrance, provider, kind of service and distance from a postcode, sorted by relevance, distance or
   name) is run once as a warm-up and then timed with `time.perf_counter`. The timed work is `run_search` in a
   request context, which is what the `/units` page does before rendering: query parsing, place lookup and the
   index search. The core figure leaves out the request context.
3. **Throughput.** The portal and a baseline are served side by side with gunicorn over loopback HTTP, with
   the same settings (sync workers, one thread each). The baseline (`bench/baseline_app.py`) is a bare Flask
   app that reads 20 rows of one municipality from the same database with SQLAlchemy Core and renders them with
   a minimal Jinja template. The page under test is `/units?municipality=CODE` (20 results a page, checked once
   before measuring) for a typical municipality: the median-sized one among those with 20 locations or more
   (the largest has thousands, and sorting them all would make the baseline's query the slow part). Both are
   warmed up until every worker has answered (a compare worker builds its index on its first request), then
   measured for the same time with the same load generator (`bench/load.py`: client threads, each with its own
   connection, counting 200 answers and keeping the session cookie as a browser would), alternating compare
   and baseline to spread the machine's noise over both. A non-200 answer from the compare page fails the run.

   The portal keeps pages it rendered for anonymous visitors (nothing personal in them) per worker until the
   catalogue changes (`portal/compare/page_cache.py`), so `compare_rps` is mostly served from that cache, as
   repeated popular lists would be in production. `compare_uncached_rps` is the same page from a third server
   with the cache off, where every request parses the query, searches the index and renders the page: the
   figure for a search nobody has made before.

   **Logged in.** The pages a logged-in resident sees most are measured on the same as-deployed server, in the same
   alternation and against the same baseline, by a browser that is logged in (`bench/logged_in.py`): 8 residents of
   that municipality, each listed with one of its units as their health and social care centre for over a year and
   with another as their dental unit for two months (as the demo's Aino is), with the organiser's area set to
   include their home, and a session each written into the database as the login callback leaves it (`log_in` of
   `bench/choices.py`; identification is not measured); each client thread is one of them. The pages are the front
   page (`/`, the resident's dashboard: listings, rules, home area), the same search as above (`/units?municipality=
   CODE`: a logged-in person's page holds their own marks and is never taken from the page cache, so every request
   parses the query, searches the index with the resident's home as the origin and renders the page: a search nobody
   has made before, as far as the server's work goes), a unit page (`/units/ID` of the resident's own sote centre:
   the unit's stored PTV record, opening hours, capacity, the resident's listings and the public feedback score) and
   the listings overview (`/choices/`). Each page is checked once to answer 200 with the logout button (a 302 to the
   login page would mean the session was not accepted); any other answer while measuring fails the run.
   `<page>_logged_in_rps` is each page's rate and `<page>_logged_in_to_baseline` its ratio to `baseline_rps`.
   `python -m bench.page_profile` profiles these pages in-process and counts their SQL statements
   (`tests/functional/test_page_statements.py` holds each to a budget).

{listings}
{audit}
{wallet}
The machine is a noisy shared VM, and the load generator runs on the same cores as the servers (and the listing
clients on the same cores as PostgreSQL), so throughput figures are comparable within a run (hence the ratio)
more than between runs.

## Targets

| Figure | Target |
|---|---|
| `catalogue_import_seconds` | ≤ 90 s |
| `catalogue_import_peak_rss_mb` | ≤ 400 MB |
| `catalogue_search_p95_ms` | ≤ 30 ms |
| `compare_to_baseline` | ≥ 0.5 |
| `compare_uncached_to_baseline` | ≥ 0.5 |
| `home_logged_in_to_baseline`, `search_logged_in_to_baseline` | ≥ 0.5 each |
| `unit_logged_in_to_baseline`, `listings_logged_in_to_baseline` | ≥ 0.5 each |
| `choice_switches_per_second` | ≥ 150 /s |
| `choice_to_write_baseline` | ≥ 0.5 |
| `choice_contested_anomalies`, `choice_errors` | 0 |
| `choice_double_listings` | 0 |
| `choice_capacity_exceeded` | 0 |
| `choice_listing_report_seconds` | ≤ 2 s |
| `audit_verify_seconds` | ≤ 30 s |
| `wallet_import_seconds` | ≤ 60 s |
| `wallet_import_peak_rss_mb` | ≤ 300 MB |
| `wallet_reimport_unchanged_seconds` | ≤ 15 s |
| `flags_queue_p95_ms` | ≤ 100 ms |
| `flags_similar_p95_ms` | ≤ 200 ms |
| `chat_answer_accuracy` | ≥ 0.85 in every language |
| `chat_confident_wrong` | ≤ 0.05 in every language |
| `chat_answer_p95_ms` | ≤ 50 ms |
| `chat_delivery_p50_ms` | ≤ 1000 ms |
| `chat_delivery_p95_ms` | ≤ 2000 ms |
| `chat_delivery_lost` | 0 |
| `mix_p95_ms` | ≤ 300 ms |
| `mix_error_rate`, `mix_lost` | 0 |
| `mix_fault_lost`, `mix_fault_half_applied` | 0 |
| `mix_fault_recovery_seconds` | ≤ 10 s |
| `mix_fault_import_cut` | 1 (the restart cut the import's transaction) |

## Latest run

{run_line}

| Figure | Value | Meaning | Target met |
|---|---:|---|---|
{table}

{notes}
"""


def render_doc(results: dict[str, float], run: Run, settings: Settings) -> str:
    rows = []
    for key, value in results.items():
        meaning, unit, _ = FIGURES[key]
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        rows.append(f"| `{key}` | {shown}{' ' + unit if unit else ''} | {meaning} | {met(key, value)} |")
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    run_line = (
        f"{when}, HEAD {_commit()}, Python {platform.python_version()}, {results['machine_cpus']} CPUs; feed of "
        f"{settings.locations} locations in {settings.municipalities} municipalities (seed {settings.seed})."
    )
    notes = []
    if "compare_path" in run.notes:
        notes += [
            f"- Compare page: `{run.notes['compare_path']}`, municipality {run.notes.get('municipality', '')}; "
            f"baseline: `{run.notes.get('baseline_path', '')}`.",
            f"- Requests per second in each window: compare {run.notes.get('compare_rounds', '')}; "
            f"baseline {run.notes.get('baseline_rounds', '')}.",
        ]
    if "logged_in_paths" in run.notes:
        rounds = "; ".join(
            f"{page} {run.notes[f'{page}_logged_in_rounds']}"
            for page in LOGGED_IN_PAGES
            if f"{page}_logged_in_rounds" in run.notes
        )
        notes += [
            f"- Logged-in pages, {run.notes['logged_in_residents']} residents (a session each, one per client thread): "
            f"{run.notes['logged_in_paths']}.",
            f"- Logged-in pages, requests per second in each window: {rounds}.",
        ]
    if "postgresql" in run.notes:
        notes.append(f"- PostgreSQL import: {run.notes['postgresql']}.")
    if settings.only == "choices":
        notes.append("- Only the listings were measured in this run; the other figures are those of the last full run.")
    if settings.only == "audit":
        notes.append("- Only the access log was measured in this run; the other figures are the last full run's.")
    if settings.only == "wallet":
        notes.append("- Only the wallet import was measured in this run; the other figures are the last full run's.")
    if settings.only == "flags":
        notes.append("- Only the review console was measured in this run; the other figures are the last full run's.")
    if settings.only == "chat":
        notes.append("- Only the chat was measured in this run; the other figures are the last full run's.")
    if settings.only == "mix":
        notes.append("- Only the load test was measured in this run; the other figures are the last full run's.")
    if settings.only == "throughput":
        notes.append(
            "- Only the search and the throughput were measured in this run; the other figures are the last full run's."
        )
    notes += [
        f"- Listings, {key.removeprefix('choice_')}: {note}."
        for key, note in run.notes.items()
        if key.startswith("choice")
    ]
    notes += [f"- Access log: {note}." for key, note in run.notes.items() if key.startswith("audit")]
    notes += [f"- Wallet import: {note}." for key, note in run.notes.items() if key.startswith("wallet")]
    notes += [f"- Review console: {note}." for key, note in run.notes.items() if key.startswith("flags")]
    notes += [
        f"- Chat assistant: {note}."
        for key, note in run.notes.items()
        if key.startswith("chat") and not key.startswith("chat_delivery")
    ]
    notes += [f"- Chat delivery: {note}." for key, note in run.notes.items() if key.startswith("chat_delivery")]
    notes += [f"- Load test: {note}." for key, note in run.notes.items() if key.startswith("mix")]
    if settings.only is not None and settings.doc_path is not None and settings.doc_path.is_file():
        notes = kept_notes(settings.doc_path.read_text(encoding="utf-8"), settings.only) + notes
    listings = doc_section(listing_settings(settings))
    audit = audit_doc_section(access_log_settings(settings))
    wallet = (
        wallet_doc_section(county_wallet_settings(settings))
        + WALLET_PAGE_DOC
        + flags_doc_section(FlagBenchSettings())
        + chat_doc_section()
        + "\n"
        + delivery_doc_section(delivery_settings(settings))
        + "\n"
        + mix_doc_section(load_mix_settings(settings))
    )
    return DOC_TEMPLATE.format(
        run_line=run_line, table="\n".join(rows), notes="\n".join(notes), listings=listings, audit=audit, wallet=wallet
    )


STEP_NOTES: dict[str, str | tuple[str, ...]] = {
    "choices": "- Listings",
    "audit": "- Access log",
    "wallet": "- Wallet import",
    "flags": "- Review console",
    "chat": "- Chat ",  # the assistant's and the delivery's
    "mix": "- Load test",
    "throughput": ("- Compare page", "- Requests per second", "- Logged-in pages"),
}  # how the notes of a step that runs alone begin


def kept_notes(doc: str, only: str) -> list[str]:
    """The notes of the last run's document that a run of step `only` alone does not write again."""
    latest = doc.partition("## Latest run")[2]
    own = STEP_NOTES[only]
    prefixes = ("- Only ", *((own,) if isinstance(own, str) else own))
    return [line for line in latest.splitlines() if line.startswith("- ") and not line.startswith(prefixes)]


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
        )
    except OSError:
        return "unknown"
    return done.stdout.strip() or "unknown"


# -- the run --------------------------------------------------------------------------------------------------


def run_benchmark(settings: Settings) -> dict[str, float]:
    started = time.perf_counter()
    work = settings.work_dir or settings.cache_dir / "work"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    run = Run()
    run.figures["machine_cpus"] = os.cpu_count() or 1
    if settings.only in (None, "throughput"):
        run.figures["feed_locations"] = settings.locations
        run.figures["feed_municipalities"] = settings.municipalities
        feed = cached_feed(settings)
        sqlite_path = work / "catalogue.sqlite3"
        if settings.only is None:
            measure_imports(settings, feed, sqlite_path, run)
        else:
            log("importing into a fresh SQLite catalogue (not measured: only the throughput is)")
            run_import_child(f"sqlite:///{sqlite_path}", feed, migrate=True)
        database_url = f"sqlite:///{sqlite_path}"
        municipality = measure_search(settings, database_url, run)
        measure_throughput(settings, database_url, municipality, work, run)
        run.figures["server_workers"] = settings.workers
        run.figures["load_threads"] = settings.load_threads
        run.figures["load_seconds"] = settings.load_seconds
        run.figures["load_rounds"] = settings.rounds
    if settings.only in (None, "choices"):
        measure_listings(settings, work, run)
    if settings.only in (None, "audit"):
        measure_access_log(settings, run)
    if settings.only in (None, "wallet"):
        measure_wallet_import(settings, work, run)
        measure_wallet_pages(work, run)
    if settings.only in (None, "flags"):
        measure_review_console(settings, work, run)
    if settings.only in (None, "chat"):
        measure_chat(run)
        measure_chat_delivery(settings, work, run)
    if settings.only in (None, "mix"):
        measure_load_mix(settings, work, run)
    if settings.only is not None:  # over the last full run's figures, whose run time stays
        if not settings.results_path.is_file():
            raise BenchError(f"--only {settings.only} merges into {settings.results_path}: run the whole bench first")
        earlier = json.loads(settings.results_path.read_text(encoding="utf-8"))
        run.figures = {**earlier, **run.figures, "machine_cpus": run.figures["machine_cpus"]}
    else:
        run.figures["bench_run_seconds"] = round(time.perf_counter() - started, 1)
    results = ordered_results(run.figures)
    settings.results_path.parent.mkdir(parents=True, exist_ok=True)
    settings.results_path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if settings.doc_path is not None:
        settings.doc_path.parent.mkdir(parents=True, exist_ok=True)
        settings.doc_path.write_text(render_doc(results, run, settings), encoding="utf-8")
    log(f"wrote {settings.results_path}" + (f" and {settings.doc_path}" if settings.doc_path else ""))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    defaults = Settings()
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=defaults.locations)
    parser.add_argument("--municipalities", type=int, default=defaults.municipalities)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--queries", type=int, default=defaults.queries, help="distinct searches to time")
    parser.add_argument("--workers", type=int, default=defaults.workers, help="gunicorn workers per app")
    parser.add_argument("--load-threads", type=int, default=defaults.load_threads)
    parser.add_argument("--load-seconds", type=float, default=defaults.load_seconds, help="one measuring window")
    parser.add_argument("--rounds", type=int, default=defaults.rounds, help="windows per app, alternating")
    parser.add_argument("--warmup-seconds", type=float, default=defaults.warmup_seconds)
    parser.add_argument(
        "--logged-in-residents", type=int, default=defaults.logged_in_residents, help="residents logged in"
    )
    parser.add_argument("--no-postgresql", action="store_true", help="skip the import into PostgreSQL and the listings")
    parser.add_argument("--postgresql-url", help="a PostgreSQL server to import into, instead of pgserver")
    parser.add_argument(
        "--only",
        choices=["throughput", "choices", "audit", "wallet", "flags", "chat", "mix"],
        default=os.environ.get("BENCH_ONLY") or None,
        help="only the throughput (with the search step before it), the listings, the access log, the wallet, the "
        "review console, the chat (the assistant and the delivery between processes) or the load test, merged into "
        "the existing "
        "results (default: $BENCH_ONLY)",
    )
    parser.add_argument("--audit-rows", type=int, help="access log rows to verify (default: 20 per location)")
    parser.add_argument("--choice-residents", type=int, help="residents for the listings (default: 10 per location)")
    parser.add_argument("--choice-seconds", type=float, help="each listing window (default: twice --load-seconds)")
    parser.add_argument("--cache-dir", type=Path, default=defaults.cache_dir)
    parser.add_argument("--results", type=Path, default=defaults.results_path)
    parser.add_argument("--doc", type=Path, default=defaults.doc_path)
    args = parser.parse_args(argv)
    settings = Settings(
        locations=args.locations,
        municipalities=args.municipalities,
        seed=args.seed,
        queries=args.queries,
        workers=args.workers,
        load_threads=args.load_threads,
        load_seconds=args.load_seconds,
        rounds=args.rounds,
        warmup_seconds=args.warmup_seconds,
        logged_in_residents=args.logged_in_residents,
        postgresql=not args.no_postgresql,
        postgresql_url=args.postgresql_url,
        cache_dir=args.cache_dir,
        results_path=args.results,
        doc_path=args.doc,
        only=args.only,
    )
    if args.audit_rows:
        settings.audit = AuditSettings(rows=args.audit_rows)
    if args.choice_residents or args.choice_seconds:
        scaled = listing_settings(settings)
        settings.choices = ChoiceSettings(
            residents=args.choice_residents or scaled.residents,
            seconds=args.choice_seconds or scaled.seconds,
            warmup_seconds=scaled.warmup_seconds,
        )
    try:
        results = run_benchmark(settings)
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    for key, value in results.items():
        print(f"{key:40} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
