"""Residents and staff: who logs in, and what we keep about them (as little as the work needs)."""

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.models._types import new_public_id, utcnow


class Person(Model):
    """A resident known through strong identification.

    The personal identity code is never stored in clear: `hetu_hash` is a keyed hash (HMAC-SHA256
    with HETU_HASH_KEY) that lets staff find a caller, and `hetu_masked` is what screens show.
    """

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    oidc_issuer: Mapped[str] = mapped_column(String(255))
    oidc_subject: Mapped[str] = mapped_column(String(255))
    hetu_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hetu_masked: Mapped[str] = mapped_column(String(11))
    birth_date: Mapped[date] = mapped_column(Date)
    given_name: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200))
    home_municipality_code: Mapped[str | None] = mapped_column(String(3))
    language: Mapped[str | None] = mapped_column(String(8))  # saved by the person only (docs/translations.md)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class StaffUser(Model):
    """Help-line, organiser and admin staff, known by their organisation's identity provider."""

    __tablename__ = "staff_user"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    oidc_issuer: Mapped[str] = mapped_column(String(255))
    oidc_subject: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str | None] = mapped_column(String(8))  # saved by the person only (docs/translations.md)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The roles the staff provider's claim carried at the last login (space-separated), so the admin sees them.
    claim_roles: Mapped[str] = mapped_column(String(200), default="", server_default="")


class StaffRoleGrant(Model):
    """A role the admin has granted to a staff subject, on top of any roles the provider's claim carries.

    Keyed by the provider's subject so an admin can grant a role before the person first logs in.
    """

    __tablename__ = "staff_role_grant"
    __table_args__ = (UniqueConstraint("subject", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    granted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    granted_by: Mapped[StaffUser | None] = relationship()
