"""The access and security log: append-only rows chained by hash, never holding a personal identity code."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models._types import utcnow


class AuditEvent(Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(64))
    actor_kind: Mapped[str] = mapped_column(String(16))  # resident, staff, anonymous, system
    actor_id: Mapped[int | None] = mapped_column()
    # Whose data was looked at or changed, when that is someone else than the actor.
    subject_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    request_id: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    # What allowed a look at someone else's data: "mandate:<public id>" or "role:<role>"; and the reason staff gave.
    basis: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(500))
    # Tamper evidence: a keyed hash over this row and the previous row's hash (portal/audit/chain.py).
    chain_hash: Mapped[str | None] = mapped_column(String(64))
