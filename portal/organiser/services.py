"""What the organiser needs to fix catalogue data at its source: the recent imports and the records they refused,
the last overlay load, and the gaps in the imported service locations.

The data-quality report is built from SQL (COUNT for the totals, LIMIT for the lists, a streamed cursor for the
CSV file), so a national catalogue of tens of thousands of units never loads into memory at once.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select

from adapters.overlay import Kind
from portal.catalogue.overlay import unknown_approval_ids
from portal.extensions import db
from portal.models import CatalogueApproval, CatalogueImport, CatalogueLocation, CatalogueOverlayLoad

LISTED = 200  # rows per problem (and rejected records, unknown ids) shown on the page; the CSV has them all
RECENT_IMPORTS = 10
KINDS = ("location", "service", "organisation")

_L = CatalogueLocation
_A = CatalogueApproval

# Problem code -> the condition on catalogue_location that marks a unit as having it. The codes are stable: the
# CSV file carries them, and the page maps them to translated labels.
_LOCATION_PROBLEMS = {
    "missing_name_sv": or_(_L.name_sv.is_(None), _L.name_sv == ""),
    "missing_coordinates": or_(_L.latitude.is_(None), _L.longitude.is_(None)),
    "missing_hours": _L.has_hours.is_(False),
    "missing_phone": _L.has_phone.is_(False),
    "missing_address": or_(_L.street_fi.is_(None), _L.street_fi == ""),
}
T3_MISSING = "approved_without_t3"
PROBLEMS = (*_LOCATION_PROBLEMS, T3_MISSING)


@dataclass(frozen=True)
class ImportRun:
    id: int
    started_at: datetime
    finished_at: datetime | None
    source: str
    mode: str
    status: str
    message: str
    counts: dict[str, int]
    rejected: list[dict]

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


@dataclass(frozen=True)
class OverlayLoad:
    loaded_at: datetime
    source: str
    counts: dict[str, int]


@dataclass(frozen=True)
class Listing:
    """The first rows of something that may be long, and how many there are in all."""

    rows: Sequence
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


@dataclass(frozen=True)
class QualityRow:
    location_id: str
    name_fi: str | None
    name_sv: str | None
    municipality_code: str | None


@dataclass(frozen=True)
class QualityProblem:
    code: str
    units: Listing


@dataclass(frozen=True)
class QualityReport:
    locations: int
    problems: list[QualityProblem]


def _import_run(row: CatalogueImport) -> ImportRun:
    return ImportRun(
        id=row.id,
        started_at=row.started_at,
        finished_at=row.finished_at,
        source=row.source,
        mode=row.mode,
        status=row.status,
        message=row.message,
        counts=json.loads(row.counts or "{}"),
        rejected=json.loads(row.rejected or "[]"),
    )


def recent_imports(limit: int = RECENT_IMPORTS) -> list[ImportRun]:
    """The latest import runs, newest first."""
    query = select(CatalogueImport).order_by(CatalogueImport.id.desc()).limit(limit)
    return [_import_run(row) for row in db.session.scalars(query)]


def last_successful_import() -> ImportRun | None:
    query = (
        select(CatalogueImport)
        .where(CatalogueImport.status == "succeeded")
        .order_by(CatalogueImport.id.desc())
        .limit(1)
    )
    row = db.session.scalar(query)
    return _import_run(row) if row else None


def rejected_records(run: ImportRun | None, limit: int | None = None) -> Listing:
    rejected = run.rejected if run else []
    return Listing(rejected[: limit or LISTED], len(rejected))


def last_overlay_load() -> OverlayLoad | None:
    row = db.session.scalar(select(CatalogueOverlayLoad).order_by(CatalogueOverlayLoad.id.desc()).limit(1))
    return OverlayLoad(row.loaded_at, row.source, json.loads(row.counts or "{}")) if row else None


def approvals_missing_from_catalogue(limit: int | None = None) -> Listing:
    ids = unknown_approval_ids()
    return Listing(ids[: limit or LISTED], len(ids))


def _problem_query(code: str) -> Select:
    """The affected units of one problem, in a stable order."""
    if code == T3_MISSING:
        # Outer join: an approved unit PTV no longer has still lacks its T3 (the overlay section names it too).
        needs_t3 = or_(
            _A.kinds.contains(Kind.SOTE_CENTRE.value, autoescape=True),
            _A.kinds.contains(Kind.DENTAL_UNIT.value, autoescape=True),
        )
        return (
            select(_A.location_id, _L.name_fi, _L.name_sv, _L.municipality_code)
            .select_from(_A)
            .outerjoin(_L, _L.id == _A.location_id)
            .where(needs_t3, _A.t3_days.is_(None))
            .order_by(_L.municipality_code.nulls_last(), _L.name_fi.nulls_last(), _A.location_id)
        )
    return (
        select(_L.id, _L.name_fi, _L.name_sv, _L.municipality_code)
        .where(_LOCATION_PROBLEMS[code])
        .order_by(_L.municipality_code.nulls_last(), _L.name_fi.nulls_last(), _L.id)
    )


def _problem_counts() -> dict[str, int]:
    columns = [func.count().filter(condition).label(code) for code, condition in _LOCATION_PROBLEMS.items()]
    counts = db.session.execute(select(*columns).select_from(_L)).one()._asdict()
    counts[T3_MISSING] = db.session.scalar(
        select(func.count()).select_from(_problem_query(T3_MISSING).order_by(None).subquery())
    )
    return counts


def quality_report(limit: int | None = None) -> QualityReport:
    """Per problem, how many units have it and the first `limit` of them (LISTED by default)."""
    limit = limit or LISTED
    counts = _problem_counts()
    problems = []
    for code in PROBLEMS:
        rows = db.session.execute(_problem_query(code).limit(limit)).all() if counts[code] else []
        problems.append(QualityProblem(code, Listing([QualityRow(*row) for row in rows], counts[code])))
    locations = db.session.execute(select(func.count()).select_from(_L)).scalar_one()
    return QualityReport(locations, problems)


def quality_csv(header: Sequence[str]) -> Iterator[str]:
    """The whole report as CSV text, one line at a time: `header`, then one row per problem and unit."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def line(values: Sequence[str | None]) -> str:
        writer.writerow([_spreadsheet_safe(value or "") for value in values])
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    yield "\ufeff" + line(header)  # the byte-order mark makes Excel read the file as UTF-8
    for code in PROBLEMS:
        result = db.session.execute(_problem_query(code).execution_options(yield_per=1000))
        for location_id, name_fi, name_sv, municipality_code in result:
            yield line([code, location_id, name_fi, name_sv, municipality_code])


def _spreadsheet_safe(value: str) -> str:
    # Names come from PTV, not from us: a cell starting with = + - @ would run as a formula in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
