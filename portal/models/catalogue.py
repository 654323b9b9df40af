"""The provider catalogue imported from PTV.

Each row keeps the columns the portal searches and filters on, plus the source record (`raw`) so the
unit page can be rebuilt through the same reader, and a hash of it so a re-import of an unchanged
record writes nothing.
"""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models._types import utcnow


class CatalogueOrganisation(db.Model):
    __tablename__ = "catalogue_organisation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the PTV id
    name_fi: Mapped[str | None] = mapped_column(String(500))
    name_sv: Mapped[str | None] = mapped_column(String(500))
    name_en: Mapped[str | None] = mapped_column(String(500))
    organisation_type: Mapped[str | None] = mapped_column(String(40))
    business_code: Mapped[str | None] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(64))
    raw: Mapped[str] = mapped_column(Text)


class CatalogueService(db.Model):
    __tablename__ = "catalogue_service"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name_fi: Mapped[str | None] = mapped_column(String(500))
    name_sv: Mapped[str | None] = mapped_column(String(500))
    name_en: Mapped[str | None] = mapped_column(String(500))
    class_codes: Mapped[str] = mapped_column(String(500), default="")  # space-separated, e.g. "P5.10 P5"
    vouchers_in_use: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    raw: Mapped[str] = mapped_column(Text)


class CatalogueLocation(db.Model):
    __tablename__ = "catalogue_location"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    name_fi: Mapped[str | None] = mapped_column(String(500))
    name_sv: Mapped[str | None] = mapped_column(String(500))
    name_en: Mapped[str | None] = mapped_column(String(500))
    street_fi: Mapped[str | None] = mapped_column(String(300))
    street_sv: Mapped[str | None] = mapped_column(String(300))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    post_office_fi: Mapped[str | None] = mapped_column(String(100))
    post_office_sv: Mapped[str | None] = mapped_column(String(100))
    municipality_code: Mapped[str | None] = mapped_column(String(3), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    languages: Mapped[str] = mapped_column(String(100), default="")  # space-separated language codes
    service_ids: Mapped[str] = mapped_column(Text, default="")  # space-separated PTV service ids
    has_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    has_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    raw: Mapped[str] = mapped_column(Text)


class CatalogueImport(db.Model):
    """One run of the importer: what it read, what it changed, what it refused."""

    __tablename__ = "catalogue_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(500))
    mode: Mapped[str] = mapped_column(String(16))  # full or incremental
    status: Mapped[str] = mapped_column(String(16))  # succeeded or failed
    message: Mapped[str] = mapped_column(Text, default="")
    counts: Mapped[str] = mapped_column(Text, default="{}")  # JSON: read/added/changed/removed per kind
    rejected: Mapped[str] = mapped_column(Text, default="[]")  # JSON: [{id, field, reason, origin}]
