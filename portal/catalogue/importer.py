"""Import a PTV feed into the catalogue: completely or not at all.

A full import (a file, a directory, or whole municipalities from the API) makes the catalogue equal to
the feed: new records are added, changed ones updated, missing ones removed. An incremental import
(`since`) applies changes and removals only. Everything happens in one database transaction; a feed
that cannot be read leaves the catalogue exactly as it was. Each row keeps a hash of its record's source
text (with the derivation version) and the text's length: the reader recognises an unchanged record by them
before decoding or parsing it (adapters/ptv/unchanged.py), so importing the same feed twice writes nothing
and reads little more than the files.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update

from adapters.ptv import FeedError, StoredRecord, StoredRecords, Unchanged, read_feed
from adapters.ptv.model import Organisation, Service, ServiceLocation
from portal.catalogue import derive
from portal.catalogue.derive import DERIVATION_VERSION
from portal.extensions import db
from portal.models import CatalogueImport, CatalogueLocation, CatalogueOrganisation, CatalogueService
from portal.models._types import utcnow

BATCH = 500
CatalogueModel = type[CatalogueLocation] | type[CatalogueService] | type[CatalogueOrganisation]
MODELS: dict[str, CatalogueModel] = {
    "location": CatalogueLocation,
    "service": CatalogueService,
    "organisation": CatalogueOrganisation,
}
FEED_KINDS = {"location": "service_location", "service": "service", "organisation": "organisation"}
KINDS = {feed_kind: kind for kind, feed_kind in FEED_KINDS.items()}


class ImportFailed(Exception):
    """The feed could not be imported; the catalogue was not changed."""


@dataclass
class ImportResult:
    run_id: int
    mode: str
    counts: Counter = field(default_factory=Counter)
    rejected: list[dict] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return any(self.counts[key] for key in self.counts if key.endswith(("_added", "_changed", "_removed")))


def _location_row(item: ServiceLocation) -> dict:
    address = item.visiting_address
    municipality = address.municipality if address else None
    code = municipality.code if municipality else (item.area_municipalities[0] if item.area_municipalities else None)
    return {
        "organisation_id": item.organisation_id,
        "name_fi": item.names.get("fi"),
        "name_sv": item.names.get("sv"),
        "name_en": item.names.get("en"),
        "street_fi": " ".join(filter(None, [address.street.get("fi"), address.street_number])) or None
        if address
        else None,
        "street_sv": " ".join(filter(None, [address.street.get("sv"), address.street_number])) or None
        if address
        else None,
        "postal_code": address.postal_code if address else None,
        "post_office_fi": address.post_office.get("fi") if address else None,
        "post_office_sv": address.post_office.get("sv") if address else None,
        "municipality_code": code.zfill(3) if code else None,
        "municipality_fi": municipality.names.get("fi") if municipality else None,
        "municipality_sv": municipality.names.get("sv") if municipality else None,
        "latitude": item.latitude,
        "longitude": item.longitude,
        "languages": " ".join(item.languages),
        "service_ids": " ".join(item.service_ids),
        "has_phone": bool(item.phones),
        "has_hours": bool(item.hours),
        "open_evenings": derive.open_evenings(item),
        "open_weekends": derive.open_weekends(item),
        "accessible_entrance": derive.accessible_entrance(item),
    }


def _service_row(item: Service) -> dict:
    return {
        "name_fi": item.names.get("fi"),
        "name_sv": item.names.get("sv"),
        "name_en": item.names.get("en"),
        "class_codes": " ".join(item.class_codes),
        "vouchers_in_use": item.vouchers_in_use,
    }


def _organisation_row(item: Organisation) -> dict:
    return {
        "name_fi": item.names.get("fi"),
        "name_sv": item.names.get("sv"),
        "name_en": item.names.get("en"),
        "organisation_type": item.organisation_type,
        "business_code": item.business_code,
    }


def _kind_and_row(item: Any) -> tuple[str, dict]:
    if isinstance(item, ServiceLocation):
        return "location", _location_row(item)
    if isinstance(item, Service):
        return "service", _service_row(item)
    return "organisation", _organisation_row(item)


class _Writer:
    """Collects rows per kind and writes them in batches inside the caller's transaction."""

    def __init__(self) -> None:
        self.inserts: dict[str, list[dict]] = {kind: [] for kind in MODELS}
        self.updates: dict[str, list[dict]] = {kind: [] for kind in MODELS}

    def add(self, kind: str, row: dict, *, new: bool) -> None:
        target = self.inserts if new else self.updates
        target[kind].append(row)
        if len(target[kind]) >= BATCH:
            self.flush(kind)

    def flush(self, kind: str | None = None) -> None:
        for name in [kind] if kind else list(MODELS):
            if self.inserts[name]:
                db.session.execute(insert(MODELS[name]), self.inserts[name])
                self.inserts[name] = []
            if self.updates[name]:
                db.session.execute(update(MODELS[name]), self.updates[name])
                self.updates[name] = []


def import_catalogue(
    source: str | Path,
    *,
    municipalities: Sequence[str] = (),
    since: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    mode = "incremental" if since else "full"
    existing = {
        kind: {row.id: row for row in db.session.execute(select(model.id, model.content_hash, model.source_length))}
        for kind, model in MODELS.items()
    }
    # The derivation version is hashed in, so a changed rule rewrites rows whose source is unchanged.
    stored = StoredRecords(
        (
            StoredRecord(FEED_KINDS[kind], row.id, row.content_hash, row.source_length)
            for kind, rows in existing.items()
            for row in rows.values()
        ),
        version=DERIVATION_VERSION,
    )
    feed = read_feed(source, municipalities=municipalities, since=since, stored=stored)
    seen: dict[str, set[str]] = {kind: set() for kind in MODELS}
    counts: Counter = Counter()
    unstorable: list[dict] = []
    writer = _Writer()
    try:
        for number, item in enumerate(feed, start=1):
            if progress and number % 1000 == 0:
                progress(number)
            if isinstance(item, Unchanged):
                kind = KINDS[item.kind]
                seen[kind].add(item.id)
                counts[f"{kind}_read"] += 1
                counts[f"{kind}_unchanged"] += 1
                continue
            kind, row = _kind_and_row(item)
            raw = json.dumps(feed.last_raw, ensure_ascii=False)
            problem = _storage_problem(kind, row) or _encoding_problem(raw)
            if problem is not None:  # rejected like a record the reader refused: skipped, and reported
                unstorable.append({"id": item.id, "field": problem[0], "reason": problem[1], "origin": None})
                continue
            seen[kind].add(item.id)
            counts[f"{kind}_read"] += 1
            previous = existing[kind].get(item.id)
            row.update(id=item.id, content_hash=feed.last_digest, source_length=len(feed.last_text or ""), raw=raw)
            writer.add(kind, row, new=previous is None)
            counts[f"{kind}_{'added' if previous is None else 'changed'}"] += 1
        writer.flush()
        if mode == "full" and existing["location"] and not seen["location"]:
            raise ImportFailed(
                f"the feed has no service locations; refusing to empty a catalogue of {len(existing['location'])}"
            )
        for kind, model in MODELS.items():
            gone = (
                set(existing[kind]) - seen[kind]
                if mode == "full"
                else _removed_in_feed(feed, kind) & set(existing[kind])
            )
            for chunk in _chunks(sorted(gone), BATCH):
                db.session.execute(delete(model).where(model.id.in_(chunk)))
            counts[f"{kind}_removed"] = len(gone)
    except (FeedError, ImportFailed) as error:
        db.session.rollback()
        _record_run(str(source), mode, "failed", str(error), counts, [])
        raise ImportFailed(str(error)) from error
    except BaseException:
        db.session.rollback()
        raise
    rejected = [
        {"id": error.record_id, "field": error.field, "reason": error.reason, "origin": getattr(error, "origin", None)}
        for error in feed.report.rejected
    ] + unstorable
    counts["rejected"] = len(rejected)
    counts["skipped_channels"] = sum(feed.report.skipped_channels.values())
    run_id = _record_run(str(source), mode, "succeeded", feed.report.summary(), counts, rejected)
    return ImportResult(run_id=run_id, mode=mode, counts=counts, rejected=rejected)


def _storage_problem(kind: str, row: dict) -> tuple[str, str] | None:
    """(column, reason) when a column cannot hold a value of a record the reader accepted: longer than the column
    (PostgreSQL refuses it; SQLite would keep it), or with a NUL (PostgreSQL text refuses it)."""
    columns = MODELS[kind].__table__.columns
    for name, value in row.items():
        if not isinstance(value, str):
            continue
        if "\x00" in value:
            return name, "contains a NUL character, which the catalogue cannot store"
        length = getattr(columns[name].type, "length", None)
        if length is not None and len(value) > length:
            return name, f"{len(value)} characters; the catalogue stores at most {length}"
    return None


def _encoding_problem(raw: str) -> tuple[str, str] | None:
    try:
        raw.encode()
    except UnicodeEncodeError:  # JSON allows "\ud800"; UTF-8, and so neither engine, has no lone surrogate
        return "", "text that is not valid Unicode (a lone surrogate such as \\ud800)"
    return None


def _removed_in_feed(feed: Any, kind: str) -> set[str]:
    names = {"location": ("service_location", "channel"), "service": ("service",), "organisation": ("organisation",)}
    return {record.id for record in feed.report.removed if record.kind in names[kind]}


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _record_run(source: str, mode: str, status: str, message: str, counts: Counter, rejected: list[dict]) -> int:
    """Write the run in the same transaction as the changes (or alone, after a rollback)."""
    run = CatalogueImport(
        source=source[:500],
        mode=mode,
        status=status,
        message=message,
        counts=json.dumps(dict(counts), sort_keys=True),
        rejected=json.dumps(rejected, ensure_ascii=False),
        finished_at=utcnow(),
    )
    db.session.add(run)
    db.session.commit()
    return run.id


def catalogue_status() -> dict:
    last = db.session.scalar(select(CatalogueImport).order_by(CatalogueImport.id.desc()).limit(1))
    totals = {kind: db.session.scalar(select(db.func.count()).select_from(model)) for kind, model in MODELS.items()}
    return {"totals": totals, "last_import": last}
