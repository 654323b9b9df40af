"""Listings: a resident's choice of sote centre and dental unit, the organiser's rules, and the outbox.

A choice is never updated into another one. Each confirmation adds a row; a later choice ends the earlier one on
the day it takes effect (`ended_on`), and a cancelled pending choice keeps its row with `cancelled_at`. That keeps
the history complete and makes "who was listed where on date D" one query over dates (the capitation report).
"""

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.models._types import utcnow
from portal.models.people import Person, StaffUser


class ListingSlot(Model):
    """One row per resident and kind, whose version every change bumps.

    Confirming compares the version the check-your-answers page was built on with the stored one in a single
    conditional UPDATE, so of two tabs (or a resident and a help-line worker) only the first confirmation wins,
    on SQLite and PostgreSQL alike, and the row lock serialises everything else done for that resident and kind.
    """

    __tablename__ = "listing_slot"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class Choice(Model):
    __tablename__ = "choice"
    __table_args__ = (
        Index("ix_choice_person_kind", "person_id", "kind"),
        Index("ix_choice_location_kind", "location_id", "kind"),
        Index("ix_choice_effective_pending", "effective_on", "took_effect_at"),
        # Seats taken at a unit: counted under the capacity lock, so it must be an index-only scan.
        Index(
            "ix_choice_open_seats",
            "location_id",
            "kind",
            "ended_on",
            postgresql_where=text("cancelled_at IS NULL"),
            sqlite_where=text("cancelled_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # shown on the receipt, used in URLs
    request_key: Mapped[str] = mapped_column(String(64), unique=True)  # the confirm form's idempotency key
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(String(16))  # sote_centre or dental_unit
    location_id: Mapped[str] = mapped_column(String(36))
    organisation_id: Mapped[str] = mapped_column(String(36))  # the provider when the choice was made
    unit_name_fi: Mapped[str] = mapped_column(String(500), default="")  # names when chosen: receipts outlive PTV
    unit_name_sv: Mapped[str] = mapped_column(String(500), default="")
    previous_choice_id: Mapped[int | None] = mapped_column(ForeignKey("choice.id"))
    chosen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    effective_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)  # the day a later choice took over
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(16))  # resident, replaced
    took_effect_at: Mapped[datetime | None] = mapped_column(DateTime)  # when the take-effect messages were written
    actor_kind: Mapped[str] = mapped_column(String(16))  # resident or staff
    actor_id: Mapped[int] = mapped_column(Integer)
    override_id: Mapped[int | None] = mapped_column(ForeignKey("interval_override.id"))

    person: Mapped[Person] = relationship()
    previous: Mapped["Choice | None"] = relationship(remote_side=[id])


class IntervalOverride(Model):
    """An organiser's permission to switch before the minimum interval has passed, with the reason recorded."""

    __tablename__ = "interval_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    granted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    valid_until: Mapped[date] = mapped_column(Date)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)

    granted_by: Mapped[StaffUser] = relationship()


class OrganiserSetting(Model):
    """One of the organiser's rules (JSON value); absent keys fall back to the pilot's defaults."""

    __tablename__ = "organiser_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))


class UnitCapacity(Model):
    """How many residents a unit takes for a kind of listing. No row (or no number) means no limit.

    `lock_version` is bumped by every confirmation into the unit: the UPDATE takes the row lock, so counting the
    unit's listings right after it cannot race another confirmation.
    """

    __tablename__ = "unit_capacity"

    location_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    capacity: Mapped[int | None] = mapped_column(Integer)
    lock_version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))


class SettingChange(Model):
    """Who changed which rule or capacity, when, from what to what."""

    __tablename__ = "setting_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    key: Mapped[str] = mapped_column(String(120))  # a setting key, or capacity:<kind>:<location id>
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)

    changed_by: Mapped[StaffUser | None] = relationship()


class OutboxMessage(Model):
    """A message to a provider or the national choice register, written in the same transaction as its cause."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    event: Mapped[str] = mapped_column(String(40))  # listing.chosen, listing.cancelled, listing.took_effect
    role: Mapped[str] = mapped_column(String(16))  # new_provider, old_provider, register
    recipient: Mapped[str] = mapped_column(String(64))  # a provider's PTV organisation id, or "register"
    choice_id: Mapped[int | None] = mapped_column(ForeignKey("choice.id"), index=True)  # None: not a listing
    body: Mapped[str] = mapped_column(Text)  # the exact JSON bytes that are signed and sent
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, delivered, dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
