"""What is waiting, read from the database when /metrics is scraped: the outbox's backlog and the chat queues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Conversation, OutboxMessage
from portal.models.chat import LANGUAGES, WAITING


@dataclass(frozen=True)
class OutboxBacklog:
    pending: int
    dead: int
    oldest_pending_at: datetime | None  # None: nothing pending


def outbox_backlog() -> OutboxBacklog:
    rows = db.session.execute(
        select(OutboxMessage.status, func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status.in_(("pending", "dead")))
        .group_by(OutboxMessage.status)
    ).all()
    found = {status: (count, oldest) for status, count, oldest in rows}
    pending, oldest_pending_at = found.get("pending", (0, None))
    return OutboxBacklog(pending=pending, dead=found.get("dead", (0, None))[0], oldest_pending_at=oldest_pending_at)


def chats_waiting() -> dict[tuple[str, str], int]:
    """(status, language) → conversations: `queued` for a person now, `message` left out of hours."""
    rows = db.session.execute(
        select(Conversation.status, Conversation.language, func.count())
        .where(Conversation.status.in_(WAITING))
        .group_by(Conversation.status, Conversation.language)
    ).all()
    counts = {(status, language): 0 for status in WAITING for language in LANGUAGES}
    counts.update({(status, language): count for status, language, count in rows})
    return counts
