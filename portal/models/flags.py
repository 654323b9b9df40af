"""Flags: a resident (or a relative for them) tells the organiser that care was not coordinated between providers.

A flag is never edited into something else: what happened to it is its timeline (`FlagEvent`), each row with who
and when, and whether the flagger sees it (a reply, a status change) or only staff do (an internal note). Free text is
stored exactly as typed and always shown escaped.
"""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.models._types import utcnow
from portal.models.people import Person, StaffUser

CATEGORIES = (
    "information_not_moved",  # information did not move between providers
    "referral_lost",  # a referral or follow-up was lost
    "voucher_refused",  # a provider refused a voucher or budget
    "fee_charged",  # a provider charged a fee it may not charge
    "no_appointment",  # could not get an appointment
    "conflicting_instructions",
    "other",
)
STATUSES = (
    "new",
    "in_review",
    "waiting_provider",
    "resolved",
    "closed_unresolved",
    "forwarded",  # not ours: forwarded to a named body
    "disputed",
)
OPEN_STATUSES = ("new", "in_review", "waiting_provider", "disputed")
DISPUTABLE = ("closed_unresolved", "forwarded")
CONTACT_METHODS = ("portal", "email", "phone")


class Flag(Model):
    __tablename__ = "flag"
    __table_args__ = (
        Index("ix_flag_status_created", "status", "created_at"),
        Index("ix_flag_person", "person_id"),
        # The review console's queue filters and orders within this index alone (migration 0009)
        Index("ix_flag_queue", "status", "created_at", "category", "municipality_code", "priority", "assignee_id"),
        # Every status, newest or oldest first: read in order instead of sorting all of them (migration 0009)
        Index("ix_flag_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # on the receipt and in URLs
    request_key: Mapped[str] = mapped_column(String(64), unique=True)  # the send form's: a double submit is one flag
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))  # whose care it is about
    flagger_id: Mapped[int] = mapped_column(ForeignKey("person.id"))  # who sent it: the person, or a relative
    basis: Mapped[str | None] = mapped_column(String(64))  # mandate:<public id> when a relative sent it
    category: Mapped[str] = mapped_column(String(32))
    happened_on: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    contact_method: Mapped[str] = mapped_column(String(8))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    consent_share: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8))  # the flagger's language: replies are written in it
    municipality_code: Mapped[str | None] = mapped_column(String(3))  # the person's, when flagged: for filters
    status: Mapped[str] = mapped_column(String(20), default="new")
    priority: Mapped[int] = mapped_column(Integer, default=2)  # 1 high, 2 normal, 3 low
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    forwarded_to: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    disputed_at: Mapped[datetime | None] = mapped_column(DateTime)  # a flag can be disputed once

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    flagger: Mapped[Person] = relationship(foreign_keys=[flagger_id])
    assignee: Mapped[StaffUser | None] = relationship()
    providers: Mapped[list["FlagProvider"]] = relationship(cascade="all, delete-orphan", order_by="FlagProvider.id")
    events: Mapped[list["FlagEvent"]] = relationship(cascade="all, delete-orphan", order_by="FlagEvent.id")


class FlagProvider(Model):
    """A provider involved in a flag (a PTV service location, or a provider known only by name), and its response
    as the organiser recorded it."""

    __tablename__ = "flag_provider"
    __table_args__ = (Index("ix_flag_provider_provider", "provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flag.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[str] = mapped_column(String(64))
    provider_name: Mapped[str] = mapped_column(String(300))
    response: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None] = mapped_column(DateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))


class FlagEvent(Model):
    """One line of a flag's timeline."""

    __tablename__ = "flag_event"
    # The flags staff answered since a day (the queue's escalation), from this index alone (migration 0009)
    __table_args__ = (Index("ix_flag_event_answered", "actor_kind", "visible_to_flagger", "at", "flag_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flag.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # created, status, reply, note, info (the flagger adds), provider_response, assigned, priority, dispute
    kind: Mapped[str] = mapped_column(String(20))
    actor_kind: Mapped[str] = mapped_column(String(16))  # resident or staff
    actor_id: Mapped[int | None] = mapped_column(Integer)
    visible_to_flagger: Mapped[bool] = mapped_column(Boolean, default=True)
    status_from: Mapped[str | None] = mapped_column(String(20))
    status_to: Mapped[str | None] = mapped_column(String(20))
    text: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(64))


class FlagNotification(Model):
    """The flagger is told of a change in the portal (unread until seen) and, when they asked, by e-mail, which says
    only that something changed and where to read it: never a health detail."""

    __tablename__ = "flag_notification"
    __table_args__ = (Index("ix_flag_notification_email_due", "email_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flag.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)  # the flagger
    event_id: Mapped[int] = mapped_column(ForeignKey("flag_event.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    email_status: Mapped[str] = mapped_column(String(8), default="none")  # none, pending, sent, failed
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_error: Mapped[str | None] = mapped_column(String(300))
