"""The wallet import at county scale: 20 000 voucher holders and 2 000 personal budgets with 300 000 transactions.

`measure_wallet(work_dir, settings)`:

1. writes a synthetic JSON export of a county of 500 000 residents (`write_county_export`: vouchers of every kind
   for `holders` people, a quarter of them with two, each accepted by 3-8 of 300 providers; `budgets` budgets of
   other people with four allocations and `transactions` transactions among them, over ten months), cached under
   bench/.cache/ keyed by its parameters and this file's source;
2. in a child process, migrates a fresh SQLite database and writes the holders as people (`Person`, with the keyed
   hash of a synthetic temporary identity code each, in bulk): not part of any figure;
3. imports the export in a child process of its own (`python -m bench.wallet import URL EXPORT`), which reports
   the import's wall time and its own peak RSS (`ru_maxrss`, the app and libraries included): `import_files`, as
   `flask --app portal wallet import` runs it;
4. imports the same export again into the same database, in another child: every record is read, validated and
   hashed, and none is written (the run fails if one is).

`doc_section` says the same for docs/performance.md; bench/run.py compares the figures with their targets.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.load import BenchError

REPO_ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = REPO_ROOT / "bench" / ".cache" / "wallet"
TODAY = date(2026, 11, 22)
PROVIDERS = 300
_NAMESPACE = uuid.UUID("5d0c8a52-0c3e-4f4e-9a8e-7b5f1d2c3b4a")
HETU_KEY = "bench-hetu-key-for-the-synthetic-county-0001"
VOUCHER_SERVICES = (  # (code, fi, sv, en, kind, unit, euros per unit, units granted)
    ("home_care", "Kotihoito", "Hemvård", "Home care", "client", "hour", 3800, 96),
    ("home_nursing", "Kotisairaanhoito", "Hemsjukvård", "Home nursing", "client", "visit", 4500, 48),
    ("housing_services", "Asumispalvelut", "Boendetjänster", "Housing services", "client", "day", 14_500, 365),
    ("social_rehabilitation", "Sosiaalinen kuntoutus", "Social rehabilitering", "Social rehabilitation", "client",
     "day", 6500, 40),
    ("dental_prosthetics", "Hammasproteettinen hoito", "Tandprotetisk vård", "Dental prosthetics", "service",
     "treatment", 90_000, 1),
)  # fmt: skip
BUDGET_SERVICES = (  # (code, fi, sv, en, euros a month)
    ("home_care", "Kotihoito", "Hemvård", "Home care", 600),
    ("meals", "Ateriapalvelu", "Måltidsservice", "Meal service", 200),
    ("day_activity", "Päivätoiminta", "Dagverksamhet", "Day activities", 240),
    ("transport", "Kuljetuspalvelu", "Färdtjänst", "Transport service", 160),
)


@dataclass
class WalletSettings:
    holders: int = 20_000
    budgets: int = 2_000
    transactions: int = 300_000
    seed: int = 2026
    cache_dir: Path = CACHE_DIR


@dataclass
class WalletResult:
    figures: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def _print(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def synthetic_hetu(number: int) -> str:
    """A valid temporary identity code (individual number 900-999), different for each number below 3 650 000."""
    from portal.demo.personas import temporary_hetu

    born = date(1925, 1, 1) + timedelta(days=number // 100)
    sign = "-" if born.year < 2000 else "A"
    return temporary_hetu(born.strftime("%d%m%y"), sign, 900 + number % 100)


def _euros(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _provider(number: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"provider-{number}"))


def county_vouchers(settings: WalletSettings) -> Iterator[dict[str, Any]]:
    rng = random.Random(settings.seed)
    for holder in range(settings.holders):
        for second in range(2 if holder % 4 == 0 else 1):
            code, fi, sv, en, kind, unit, cents, granted = VOUCHER_SERVICES[rng.randrange(len(VOUCHER_SERVICES))]
            start = TODAY - timedelta(days=rng.randrange(20, 400))
            used = rng.randrange(0, granted + 1)
            providers = rng.sample(range(PROVIDERS), rng.randrange(3, 9))
            yield {
                "id": f"V-{holder:06d}-{second}",
                "holder": synthetic_hetu(holder),
                "service": {"code": code, "name": {"fi": fi, "sv": sv, "en": en}},
                "kind": kind,
                "unit": unit,
                "value_per_unit": _euros(cents),
                "value_total": _euros(cents * granted),
                "units_granted": granted,
                "units_used": used,
                "used": _euros(cents * used),
                "valid_from": start.isoformat(),
                "valid_to": (start + timedelta(days=364)).isoformat(),
                "decision_ref": f"SET-{start.year}-{holder:06d}",
                "providers": [
                    {
                        "id": _provider(p),
                        "name": f"Palveluntuottaja {p}",
                        "price": _euros(cents + rng.randrange(0, 4) * 500) if kind == "service" else None,
                    }
                    for p in providers
                ],
                "refused_on": None,
            }


def county_budgets(settings: WalletSettings) -> Iterator[dict[str, Any]]:
    rng = random.Random(settings.seed + 1)
    per_budget, extra = divmod(settings.transactions, max(settings.budgets, 1))
    for number in range(settings.budgets):
        holder = settings.holders + number
        start = TODAY.replace(day=1) - timedelta(days=300)
        start = start.replace(day=1)
        monthly = sum(service[4] for service in BUDGET_SERVICES)
        transactions = []
        for t in range(per_budget + (1 if number < extra else 0)):
            code = BUDGET_SERVICES[t % len(BUDGET_SERVICES)][0]
            day = start + timedelta(days=rng.randrange(0, (TODAY - start).days))
            status = "cancelled" if rng.random() < 0.01 else "reserved" if day.month == TODAY.month else "paid"
            transactions.append(
                {
                    "id": f"T-{t:05d}",
                    "date": day.isoformat(),
                    "provider": {"id": _provider(rng.randrange(PROVIDERS)), "name": "Palveluntuottaja"},
                    "service_code": code,
                    "amount": _euros(rng.randrange(1500, 9000)),
                    "status": status,
                }
            )
        yield {
            "id": f"B-{number:05d}",
            "holder": synthetic_hetu(holder),
            "period": {"start": start.isoformat(), "end": (start + timedelta(days=364)).isoformat()},
            "total": _euros(12 * monthly * 100),
            "decision_ref": f"HB-{start.year}-{number:05d}",
            "allocations": [
                {"service": {"code": code, "name": {"fi": fi, "sv": sv, "en": en}}, "amount": _euros(12 * euros * 100)}
                for code, fi, sv, en, euros in BUDGET_SERVICES
            ],
            "transactions": transactions,
            "refused_on": None,
        }


def write_county_export(path: Path, settings: WalletSettings) -> dict[str, int]:
    """Write the export record by record (never whole in memory); returns what it holds."""
    counts = {"vouchers": 0, "budgets": 0, "transactions": 0}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        out.write('{"format": "valinta.wallet/1",\n "vouchers": [\n')
        for number, record in enumerate(county_vouchers(settings)):
            out.write((",\n" if number else "") + json.dumps(record, ensure_ascii=False))
            counts["vouchers"] += 1
        out.write('\n ],\n "budgets": [\n')
        for number, record in enumerate(county_budgets(settings)):
            out.write((",\n" if number else "") + json.dumps(record, ensure_ascii=False))
            counts["budgets"] += 1
            counts["transactions"] += len(record["transactions"])
        out.write("\n ]\n}\n")
    return counts


def cached_export(settings: WalletSettings, log: Callable[[str], None] = _print) -> tuple[Path, dict[str, int]]:
    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    key = f"wallet-{settings.holders}-{settings.budgets}-{settings.transactions}-seed{settings.seed}-{digest}"
    path = settings.cache_dir / f"{key}.json"
    marker = settings.cache_dir / f"{key}.counts.json"
    if path.is_file() and marker.is_file():
        return path, json.loads(marker.read_text(encoding="utf-8"))
    for stale in settings.cache_dir.glob(f"wallet-{settings.holders}-{settings.budgets}-{settings.transactions}-*"):
        stale.unlink()
    log(f"writing the county's wallet export ({settings.holders} holders, {settings.budgets} budgets)")
    started = time.perf_counter()
    counts = write_county_export(path, settings)
    marker.write_text(json.dumps(counts), encoding="utf-8")
    log(f"export written in {time.perf_counter() - started:.1f} s ({path.stat().st_size / 1e6:.0f} MB)")
    return path, counts


# -- the children -------------------------------------------------------------------------------------------------


def bench_app(database_url: str) -> Any:
    from portal import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RESIDENT_OIDC_ISSUER": "",
            "STAFF_OIDC_ISSUER": "",
            "HETU_HASH_KEY": HETU_KEY,
            "HETU_ALLOW_TEMPORARY": True,  # the synthetic codes are temporary ones, as the demo's
        }
    )


def prepare_child(database_url: str, people: int) -> dict[str, float]:
    """Migrate a fresh database and write `people` persons with hashed synthetic identity codes, in bulk."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from portal.auth import identity
    from portal.extensions import db
    from portal.models import Person
    from portal.models._types import new_public_id, utcnow

    app = bench_app(database_url)
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        now = utcnow()
        rows = []
        for number in range(people):
            code = synthetic_hetu(number)
            rows.append(
                {
                    "public_id": new_public_id(),
                    "oidc_issuer": "bench",
                    "oidc_subject": f"holder-{number}",
                    "hetu_hash": identity.lookup_hash(code, HETU_KEY),
                    "hetu_masked": identity.masked(code),
                    "birth_date": identity.birth_date(code),
                    "given_name": "Penkki",
                    "family_name": f"Haltija {number}",
                    "home_municipality_code": "106",
                    "created_at": now,
                }
            )
        db.session.execute(insert(Person), rows)
        db.session.commit()
        db.engine.dispose()
    return {"seconds": time.perf_counter() - started, "people": people}


def peak_rss_mb() -> float:
    """This process's peak resident set size; Linux reports ru_maxrss in KiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def import_child(database_url: str, export: str) -> dict[str, Any]:
    from portal.wallet.importer import import_files

    app = bench_app(database_url)
    with app.app_context():
        started = time.perf_counter()
        result = import_files([export])
        seconds = time.perf_counter() - started
        from portal.extensions import db

        db.engine.dispose()
    return {
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
        "outcome": result.outcome,
        "counts": result.counts,
        "problems": [str(p) for p in result.problems[:5]],
    }


def run_child(*args: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.wallet", *args]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise BenchError(f"bench.wallet {args[0]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


# -- the measurement ----------------------------------------------------------------------------------------------


def measure_wallet(
    work_dir: Path,
    settings: WalletSettings,
    log: Callable[[str], None] = _print,
    postgresql_url: str | None = None,
) -> WalletResult:
    """Steps 1-4 on SQLite; with `postgresql_url` (an empty scratch database) the first import on PostgreSQL too."""
    export, counts = cached_export(settings, log)
    database = work_dir / "wallet.sqlite3"
    work_dir.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{database}"
    people = settings.holders + settings.budgets
    prepared = run_child("prepare", url, str(people))
    log(f"wallet: {people} holders written as people in {prepared['seconds']:.1f} s")
    first = run_child("import", url, str(export))
    written = first["counts"]
    expected = {
        "vouchers_added": counts["vouchers"],
        "budgets_added": counts["budgets"],
        "transactions_added": counts["transactions"],
    }
    if first["outcome"] != "imported" or any(written.get(key) != value for key, value in expected.items()):
        raise BenchError(f"the wallet import did not store the export: {first}")
    log(f"wallet import: {first['seconds']:.1f} s, peak RSS {first['peak_rss_mb']:.0f} MB")
    again = run_child("import", url, str(export))
    changed = {key: value for key, value in again["counts"].items() if key.endswith(("_added", "_changed")) and value}
    if again["outcome"] != "imported" or changed:
        raise BenchError(f"importing the same wallet export again wrote {changed or again}")
    log(f"wallet re-import, unchanged: {again['seconds']:.1f} s, peak RSS {again['peak_rss_mb']:.0f} MB")
    result = WalletResult()
    result.figures.update(
        {
            "wallet_holders": settings.holders,
            "wallet_vouchers": counts["vouchers"],
            "wallet_budgets": counts["budgets"],
            "wallet_transactions": counts["transactions"],
            "wallet_export_mb": round(export.stat().st_size / 1e6, 1),
            "wallet_import_seconds": round(first["seconds"], 2),
            "wallet_import_peak_rss_mb": round(first["peak_rss_mb"], 1),
            "wallet_reimport_unchanged_seconds": round(again["seconds"], 2),
            "wallet_reimport_peak_rss_mb": round(again["peak_rss_mb"], 1),
        }
    )
    if postgresql_url is not None:
        run_child("prepare", postgresql_url, str(people))
        pg = run_child("import", postgresql_url, str(export))
        if pg["outcome"] != "imported" or pg["counts"].get("transactions_added") != counts["transactions"]:
            raise BenchError(f"the wallet import into PostgreSQL did not store the export: {pg}")
        result.figures["wallet_import_seconds_postgresql"] = round(pg["seconds"], 2)
        log(f"wallet import into PostgreSQL: {pg['seconds']:.1f} s, peak RSS {pg['peak_rss_mb']:.0f} MB")
    result.notes["wallet"] = (
        f"{written.get('warnings', 0)} unknown providers warned of (the bench database has no catalogue); "
        f"re-import: {again['counts'].get('vouchers_unchanged', 0)} vouchers and "
        f"{again['counts'].get('budgets_unchanged', 0)} budgets unchanged"
    )
    return result


def _spaced(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def doc_section(settings: WalletSettings) -> str:
    return f"""\
6. **Wallet import.** A synthetic export of the organiser's voucher system for a county of 500 000 residents
   (`bench/wallet.py`): {_spaced(settings.holders)} voucher holders (a quarter with two vouchers, each accepted by
   3–8 providers) and {_spaced(settings.budgets)} personal budgets with {_spaced(settings.transactions)} transactions,
   as one JSON export (docs/wallet-format.md). The holders are written as people first (with the keyed hash of a
   synthetic temporary identity code each; not timed). Then `import_files` of the export into that fresh, migrated
   SQLite database in a child process that reports the import's wall time and its own peak RSS (the app and
   libraries included), as for the catalogue: the JSON is read as a stream, validated with the pydantic models and
   written with bulk statements in one transaction. Then the same export again: every record is read, validated and
   hashed, and nothing is written. When PostgreSQL is at hand, the first import is repeated into a fresh PostgreSQL
   database.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.wallet", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    prepare = sub.add_parser("prepare", help="migrate DATABASE_URL and write PEOPLE holders")
    prepare.add_argument("database_url")
    prepare.add_argument("people", type=int)
    run = sub.add_parser("import", help="import EXPORT into DATABASE_URL and print the figures as JSON")
    run.add_argument("database_url")
    run.add_argument("export")
    measure = sub.add_parser("measure", help="the whole step, printing the figures")
    measure.add_argument("--holders", type=int, default=WalletSettings.holders)
    measure.add_argument("--budgets", type=int, default=WalletSettings.budgets)
    measure.add_argument("--transactions", type=int, default=WalletSettings.transactions)
    measure.add_argument("--work-dir", type=Path, default=CACHE_DIR / "work")
    args = parser.parse_args(argv)
    if args.command == "prepare":
        figures: dict[str, Any] = prepare_child(args.database_url, args.people)
    elif args.command == "import":
        figures = import_child(args.database_url, args.export)
    else:
        settings = WalletSettings(holders=args.holders, budgets=args.budgets, transactions=args.transactions)
        figures = measure_wallet(args.work_dir, settings).figures
    sys.stdout.write(json.dumps(figures) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
