"""The access log's hash chain (portal/audit/chain.py) on SQLite and PostgreSQL: a normal log verifies; an edited,
deleted, forged, unsealed or moved row is named; legacy rows before the chain are counted; concurrent appends from
threads with their own connections leave one linear chain; `flask audit verify` exits 0 or 1."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from portal.audit.chain import CONTENT, LINK, UNSEALED, Report, chain_key, seal, sealed_fields, verify
from portal.auth.services import CurrentUser, record_event
from portal.extensions import db
from portal.models import AuditEvent, Person
from portal.models._types import utcnow
from tests.conftest import REPO_ROOT
from tests.functional.test_choice_rules import make_person

STAFF = CurrentUser("staff", 7, "Liisa", roles=frozenset({"helpline"}))


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app
        db.session.remove()


def person() -> int:
    taken = db.session.scalar(select(func.count()).select_from(Person))
    return make_person(number=taken + 1).id


def write_log(count: int = 6) -> list[int]:
    subject = person()
    for i in range(count):
        record_event(
            "wallet_viewed" if i % 2 else "login",
            actor=STAFF,
            subject_person_id=subject if i % 2 else None,
            basis="role:helpline" if i % 2 else None,
            reason=f"phone call {i}" if i % 2 else None,
            page=i,
        )
    return list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def check(app: Flask, batch: int = 3) -> Report:
    db.session.rollback()  # a fresh snapshot: the raw SQL below committed on this session's connection
    return verify(db.session, chain_key(app.config), batch=batch)


def run_sql(statement: str, **values: object) -> None:
    db.session.execute(text(statement), values)
    db.session.commit()


def test_a_normal_log_verifies_and_every_row_is_sealed(ctx):
    ids = write_log()
    report = check(ctx)
    assert report.ok and report.verified == len(ids) == 6 and report.legacy == 0 and report.mismatches == 0
    assert report.last_id == ids[-1]
    hashes = db.session.scalars(select(AuditEvent.chain_hash).order_by(AuditEvent.id)).all()
    assert all(value is not None and len(value) == 64 for value in hashes)
    assert len(set(hashes)) == len(hashes)
    viewed = db.session.scalars(select(AuditEvent).filter_by(action="wallet_viewed")).first()
    assert viewed is not None and viewed.basis == "role:helpline" and viewed.reason == "phone call 1"


def test_an_empty_log_verifies(ctx):
    assert check(ctx).ok and check(ctx).verified == 0


def test_reason_is_bounded_and_escaped(ctx):
    record_event("looked", actor=STAFF, reason="line\r\nforged\x1b[31m" + "A" * 2_000, basis="role:" + "x" * 100)
    event = db.session.scalars(select(AuditEvent)).one()
    assert event.reason is not None and len(event.reason) == 500 and event.reason.endswith("…")
    assert event.reason.startswith("line\\x0d\\x0aforged\\x1b[31m")
    assert event.basis is not None and len(event.basis) == 64
    assert check(ctx).ok


def test_an_edited_row_is_named_as_changed(ctx):
    ids = write_log()
    run_sql("UPDATE audit_event SET detail = :detail WHERE id = :id", detail='{"page": 99}', id=ids[2])
    report = check(ctx)
    assert not report.ok and report.first is not None
    assert (report.first.id, report.first.problem, report.first.action) == (ids[2], CONTENT, "login")
    assert report.verified == 5 and report.mismatches == 1  # the row after it still links to its seal


@pytest.mark.parametrize("column", ["occurred_at", "reason", "basis", "actor_id"])
def test_every_sealed_column_counts(ctx, column):
    ids = write_log()
    value = {"occurred_at": utcnow(), "reason": "another reason", "basis": "role:admin", "actor_id": 8}[column]
    run_sql(f"UPDATE audit_event SET {column} = :value WHERE id = :id", value=value, id=ids[3])  # noqa: S608  # nosec B608
    report = check(ctx)
    assert report.first is not None and (report.first.id, report.first.problem) == (ids[3], CONTENT)


def test_values_sqlite_would_keep_are_named_too(ctx):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL refuses a time that is not one, or bytes for text, when they are written")
    ids = write_log()
    run_sql("UPDATE audit_event SET occurred_at = 'yesterday' WHERE id = :id", id=ids[1])
    run_sql("UPDATE audit_event SET detail = X'00ff' WHERE id = :id", id=ids[3])
    run_sql("UPDATE audit_event SET chain_hash = 12345 WHERE id = :id", id=ids[5])
    report = check(ctx)
    assert report.first is not None and (report.first.id, report.first.problem) == (ids[1], CONTENT)
    assert report.first.occurred_at == "yesterday" and report.mismatches == 3
    result = ctx.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"FAILED: row {ids[1]} (yesterday, " in result.output


def test_a_deleted_row_breaks_the_link_of_the_next(ctx):
    ids = write_log()
    run_sql("DELETE FROM audit_event WHERE id = :id", id=ids[3])
    report = check(ctx)
    assert report.first is not None
    assert (report.first.id, report.first.problem, report.first.previous_id) == (ids[4], LINK, ids[2])
    assert report.mismatches == 1


def test_deleting_the_first_rows_is_detected(ctx):
    ids = write_log()
    run_sql("DELETE FROM audit_event WHERE id <= :id", id=ids[1])
    report = check(ctx)
    assert report.first is not None and (report.first.id, report.first.problem) == (ids[2], LINK)
    assert report.first.previous_id is None


def test_a_forged_row_is_detected(ctx):
    ids = write_log()
    last = db.session.scalar(select(AuditEvent.chain_hash).where(AuditEvent.id == ids[-1]))
    forged = ids[-1] + 1_000_000  # beyond the sequence: later tests' rows cannot meet it
    run_sql(
        "INSERT INTO audit_event (id, occurred_at, action, actor_kind, detail, chain_hash)"
        " VALUES (:id, :at, 'role_granted', 'staff', '{}', :hash)",
        id=forged,
        at=utcnow(),
        hash="ab" * 32,
    )
    report = check(ctx)
    assert report.first is not None and (report.first.id, report.first.problem) == (forged, CONTENT)
    # Nor does a seal copied from a real row fit anywhere else.
    run_sql("UPDATE audit_event SET chain_hash = :hash WHERE id = :id", hash=last, id=forged)
    report = check(ctx)
    assert report.first is not None and (report.first.id, report.first.problem) == (forged, CONTENT)


def test_a_seal_made_with_another_key_does_not_fit(ctx):
    ids = write_log(3)
    row = db.session.get_one(AuditEvent, ids[1])
    previous = db.session.scalar(select(AuditEvent.chain_hash).where(AuditEvent.id == ids[0]))
    # Someone who can write to the database but does not hold the key: a seal made with a guessed key.
    guessed = seal(chain_key({"SECRET_KEY": "dev-only-secret-change-me"}), sealed_fields(row), previous)
    run_sql("UPDATE audit_event SET detail = '{}', chain_hash = :hash WHERE id = :id", hash=guessed, id=ids[1])
    report = check(ctx)
    assert report.first is not None and (report.first.id, report.first.problem) == (ids[1], CONTENT)


def test_audit_chain_key_overrides_the_secret(ctx):
    assert chain_key({"SECRET_KEY": "a", "AUDIT_CHAIN_KEY": "b"}) == chain_key({"SECRET_KEY": "b"})
    assert chain_key({"SECRET_KEY": "a", "AUDIT_CHAIN_KEY": ""}) != chain_key({"SECRET_KEY": "b"})
    write_log(2)
    db.session.rollback()
    assert not verify(db.session, chain_key({**ctx.config, "AUDIT_CHAIN_KEY": "another key"})).ok


def test_swapped_ids_are_detected(ctx):
    ids = write_log()
    run_sql("UPDATE audit_event SET id = :temp WHERE id = :id", temp=ids[-1] + 2_000_000, id=ids[2])
    run_sql("UPDATE audit_event SET id = :id WHERE id = :other", id=ids[2], other=ids[3])
    run_sql("UPDATE audit_event SET id = :other WHERE id = :temp", other=ids[3], temp=ids[-1] + 2_000_000)
    report = check(ctx)
    assert report.first is not None and (report.first.id, report.first.problem) == (ids[2], CONTENT)


def test_legacy_rows_before_the_chain_are_counted_and_unsealed_rows_after_it_are_not(ctx):
    for _ in range(3):
        db.session.add(AuditEvent(action="login", actor_kind="resident", actor_id=1, detail="{}"))
    db.session.commit()
    ids = write_log(4)[3:]  # the sealed ones
    report = check(ctx)
    assert report.ok and (report.verified, report.legacy) == (4, 3)

    run_sql("UPDATE audit_event SET chain_hash = NULL WHERE id = :id", id=ids[2])
    report = check(ctx)
    assert report.first is not None and (report.first.id, report.first.problem) == (ids[2], UNSEALED)
    assert report.legacy == 3


def test_a_rolled_back_append_leaves_no_trace(ctx):
    write_log(2)
    record_event("override_list_viewed", actor=STAFF, commit=False)
    db.session.rollback()
    write_log(2)
    assert check(ctx).ok and check(ctx).verified == 4


def test_concurrent_appends_make_one_chain(ctx):
    threads, per_thread = 8, 12
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        with ctx.app_context():
            try:
                barrier.wait()
                for n in range(per_thread):
                    if n % 3 == 0:  # in a caller's transaction, committed with its own change a moment later
                        record_event("outbox_retried", actor=STAFF, commit=False, thread=i, n=n)
                        db.session.execute(select(func.count()).select_from(AuditEvent))
                        db.session.commit()
                    else:
                        record_event("access_denied", actor=STAFF, thread=i, n=n)
            except BaseException as error:  # the test reports it
                errors.append(error)
            finally:
                db.session.remove()

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)
    assert not errors, errors
    report = check(ctx, batch=10)
    assert report.ok, report.first
    assert report.verified == threads * per_thread
    hashes = db.session.scalars(select(AuditEvent.chain_hash)).all()
    assert len(set(hashes)) == len(hashes) == threads * per_thread


APPEND_SCRIPT = """
import os, sys, time
from portal import create_app
from portal.auth.services import CurrentUser, record_event
from portal.extensions import db

app = create_app({"SQLALCHEMY_DATABASE_URI": os.environ["AUDIT_DATABASE_URL"]})
staff = CurrentUser("staff", 7, "Liisa", roles=frozenset({"helpline"}))
with app.app_context():
    db.session.execute(db.select(1))  # connected before the start, so the processes overlap
    db.session.rollback()
    start = float(sys.argv[2])
    time.sleep(max(0.0, start - time.time()))
    for n in range(int(sys.argv[1])):
        record_event("wallet_viewed", actor=staff, basis="role:helpline", reason="process", n=n)
"""


def test_appends_from_separate_processes_make_one_chain(ctx):
    processes, per_process = 4, 25
    env = {**os.environ, "AUDIT_DATABASE_URL": db.engine.url.render_as_string(hide_password=False)}
    start = time.time() + 4  # every child has started its app by then
    children = [
        subprocess.Popen(
            [sys.executable, "-c", APPEND_SCRIPT, str(per_process), str(start)],
            env=env,
            cwd=REPO_ROOT,
            stderr=subprocess.PIPE,
        )
        for _ in range(processes)
    ]
    for child in children:
        _, stderr = child.communicate(timeout=120)
        assert child.returncode == 0, stderr.decode()[-2000:]
    report = check(ctx, batch=7)
    assert report.ok, report.first
    assert report.verified == processes * per_process


def test_the_command_exits_0_on_a_sound_log_and_1_naming_the_row(ctx):
    ids = write_log()
    runner = ctx.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "OK: 6 rows verified (0 legacy rows before the chain)"

    run_sql("UPDATE audit_event SET action = :action WHERE id = :id", action="login\x1b[2J", id=ids[1])
    result = runner.invoke(args=["audit", "verify", "--batch", "2"])
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith(f"FAILED: row {ids[1]} (") and "content does not match its hash" in first
    assert "login\\x1b[2J" in first and "\x1b" not in result.output  # the tampered action printed escaped

    run_sql("UPDATE audit_event SET action = 'wallet_viewed' WHERE id = :id", id=ids[1])
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    kept, ctx.config["AUDIT_CHAIN_KEY"] = ctx.config["AUDIT_CHAIN_KEY"], "not the key the log was written with"
    result = runner.invoke(args=["audit", "verify"])
    ctx.config["AUDIT_CHAIN_KEY"] = kept
    assert result.exit_code == 1 and "No sealed row fits: is this the key" in result.output
    run_sql("DELETE FROM audit_event WHERE id = :id", id=ids[4])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"FAILED: row {ids[5]} " in result.output and f"row before it (row {ids[3]}) is broken" in result.output
