"""`python -m bench.scaling` (the last part of `make bench`): the size-dependent steps again at a tenth of the size.

`bench.run` measures at national catalogue scale: 50 000 locations, 500 000 residents with listings, 1 000 000
access-log rows, 20 000 voucher holders, 100 000 flags. This runs the steps whose cost depends on those sizes
(the catalogue import and search, the listings, the access log, the wallet import, the review console) at a tenth
of each, on the same machine right after, writes the figures to bench/results-tenth.json, and renders the table of
docs/scaling.md between its markers: each figure at both sizes, the growth between them, and the exponent `k`
in `cost ∝ size^k` that growth implies (1: linear, 0: flat). docs/scaling.md's prose reads its claims off that table.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Sequence
from pathlib import Path

from bench.flags import FlagBenchSettings
from bench.load import BenchError
from bench.run import (
    REPO_ROOT,
    RESULTS_PATH,
    Run,
    Settings,
    _flags_child,
    cached_feed,
    log,
    measure_access_log,
    measure_imports,
    measure_listings,
    measure_search,
    measure_wallet_import,
    postgresql_server,
    scratch_database,
)

TENTH_RESULTS_PATH = REPO_ROOT / "bench" / "results-tenth.json"
DOC_PATH = REPO_ROOT / "docs" / "scaling.md"
TABLE_START = "<!-- bench.scaling table: start (written by `python -m bench.scaling`, do not edit by hand) -->"
TABLE_END = "<!-- bench.scaling table: end -->"
FACTOR = 10

# The figures compared, with what each one's size is. Only figures both runs write.
COMPARED: dict[str, str] = {
    "catalogue_import_seconds": "locations in the feed",
    "catalogue_reimport_seconds": "locations in the feed",
    "catalogue_import_peak_rss_mb": "locations in the feed",
    "catalogue_index_build_seconds": "locations in the catalogue",
    "catalogue_search_p95_ms": "locations in the catalogue",
    "choice_listing_report_seconds": "residents with listings",
    "choice_switches_per_second": "residents with listings",
    "choice_confirm_p95_ms": "residents with listings",
    "audit_verify_seconds": "access-log rows",
    "audit_verify_peak_rss_mb": "access-log rows",
    "audit_append_p95_ms": "access-log rows",
    "wallet_import_seconds": "voucher holders and transactions",
    "wallet_import_peak_rss_mb": "voucher holders and transactions",
    "flags_queue_p95_ms_postgresql": "flags",
    "flags_similar_p95_ms_postgresql": "flags",
}


def tenth_settings(full: Settings) -> Settings:
    return Settings(
        locations=full.locations // FACTOR,
        municipalities=full.municipalities,
        results_path=TENTH_RESULTS_PATH,
        doc_path=None,
        work_dir=full.cache_dir / "work-tenth",
    )


def measure_tenth(settings: Settings) -> dict[str, float]:
    """The size-dependent steps of `bench.run` at `settings` (a tenth of the national scale), figures only."""
    work = settings.work_dir or settings.cache_dir / "work-tenth"
    work.mkdir(parents=True, exist_ok=True)
    run = Run()
    feed = cached_feed(settings)
    sqlite_path = work / "catalogue.sqlite3"
    measure_imports(settings, feed, sqlite_path, run)
    measure_search(settings, f"sqlite:///{sqlite_path}", run)
    measure_listings(settings, work, run)
    measure_access_log(settings, run)
    measure_wallet_import(settings, work, run)
    flags = FlagBenchSettings()
    with postgresql_server(settings) as server_url:
        if server_url is not None:
            with scratch_database(server_url) as database_url:
                log(f"review console: {flags.flags // FACTOR} flags on PostgreSQL")
                found = _flags_child(
                    database_url,
                    "--flags",
                    str(flags.flags // FACTOR),
                    "--providers",
                    str(flags.providers // FACTOR),
                    "--people",
                    str(flags.people // FACTOR),
                )
            run.figures["flags_queue_p95_ms_postgresql"] = found["flags_queue_p95_ms"]
            run.figures["flags_similar_p95_ms_postgresql"] = found["flags_similar_p95_ms"]
    run.figures["feed_locations"] = settings.locations
    return run.figures


def growth_table(tenth: dict[str, float], full: dict[str, float]) -> str:
    lines = [
        f"| figure | size measured | a tenth | full size | growth for {FACTOR}× the size | k in cost ∝ size^k |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for key, size in COMPARED.items():
        if key not in tenth or key not in full:
            continue
        small, large = tenth[key], full[key]
        if small > 0 and large > 0:
            growth = large / small
            exponent = f"{math.log(growth) / math.log(FACTOR):.2f}"
            growth_text = f"{growth:.2f}×"
        else:
            growth_text = exponent = "–"
        lines.append(f"| `{key}` | {size} | {small:g} | {large:g} | {growth_text} | {exponent} |")
    return "\n".join(lines)


def render(doc: str, table: str) -> str:
    if TABLE_START not in doc or TABLE_END not in doc:
        raise BenchError(f"{DOC_PATH} lacks the table markers")
    head, rest = doc.split(TABLE_START, 1)
    _old, tail = rest.split(TABLE_END, 1)
    return f"{head}{TABLE_START}\n{table}\n{TABLE_END}{tail}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scaling", description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS_PATH, help="the full-size figures (bench.run's)")
    parser.add_argument("--render-only", action="store_true", help="only render the table from both results files")
    args = parser.parse_args(argv)
    if not args.results.is_file():
        raise BenchError(f"{args.results} is missing: run `python -m bench.run` first")
    full = json.loads(args.results.read_text(encoding="utf-8"))
    if args.render_only:
        tenth = json.loads(TENTH_RESULTS_PATH.read_text(encoding="utf-8"))
    else:
        started = time.perf_counter()
        settings = tenth_settings(Settings(locations=int(full.get("feed_locations", Settings.locations))))
        tenth = measure_tenth(settings)
        tenth["bench_run_seconds"] = round(time.perf_counter() - started, 1)
        TENTH_RESULTS_PATH.write_text(json.dumps(tenth, indent=2) + "\n", encoding="utf-8")
    DOC_PATH.write_text(render(DOC_PATH.read_text(encoding="utf-8"), growth_table(tenth, full)), encoding="utf-8")
    log(f"wrote {TENTH_RESULTS_PATH} and the table of {DOC_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
