"""What the organiser sees of the outbox: how many messages are in each state, the dead letters, and a retry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update

from portal.auth.services import CurrentUser, record_event
from portal.extensions import db
from portal.models import Choice, OutboxMessage
from portal.models._types import utcnow

STATUSES = ("pending", "delivered", "dead")
LISTED = 200  # dead letters shown on the page, oldest first


@dataclass(frozen=True)
class DeadLetter:
    id: int
    idempotency_key: str
    event: str
    role: str
    recipient: str
    choice_reference: str | None  # None: not about a listing (a refused voucher, say)
    attempts: int
    last_error: str | None
    created_at: datetime


def counts_by_status() -> dict[str, int]:
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    counts = dict.fromkeys(STATUSES, 0)
    counts.update(dict(rows))
    return counts


def dead_letters(limit: int = LISTED) -> list[DeadLetter]:
    rows = db.session.execute(
        select(OutboxMessage, Choice.reference)
        .outerjoin(Choice, Choice.id == OutboxMessage.choice_id)
        .where(OutboxMessage.status == "dead")
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    return [
        DeadLetter(
            id=message.id,
            idempotency_key=message.idempotency_key,
            event=message.event,
            role=message.role,
            recipient=message.recipient,
            choice_reference=reference,
            attempts=message.attempts,
            last_error=message.last_error,
            created_at=message.created_at,
        )
        for message, reference in rows
    ]


def retry_dead(message_id: int, actor: CurrentUser) -> str | None:
    """Put a dead message back in the queue with a fresh set of attempts. Returns its key, or None if not dead.

    The conditional UPDATE makes a double-submitted form (or two organisers) harmless: only one retry happens.
    """
    key = db.session.scalar(select(OutboxMessage.idempotency_key).filter_by(id=message_id, status="dead"))
    if key is None:
        return None
    # A DML statement's result is a CursorResult (rowcount); Session.execute is typed for the general Result.
    result = cast(
        CursorResult[Any],
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == "dead")
            .values(status="pending", attempts=0, next_attempt_at=utcnow()),
            execution_options={"synchronize_session": False},
        ),
    )
    if result.rowcount != 1:
        db.session.rollback()
        return None
    record_event("outbox_retried", actor=actor, message=key, commit=False)
    db.session.commit()
    return key
