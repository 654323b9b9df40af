"""The provider catalogue imported from PTV.

Each row keeps the columns the portal searches and filters on, plus the source record (`raw`) so the
unit page can be rebuilt through the same reader, and the hash and length of its source text as the feed
had it, so a re-import recognises an unchanged record without reading it again and writes nothing.
"""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models._types import utcnow


class CatalogueOrganisation(Model):
    __tablename__ = "catalogue_organisation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the PTV id
    name_fi: Mapped[str | None] = mapped_column(String(500))
    name_sv: Mapped[str | None] = mapped_column(String(500))
    name_en: Mapped[str | None] = mapped_column(String(500))
    organisation_type: Mapped[str | None] = mapped_column(String(40))
    business_code: Mapped[str | None] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(64))
    source_length: Mapped[int | None] = mapped_column(Integer)
    raw: Mapped[str] = mapped_column(Text)


class CatalogueService(Model):
    __tablename__ = "catalogue_service"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name_fi: Mapped[str | None] = mapped_column(String(500))
    name_sv: Mapped[str | None] = mapped_column(String(500))
    name_en: Mapped[str | None] = mapped_column(String(500))
    class_codes: Mapped[str] = mapped_column(String(500), default="")  # space-separated, e.g. "P5.10 P5"
    vouchers_in_use: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    source_length: Mapped[int | None] = mapped_column(Integer)
    raw: Mapped[str] = mapped_column(Text)


class CatalogueLocation(Model):
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
    municipality_fi: Mapped[str | None] = mapped_column(String(100))
    municipality_sv: Mapped[str | None] = mapped_column(String(100))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    languages: Mapped[str] = mapped_column(String(100), default="")  # space-separated language codes
    service_ids: Mapped[str] = mapped_column(Text, default="")  # space-separated PTV service ids
    has_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    has_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    # Derived at import by portal.catalogue.derive, for the resident filters.
    open_evenings: Mapped[bool] = mapped_column(Boolean, default=False)
    open_weekends: Mapped[bool] = mapped_column(Boolean, default=False)
    accessible_entrance: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    source_length: Mapped[int | None] = mapped_column(Integer)
    raw: Mapped[str] = mapped_column(Text)


class CatalogueImport(Model):
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


class CatalogueApproval(Model):
    """One entry of the organiser's overlay: what a PTV service location is approved as, and how it does.

    Keyed by the channel id without a foreign key: the overlay is the organiser's word and may name a location
    the current PTV feed lacks (the catalogue page reports those).
    """

    __tablename__ = "catalogue_approval"

    location_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kinds: Mapped[str] = mapped_column(String(100))  # space-separated adapters.overlay.Kind values
    voucher_services: Mapped[str] = mapped_column(String(300), default="")
    accepts_new_clients: Mapped[bool] = mapped_column(Boolean)
    t3_days: Mapped[int | None] = mapped_column(Integer)
    t3_start: Mapped[date | None] = mapped_column(Date)
    t3_end: Mapped[date | None] = mapped_column(Date)
    satisfaction: Mapped[float | None] = mapped_column(Float)
    satisfaction_responses: Mapped[int | None] = mapped_column(Integer)
    satisfaction_start: Mapped[date | None] = mapped_column(Date)
    satisfaction_end: Mapped[date | None] = mapped_column(Date)
    nps: Mapped[int | None] = mapped_column(Integer)
    nps_responses: Mapped[int | None] = mapped_column(Integer)
    nps_start: Mapped[date | None] = mapped_column(Date)
    nps_end: Mapped[date | None] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(200), default="")


class CatalogueOverlayLoad(Model):
    """One accepted overlay file: the approvals were replaced by it in the same transaction."""

    __tablename__ = "catalogue_overlay_load"

    id: Mapped[int] = mapped_column(primary_key=True)
    loaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(500))
    counts: Mapped[str] = mapped_column(Text, default="{}")  # JSON: entries/added/changed/removed
