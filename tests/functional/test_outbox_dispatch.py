"""The outbox dispatcher against the reference receiver on a loopback port, on SQLite and PostgreSQL: every message
arrives exactly once, failures are retried with backoff and then dead-lettered for the organiser, and a dispatcher
killed mid-send and started again neither loses nor doubles a message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from adapters.outbox_receiver import RunningReceiver, run_receiver_in_thread
from portal.choice import services
from portal.extensions import db
from portal.models import OutboxMessage
from portal.models._types import utcnow
from portal.outbox.dispatch import OutboxConfigError, Settings, backoff_seconds, destination, dispatch_once, run
from tests.conftest import REPO_ROOT
from tests.functional.test_choice_rules import D_JARVENPAA, S_HAARAJOKI, S_JARVENPAA, S_SYDANMAA, choose, make_person

SECRET = "outbox-test-secret-of-32-characters-or-more"
LATER = timedelta(days=1)  # far past any test backoff: "the next attempt is due"


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[RunningReceiver]:
    """The reference receiver on a loopback port, storing what it applied under tmp_path."""
    with run_receiver_in_thread(SECRET, tmp_path / "receiver.sqlite3") as running:
        yield running


def endpoints(receiver: RunningReceiver) -> dict[str, str]:
    return {"register": receiver.url + "/register", "provider": receiver.url + "/providers/{organisation_id}"}


@pytest.fixture
def ctx(catalogue: Flask, receiver: RunningReceiver) -> Iterator[Flask]:
    """The demo catalogue, the outbox pointed at the receiver, and an app context."""
    catalogue.config.update(
        OUTBOX_ENDPOINTS=endpoints(receiver),
        OUTBOX_SECRET=SECRET,
        OUTBOX_MAX_ATTEMPTS=3,
        OUTBOX_BACKOFF_SECONDS=60.0,
        OUTBOX_TIMEOUT_SECONDS=10.0,
    )
    with catalogue.app_context():
        yield catalogue


def make_choices() -> list[str]:
    """Choices that write every kind of message (chosen, cancelled, took effect; new, old provider, register)."""
    first, second, third = make_person(number=1), make_person(number=2), make_person(number=3)
    choose(first, S_JARVENPAA)
    choose(second, D_JARVENPAA, kind="dental_unit")
    choose(third, S_JARVENPAA)
    choose(third, S_HAARAJOKI)  # replaces the pending choice: a cancellation too
    services.take_effect_due(date(2026, 12, 1))
    choose(first, S_SYDANMAA, today=date(2027, 6, 1))  # a switch: the old provider hears of it
    db.session.remove()
    return all_keys()


def all_keys() -> list[str]:
    return list(db.session.scalars(select(OutboxMessage.idempotency_key).order_by(OutboxMessage.id)))


def statuses() -> dict[str, int]:
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    return dict(rows)


def row(key: str) -> OutboxMessage:
    db.session.expire_all()
    return db.session.scalar(select(OutboxMessage).filter_by(idempotency_key=key))


def assert_delivered_exactly_once(receiver: RunningReceiver, keys: list[str]) -> None:
    applied = receiver.receiver.applied()
    assert sorted(applied) == sorted(keys)
    assert receiver.receiver.stats().applied == len(keys)
    db.session.expire_all()
    for message in db.session.scalars(select(OutboxMessage)):
        assert message.status == "delivered" and message.delivered_at is not None
        assert applied[message.idempotency_key] == json.loads(message.body)  # the exact bytes that were signed


def test_every_message_is_delivered_exactly_once(ctx, receiver):
    keys = make_choices()
    roles = {key.rsplit(".", 1)[1] for key in keys}
    events = {key.split(".")[1] for key in keys}
    assert roles == {"new_provider", "old_provider", "register"}
    assert events == {"chosen", "cancelled", "took_effect"}

    result = dispatch_once()

    assert (result.delivered, result.retrying, result.dead) == (len(keys), 0, 0)
    assert_delivered_exactly_once(receiver, keys)
    assert all(receiver.receiver.deliveries(key) == 1 for key in keys)
    assert dispatch_once().attempted == 0  # delivered messages are never sent again
    paths = receiver.receiver.recipients()
    for key, recipient in db.session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.recipient)):
        assert paths[key] == ("/register" if recipient == "register" else f"/providers/{recipient}")


def test_failures_are_retried_with_growing_backoff_then_delivered(ctx, receiver):
    keys = make_choices()
    first = keys[0]
    receiver.receiver.fail_next(1)
    started = utcnow()

    assert dispatch_once(limit=1, now=started).retrying == 1
    message = row(first)
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.last_error == f"HTTP 500 from 127.0.0.1:{receiver.server.server_port}"
    retry_at = message.next_attempt_at
    assert 30 <= (retry_at - started).total_seconds() <= 60  # 50-100 % of OUTBOX_BACKOFF_SECONDS

    others = dispatch_once(now=started)  # the rest go on while the failed one waits for its turn
    assert others.delivered > 0 and others.retrying == 0
    assert row(first).attempts == 1  # not sent before it is due

    receiver.receiver.fail_next(1)
    assert dispatch_once(now=retry_at).retrying == 1
    message = row(first)
    assert message.attempts == 2
    assert 60 <= (message.next_attempt_at - retry_at).total_seconds() <= 120  # doubled

    final = dispatch_once(now=message.next_attempt_at + LATER)
    assert final.retrying == 0 and final.dead == 0
    assert row(first).attempts == 3
    assert_delivered_exactly_once(receiver, keys)
    assert receiver.receiver.stats().failed == 2


def test_backoff_is_capped_and_jittered():
    assert [backoff_seconds(n, 30, 3600, rng=_Fixed(1.0)) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_seconds(30, 30, 3600, rng=_Fixed(1.0)) == 3600
    assert backoff_seconds(1, 30, 3600, rng=_Fixed(0.0)) == 15


def test_destination_prefers_a_providers_own_url():
    urls = {
        "register": "https://r.example/in",
        "provider": "https://p.example/{organisation_id}/in",
        "org-9": "https://own/",
    }
    assert destination(urls, "register") == "https://r.example/in"
    assert destination(urls, "org-1") == "https://p.example/org-1/in"
    assert destination(urls, "org-9") == "https://own/"


class _Fixed:
    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


def test_messages_for_one_choice_and_recipient_keep_their_order(ctx, receiver):
    first = make_person()
    reference = choose(first, S_JARVENPAA).reference
    services.take_effect_due(date(2026, 12, 1))
    db.session.remove()
    chosen, took_effect = f"{reference}.chosen.register", f"{reference}.took_effect.register"
    receiver.receiver.fail_next(1)  # the first message sent: the new provider's "chosen"
    now = utcnow()
    dispatch_once(now=now)
    applied = list(receiver.receiver.applied())
    assert applied.index(chosen) < applied.index(took_effect)
    provider_chosen = f"{reference}.chosen.new_provider"
    assert provider_chosen not in applied
    assert row(f"{reference}.took_effect.new_provider").attempts == 0  # waits behind the failed one
    dispatch_once(now=now + LATER)
    applied = list(receiver.receiver.applied())
    assert applied.index(provider_chosen) < applied.index(f"{reference}.took_effect.new_provider")


def test_dead_letters_are_shown_to_the_organiser_and_can_be_sent_again(ctx, receiver, client_request, login_as):
    keys = make_choices()
    receiver.receiver.fail_next(1000)
    now = utcnow()
    for attempt in range(3):  # OUTBOX_MAX_ATTEMPTS
        result = dispatch_once(now=now + attempt * LATER)
    assert result.dead > 0
    dead = [key for key in keys if row(key).status == "dead"]
    assert all(row(key).attempts == 3 for key in dead)
    db.session.remove()

    login_as("olli.jarjestaja")
    page = client_request.get("organiser.outbox")
    assert page.select_one("#outbox-dead td").text.strip() == str(len(dead))
    table = page.select_one("#dead-letters")
    assert table.caption is not None and all(th.get("scope") for th in table.select("th"))
    rows = table.select("tbody tr")
    assert len(rows) == len(dead)
    assert "HTTP 500" in rows[0].text
    assert dead[0].split(".")[0] in rows[0].text  # the choice reference
    assert "Asukas" not in page.text  # no resident's name on the page

    receiver.receiver.fail_next(0)
    retried = row(dead[0])
    client_request.post("organiser.retry_outbox_message", message_id=retried.id)
    again = row(dead[0])
    assert (again.status, again.attempts) == ("pending", 0)
    client_request.post("organiser.retry_outbox_message", message_id=retried.id, _expected_status=404)  # once only
    assert dispatch_once(now=utcnow()).delivered >= 1
    assert row(dead[0]).status == "delivered"
    page = client_request.get("organiser.outbox")
    assert len(page.select("#dead-letters tbody tr")) == len(dead) - 1


def test_a_refused_message_is_dead_at_once(ctx, receiver):
    keys = make_choices()
    ctx.config["OUTBOX_SECRET"] = "not-the-secret-the-receiver-knows"
    result = dispatch_once(now=utcnow())
    assert result.dead > 0 and result.retrying == 0
    dead = row(keys[0])
    assert (dead.status, dead.attempts) == ("dead", 1)
    assert dead.last_error == f"HTTP 401 from 127.0.0.1:{receiver.server.server_port}"
    assert receiver.receiver.applied() == {}


@pytest.mark.parametrize("sub", ["aino.virtanen", "liisa.neuvoja"])
def test_only_the_organiser_sees_the_outbox(catalogue, client_request, login_as, sub):
    login_as(sub)
    client_request.get("organiser.outbox", _expected_status=403)


def test_a_missing_endpoint_stops_the_dispatcher_before_sending(app):
    with app.app_context(), pytest.raises(OutboxConfigError, match="register, provider"):
        run(forever=False)
    with pytest.raises(OutboxConfigError, match="OUTBOX_SECRET"):
        config = dict(app.config, OUTBOX_ENDPOINTS={"register": "https://r", "provider": "https://p"}, OUTBOX_SECRET="")
        Settings.from_config(config)


def test_the_demo_delivers_to_files(ctx, tmp_path):
    keys = make_choices()
    ctx.config["OUTBOX_ENDPOINTS"] = {
        "register": (tmp_path / "register").as_uri(),
        "provider": (tmp_path / "providers").as_uri() + "/{organisation_id}",
    }
    assert run(forever=False).delivered == len(keys)
    written = sorted(path.stem for path in tmp_path.rglob("*.json"))
    assert written == sorted(keys)


# Across a dispatcher restart: the real CLI in a subprocess, killed while it waits for the receiver's answer.


def flask_command(app: Flask, receiver: RunningReceiver, *args: str) -> tuple[list[str], dict[str, str]]:
    script = Path(sys.executable).with_name("flask")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "flask"]
    env = dict(
        os.environ,
        VALINTA_ENV="development",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        RESIDENT_OIDC_ISSUER="",
        STAFF_OIDC_ISSUER="",
        OUTBOX_ENDPOINTS=json.dumps(endpoints(receiver)),
        OUTBOX_SECRET=SECRET,
        OUTBOX_BACKOFF_SECONDS="0.01",
        OUTBOX_TIMEOUT_SECONDS="30",
        PYTHONUNBUFFERED="1",
    )
    return [*command, "--app", "portal", "outbox", "run", *args], env


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def test_exactly_once_across_a_dispatcher_killed_mid_send(ctx, receiver, tmp_path):
    keys = make_choices()
    db.session.remove()
    receiver.receiver.hold()  # the receiver applies the first message, then keeps its answer back
    command, env = flask_command(ctx, receiver, "--interval", "0.1")
    with open(tmp_path / "first-run.log", "wb") as log:
        dispatcher = subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: receiver.receiver.stats().applied >= 1 or dispatcher.poll() is not None)
            assert dispatcher.poll() is None, (tmp_path / "first-run.log").read_text()
        finally:
            dispatcher.send_signal(signal.SIGKILL)  # mid-send: applied there, not yet marked here
            dispatcher.wait(timeout=30)
    receiver.receiver.release()
    assert statuses().get("pending", 0) == len(keys)  # the applied one too: it was never marked

    command, env = flask_command(ctx, receiver, "--once")
    for _ in range(10):  # a killed PostgreSQL session's lock can outlive it briefly; --once skips locked rows
        finished = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
        assert finished.returncode == 0, finished.stdout + finished.stderr
        assert "delivered:" in finished.stdout
        if statuses() == {"delivered": len(keys)}:
            break
        time.sleep(0.5)

    assert_delivered_exactly_once(receiver, keys)
    stats = receiver.receiver.stats()
    assert stats.received > stats.applied  # the message in flight at the kill came again, and was dropped
    assert stats.duplicates >= 1
    assert sum(receiver.receiver.deliveries(key) for key in keys) == stats.received


# PostgreSQL only: SQLite has no row locks, so one dispatcher runs per SQLite database (docs/outbox.md).
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_dispatchers_at_once_never_send_a_message_twice(ctx, receiver):
    assert db.engine.dialect.name == "postgresql"
    keys = make_choices()
    receiver.receiver.slow_down(0.05)  # so the two dispatchers overlap
    results, errors = [], []

    def dispatcher() -> None:
        try:
            with ctx.app_context():
                results.append(dispatch_once())
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert sum(result.delivered for result in results) == len(keys)
    assert receiver.receiver.stats().duplicates == 0
    assert_delivered_exactly_once(receiver, keys)
