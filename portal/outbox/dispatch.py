"""The dispatcher: delivers due outbox messages, one committed step per message, so a crash loses nothing.

A message is sent, then marked in its own transaction. If the process dies in between, the message is still
pending and is sent again; the receiver drops the redelivery by its idempotency key (docs/outbox.md). So delivery
is at least once from here, and exactly once as far as the receiving side's state goes.

On PostgreSQL each message is claimed with `FOR UPDATE SKIP LOCKED` and kept locked while it is sent, so two
dispatchers never send the same row at once. SQLite has no row locks: run one dispatcher there (the receiver would
still drop a double send). Messages for the same choice and recipient go out in the order they were written: a
later one waits while an earlier one is pending, so a provider never hears of a cancellation before the choice.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from adapters.outbox_http import PermanentFailure, TemporaryFailure, deliver
from portal.choice.services import take_effect_due
from portal.extensions import db
from portal.models import OutboxMessage
from portal.models._types import utcnow
from portal.outbox.messages import REGISTER

log = logging.getLogger(__name__)
ERROR_LENGTH = 500


class OutboxConfigError(RuntimeError):
    """The dispatcher cannot run with this configuration; the message says what to set."""


@dataclass
class DispatchResult:
    took_effect: int = 0  # choices whose take-effect messages were written this cycle
    delivered: int = 0
    retrying: int = 0  # failed for now, tried again after a backoff
    dead: int = 0  # given up: shown to the organiser on /organiser/outbox

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.dead

    def __add__(self, other: DispatchResult) -> DispatchResult:
        return DispatchResult(
            self.took_effect + other.took_effect,
            self.delivered + other.delivered,
            self.retrying + other.retrying,
            self.dead + other.dead,
        )


@dataclass(frozen=True)
class Settings:
    secret: str
    endpoints: Mapping[str, str]
    max_attempts: int
    backoff: float
    backoff_max: float
    timeout: float

    @classmethod
    def from_config(cls, config: Mapping) -> Settings:
        endpoints = config.get("OUTBOX_ENDPOINTS") or {}
        missing = [name for name in (REGISTER, "provider") if not endpoints.get(name)]
        if missing:
            raise OutboxConfigError(f"OUTBOX_ENDPOINTS has no URL for: {', '.join(missing)}.")
        signed = any(url.startswith(("http://", "https://")) for url in endpoints.values())
        if signed and not config.get("OUTBOX_SECRET"):
            raise OutboxConfigError("OUTBOX_SECRET is not set: http(s) endpoints need signed messages.")
        if config["OUTBOX_MAX_ATTEMPTS"] < 1:
            raise OutboxConfigError("OUTBOX_MAX_ATTEMPTS must be at least 1.")
        return cls(
            secret=config.get("OUTBOX_SECRET") or "",
            endpoints=dict(endpoints),
            max_attempts=int(config["OUTBOX_MAX_ATTEMPTS"]),
            backoff=float(config["OUTBOX_BACKOFF_SECONDS"]),
            backoff_max=float(config["OUTBOX_BACKOFF_MAX_SECONDS"]),
            timeout=float(config["OUTBOX_TIMEOUT_SECONDS"]),
        )


def destination(endpoints: Mapping[str, str], recipient: str) -> str:
    """The URL for a recipient: the register's, a provider's own, or the provider pattern filled in."""
    if recipient in endpoints and recipient != "provider":
        return endpoints[recipient]
    if recipient == "organiser":  # the organiser's own systems (a refused voucher): never a provider's address
        raise PermanentFailure("OUTBOX_ENDPOINTS has no URL for: organiser")
    # replace(), not format(): a URL may well hold other braces, and an id must not reach format's mini-language.
    return endpoints["provider"].replace("{organisation_id}", recipient)


def backoff_seconds(failures: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential (base, 2×base, 4×base...) up to `cap`, then 50–100 % of that at random.

    The jitter spreads out the retries of the many messages one receiver outage fails at the same moment.
    """
    delay = min(cap, base * 2 ** min(max(failures - 1, 0), 32))
    return delay * (0.5 + 0.5 * (rng or random).random())


def dispatch_once(
    limit: int = 100,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    stop: threading.Event | None = None,
) -> DispatchResult:
    """Try each message due by `now` once, at most `limit` of them, stopping early once `stop` is set.

    `now` defaults to the clock; tests pass a later time instead of sleeping through a backoff.
    """
    settings = settings or Settings.from_config(current_app.config)
    clock = (lambda: now) if now is not None else utcnow
    due_by = clock()
    result = DispatchResult()
    after_id = 0
    with requests.Session() as session:
        while result.attempted < limit and not (stop and stop.is_set()):
            message = _claim_next(after_id, due_by)
            if message is None:
                break
            after_id = message.id
            outcome = _attempt(message, settings, session, clock)
            db.session.commit()  # releases the row lock; from here the outcome survives a crash
            setattr(result, outcome, getattr(result, outcome) + 1)
    db.session.rollback()  # end the last claim's transaction when nothing was claimed
    return result


def _claim_next(after_id: int, now: datetime) -> OutboxMessage | None:
    earlier = aliased(OutboxMessage)
    waits_for_earlier = exists().where(
        earlier.choice_id == OutboxMessage.choice_id,
        earlier.recipient == OutboxMessage.recipient,
        earlier.status == "pending",
        earlier.id < OutboxMessage.id,
    )
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now, OutboxMessage.id > after_id)
        .where(~waits_for_earlier)
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=OutboxMessage)
    return db.session.scalar(query)


def _attempt(
    message: OutboxMessage, settings: Settings, session: requests.Session, clock: Callable[[], datetime]
) -> str:
    """Send one message and record the outcome on the row (not committed). Returns the DispatchResult field."""
    error, permanent = None, False
    try:
        url = destination(settings.endpoints, message.recipient)
        timeout = (min(settings.timeout, 5.0), settings.timeout)
        body = message.body.encode("utf-8")
        deliver(url, body, message.idempotency_key, settings.secret, timeout=timeout, session=session)
    except TemporaryFailure as failure:
        error = str(failure)
    except PermanentFailure as failure:
        error, permanent = str(failure), True
    except Exception as failure:  # a bug must not stop the other messages; the row records it and retries
        log.exception("outbox %s: unexpected error", message.idempotency_key)
        error = f"unexpected {type(failure).__name__}"
    message.attempts += 1
    now = clock()  # after the send, which may have taken up to the timeout
    if error is None:
        message.status, message.delivered_at = "delivered", now
        log.info("outbox %s delivered (attempt %s)", message.idempotency_key, message.attempts)
        return "delivered"
    message.last_error = error[:ERROR_LENGTH]
    if permanent or message.attempts >= settings.max_attempts:
        message.status = "dead"
        log.warning("outbox %s dead after %s attempts: %s", message.idempotency_key, message.attempts, error)
        return "dead"
    delay = backoff_seconds(message.attempts, settings.backoff, settings.backoff_max)
    message.next_attempt_at = now + timedelta(seconds=delay)
    log.info(
        "outbox %s failed (attempt %s), retry in %.0f s: %s", message.idempotency_key, message.attempts, delay, error
    )
    return "retrying"


def run_cycle(limit: int = 100, stop: threading.Event | None = None) -> DispatchResult:
    """Write the take-effect messages due today, then deliver until nothing due is left (or `stop` is set)."""
    result = DispatchResult(took_effect=take_effect_due())
    while True:
        batch = dispatch_once(limit, stop=stop)
        result += batch
        if batch.attempted < limit:
            return result


def run(
    *,
    forever: bool,
    interval: float = 10.0,
    stop: threading.Event | None = None,
    report: Callable[[DispatchResult], None] | None = None,
) -> DispatchResult:
    """One cycle, or cycles every `interval` seconds until `stop` is set. Returns the totals."""
    Settings.from_config(current_app.config)  # a configuration mistake fails now, not on the first message
    stop = stop or threading.Event()
    total = DispatchResult()
    while True:
        try:
            cycle = run_cycle(stop=stop)
        except Exception:
            if not forever:
                raise
            # The database went away or similar: nothing is lost (the rows are the queue), so try the next cycle.
            db.session.rollback()
            log.exception("outbox cycle failed; trying again in %s s", interval)
        else:
            total += cycle
            if report is not None:
                report(cycle)
        if not forever or stop.wait(interval):
            return total
