"""The access log's hash chain at scale, on PostgreSQL: `audit verify` over 1 000 000 sealed rows.

`measure_audit(database_url, settings)` works in a fresh PostgreSQL database:

1. migrates it, writes 10 000 residents (`PEOPLE_SQL`) for the rows to be about, and fills `audit_event` with
   `rows` rows sealed by the portal's own `seal()` (the chain computed here in Python, one row after another)
   through COPY; then VACUUM ANALYZE, as autovacuum would have left a log in use. Not part of any figure but
   `audit_fill_seconds`;
2. runs `verify` (what `flask --app portal audit verify` runs) in a child process of its own
   (`python -m bench.audit verify URL`), which reports the time of the verification alone and its own peak RSS:
   the table is streamed through a server-side cursor, so the figure must not grow with the table;
3. appends `appends` rows on top with `record_event` (one committed transaction each, as a request writes one:
   the advisory lock, the new id and the previous seal in one query, the sealed insert) and times them;
4. edits one row in the middle with plain SQL and checks that `verify` names that very row (a run where it does
   not fails).

`DOC_SECTION` says the same for docs/performance.md; bench/run.py compares the figures with their targets.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bench.load import BenchError

REPO_ROOT = Path(__file__).resolve().parent.parent
PEOPLE = 10_000
ACTIONS = (  # (action, share of the log, whose data: own or someone else's)
    ("login", 30, False),
    ("logout", 20, False),
    ("access_denied", 5, False),
    ("wallet_viewed", 20, True),
    ("listing_chosen", 5, True),
    ("override_list_viewed", 10, True),
    ("acting_started", 5, True),
    ("role_granted", 5, False),
)
PEOPLE_SQL = """\
INSERT INTO person (id, public_id, oidc_issuer, oidc_subject, hetu_hash, hetu_masked, birth_date, given_name,
                    family_name, created_at)
SELECT i, 'audit' || i, 'bench', 'audit-' || i, md5('audit-' || i), '010101-****', DATE '1950-01-01' + i % 20000,
       'Penkki', 'Asukas' || i, now()
FROM generate_series(1, :n) AS i"""
COPY_SQL = (
    "COPY audit_event (id, occurred_at, action, actor_kind, actor_id, subject_person_id, request_id, detail, basis,"
    " reason, chain_hash) FROM STDIN"
)


@dataclass
class AuditSettings:
    rows: int = 1_000_000
    appends: int = 300
    batch: int = 10_000  # rows per fetch of the verifying cursor, as the command's default


@dataclass
class AuditResult:
    figures: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def _print(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def bench_app(database_url: str):
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "RESIDENT_OIDC_ISSUER": "", "STAFF_OIDC_ISSUER": ""})


def log_rows(count: int, seed: int = 20261122) -> Iterator[tuple]:
    """`count` plausible access-log rows (the sealed fields, in SEALED_COLUMNS order), two years of them."""
    rng = random.Random(seed)  # nosec B311  synthetic data, not security
    actions = [name for name, share, _ in ACTIONS for _ in range(share)]
    about_others = {name for name, _, others in ACTIONS if others}
    start = datetime(2024, 11, 22)
    step = timedelta(days=730) / max(count, 1)
    for i in range(1, count + 1):
        action = rng.choice(actions)
        staff = action in about_others and rng.random() < 0.6
        subject = rng.randint(1, PEOPLE) if action in about_others else None
        detail = json.dumps({"path": f"/wallet/{rng.randint(1, 99999)}", "page": rng.randint(1, 40)}, sort_keys=True)
        yield (
            i,
            start + step * i + timedelta(microseconds=rng.randint(0, 999_999)),
            action,
            "staff" if staff else "resident",
            rng.randint(1, 500) if staff else rng.randint(1, PEOPLE),
            subject,
            f"{rng.getrandbits(64):016x}",
            detail,
            ("role:helpline" if staff else f"mandate:{rng.getrandbits(128):032x}") if subject else None,
            "Puhelu asiakkaalta, hän pyysi tarkistamaan saldonsa" if staff and subject else None,
        )


def fill(database_url: str, rows: int, key: bytes) -> float:
    """Write `rows` sealed rows with COPY; returns the seconds it took (sealing included)."""
    import psycopg

    from portal.audit.chain import seal

    started = time.perf_counter()
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://", 1)) as connection:
        with connection.cursor() as cursor, cursor.copy(COPY_SQL) as copy:
            previous = None
            for fields in log_rows(rows):
                previous = seal(key, fields, previous)
                copy.write_row((*fields, previous))
        connection.execute("SELECT setval(pg_get_serial_sequence('audit_event', 'id'), max(id)) FROM audit_event")
    seconds = time.perf_counter() - started
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True) as c:
        c.execute("VACUUM ANALYZE audit_event")
    return seconds


def run_verify_child(database_url: str, batch: int) -> dict:
    command = [sys.executable, "-m", "bench.audit", "verify", database_url, "--batch", str(batch)]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise BenchError(f"the verifying child failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def verify_child(database_url: str, batch: int) -> dict:
    """In a process of its own: the app, then `verify` timed alone; its report and this process's peak RSS."""
    from sqlalchemy import text

    from portal.audit.chain import chain_key, verify
    from portal.extensions import db

    app = bench_app(database_url)
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # the connection is not part of the figure
        started = time.perf_counter()
        report = verify(db.session, chain_key(app.config), batch=batch)
        seconds = time.perf_counter() - started
        db.session.rollback()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    first = report.first
    return {
        "seconds": seconds,
        "peak_rss_mb": peak_kb / 1024,
        "verified": report.verified,
        "legacy": report.legacy,
        "mismatches": report.mismatches,
        "first_id": first.id if first else None,
        "first_problem": first.problem if first else None,
    }


def time_appends(count: int) -> list[float]:
    """`count` record_event calls, each its own committed transaction; milliseconds each."""
    from portal.auth.services import CurrentUser, record_event

    staff = CurrentUser("staff", 1, "Penkki", roles=frozenset({"helpline"}))
    samples = []
    for i in range(count):
        started = time.perf_counter()
        record_event(
            "wallet_viewed", actor=staff, subject_person_id=1 + i % PEOPLE, basis="role:helpline", reason="bench"
        )
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round((len(ordered) - 1) * q / 100))]


def measure_audit(database_url: str, settings: AuditSettings, log: Callable[[str], None] = _print) -> AuditResult:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from portal.audit.chain import chain_key
    from portal.extensions import db

    result = AuditResult()
    app = bench_app(database_url)
    with app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(text(PEOPLE_SQL), {"n": PEOPLE})
        key = chain_key(app.config)
        db.session.remove()
        db.engine.dispose()
    log(f"access log: sealing and writing {settings.rows} rows with COPY")
    result.figures["audit_rows"] = settings.rows
    result.figures["audit_fill_seconds"] = round(fill(database_url, settings.rows, key), 2)
    log(f"access log: written in {result.figures['audit_fill_seconds']} s; verifying")
    verified = run_verify_child(database_url, settings.batch)
    if verified["mismatches"] or verified["verified"] != settings.rows:
        raise BenchError(f"the bench's own chain did not verify: {verified}")
    result.figures["audit_verify_seconds"] = round(verified["seconds"], 2)
    result.figures["audit_verify_peak_rss_mb"] = round(verified["peak_rss_mb"], 1)
    log(f"verify: {verified['seconds']:.1f} s, peak RSS {verified['peak_rss_mb']:.0f} MB")

    with app.app_context():
        samples = time_appends(settings.appends)
        result.figures["audit_append_p50_ms"] = round(_percentile(samples, 50), 2)
        result.figures["audit_append_p95_ms"] = round(_percentile(samples, 95), 2)
        middle = settings.rows // 2
        db.session.execute(text("UPDATE audit_event SET detail = '{}' WHERE id = :id"), {"id": middle})
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    log(f"record_event: p50 {result.figures['audit_append_p50_ms']} ms, p95 {result.figures['audit_append_p95_ms']} ms")
    tampered = run_verify_child(database_url, settings.batch)
    if (tampered["first_id"], tampered["first_problem"], tampered["mismatches"]) != (middle, "content", 1):
        raise BenchError(f"verify did not name the row edited in the middle ({middle}): {tampered}")
    result.notes["audit_tampered"] = (
        f"row {middle} edited with SQL afterwards: verify named it ({tampered['seconds']:.1f} s), and nothing else"
    )
    log(f"access log: the row edited in the middle ({middle}) was named")
    return result


DOC_SECTION = """\
5. **Access log.** On PostgreSQL (`bench/audit.py`), `audit_event` is filled with {rows} rows, each sealed into
   the hash chain by the portal's own `seal()` in Python and written with COPY (`audit_fill_seconds`). Then
   `verify`, what `flask --app portal audit verify` runs, checks them all in a child process that reports the
   verification's time alone and its own peak RSS: rows are streamed through a server-side cursor
   ({batch} a fetch) as plain tuples, so memory stays flat however long the log. Then {appends} `record_event`
   calls, one committed transaction each (the advisory lock, the new id and the previous seal in one query, the
   sealed insert), are timed on top of the full table; last, one row in the middle is edited with SQL and the
   run fails unless `verify` names that row.
"""


def doc_section(settings: AuditSettings) -> str:
    return DOC_SECTION.format(
        rows=f"{settings.rows:,}".replace(",", " "), batch=settings.batch, appends=settings.appends
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.audit")
    commands = parser.add_subparsers(dest="command", required=True)
    child = commands.add_parser("verify", help="verify the access log of DATABASE_URL; print one JSON line")
    child.add_argument("database_url")
    child.add_argument("--batch", type=int, default=AuditSettings.batch)
    args = parser.parse_args(argv)
    print(json.dumps(verify_child(args.database_url, args.batch)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
