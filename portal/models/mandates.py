"""Mandates: a person may see or act for another only under one, within its scope and dates."""

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.models._types import new_public_id, utcnow
from portal.models.people import Person, StaffUser

SCOPES = ("balances", "flags", "choice")  # see balances; flag problems; list and switch


class Mandate(Model):
    """A registered mandate (source `portal`: entered by the organiser's staff from a signed document).

    Mandates from the Suomi.fi-valtuudet-style service are checked live at each use and stored here too (source
    `valtuudet`) with the short validity the check gives, so the access log can name the mandate that allowed a look.
    """

    __tablename__ = "mandate"
    __table_args__ = (Index("ix_mandate_agent_principal", "agent_id", "principal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    agent_id: Mapped[int] = mapped_column(ForeignKey("person.id"))  # who acts
    principal_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)  # for whom
    scopes: Mapped[str] = mapped_column(String(64))  # space-separated SCOPES
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)  # None: until revoked
    document: Mapped[str] = mapped_column(String(200), default="")  # what it rests on (a signed form's reference)
    source: Mapped[str] = mapped_column(String(16), default="portal")  # portal or valtuudet
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    revoked_reason: Mapped[str | None] = mapped_column(String(200))

    agent: Mapped[Person] = relationship(foreign_keys=[agent_id])
    principal: Mapped[Person] = relationship(foreign_keys=[principal_id])
    created_by: Mapped[StaffUser | None] = relationship(foreign_keys=[created_by_id])

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def in_force(self, today: date) -> bool:
        return (
            self.revoked_at is None and self.valid_from <= today and (self.valid_to is None or today <= self.valid_to)
        )
