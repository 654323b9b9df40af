"""What the organiser's listing pages show and change: the figures with unit and provider names, the catalogue's
municipalities, the history of rule and capacity changes, capacities beside seats taken, and interval overrides.

The counting and the rules themselves live in portal.choice (report, rules, services); this module adds the names
and does the few queries those pages need, so the views stay free of SQL.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from portal.auth import identity
from portal.auth.services import CurrentUser, record_event
from portal.choice.report import ListingFigures, listing_figures
from portal.choice.rules import load_rules
from portal.extensions import db
from portal.models import (
    CatalogueApproval,
    CatalogueLocation,
    CatalogueOrganisation,
    Choice,
    IntervalOverride,
    Person,
    SettingChange,
    UnitCapacity,
)

HISTORY = 50  # setting changes shown under the rules form
RECENT_OVERRIDES = 50
CAPACITY_KEY = "capacity:"  # SettingChange.key prefix that rules.set_capacities writes


def _pick(fi: str | None, sv: str | None, language: str) -> str:
    # Swedish names only for the Swedish interface; plain-language Finnish and English read the Finnish name.
    return (sv if language == "sv" and sv else fi) or sv or ""


# --- listing figures ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitFigures:
    location_id: str
    name: str
    municipality: str
    organisation_id: str
    provider: str
    counts: list[int]
    total: int


@dataclass(frozen=True)
class ProviderFigures:
    organisation_id: str
    name: str
    counts: list[int]
    total: int


@dataclass(frozen=True)
class ListingReport:
    as_of: date
    kind: str
    band_labels: list[str]
    units: list[UnitFigures]
    providers: list[ProviderFigures]
    totals: list[int]

    @property
    def total(self) -> int:
        return sum(self.totals)

    @property
    def by_band(self) -> list[tuple[str, int]]:
        return list(zip(self.band_labels, self.totals, strict=True))

    @property
    def by_provider(self) -> list[tuple[str, int]]:
        return [(provider.name, provider.total) for provider in self.providers]


def band_label(band: tuple[int, int | None]) -> str:
    start, end = band
    return f"{start}+" if end is None else f"{start}–{end}"


def listing_report(as_of: date, kind: str, language: str) -> ListingReport:
    """The capitation figures for `kind` on `as_of`, under today's age bands, with names in `language`."""
    figures: ListingFigures = listing_figures(as_of, kind, load_rules().age_bands)
    locations = _locations({row.key for row in figures.units})
    organisations = _organisation_names({row.key for row in figures.providers}, language)
    units = []
    for row in figures.units:
        location = locations.get(row.key)
        units.append(
            UnitFigures(
                location_id=row.key,
                # A unit that has left the catalogue still counts: its residents stay listed until they switch.
                name=_pick(location.name_fi, location.name_sv, language) if location else _unit_name(row.key),
                municipality=_pick(location.municipality_fi, location.municipality_sv, language) if location else "",
                organisation_id=row.organisation_id,
                provider=organisations.get(row.organisation_id, row.organisation_id),
                counts=row.counts,
                total=row.total,
            )
        )
    providers = [
        ProviderFigures(row.key, organisations.get(row.key, row.key), row.counts, row.total)
        for row in figures.providers
    ]
    return ListingReport(as_of, kind, [band_label(b) for b in figures.bands], units, providers, figures.totals)


def _locations(ids: Iterable[str]) -> dict[str, CatalogueLocation]:
    ids = list(ids)
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(CatalogueLocation).where(CatalogueLocation.id.in_(ids)))}


def _organisation_names(ids: Iterable[str], language: str) -> dict[str, str]:
    ids = list(ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(CatalogueOrganisation.id, CatalogueOrganisation.name_fi, CatalogueOrganisation.name_sv).where(
            CatalogueOrganisation.id.in_(ids)
        )
    )
    return {id_: _pick(fi, sv, language) or id_ for id_, fi, sv in rows}


def _unit_name(location_id: str) -> str:
    """The name the unit had when it was last chosen, for units no longer in the catalogue."""
    name = db.session.scalar(
        select(Choice.unit_name_fi).filter_by(location_id=location_id).order_by(Choice.id.desc()).limit(1)
    )
    return name or location_id


def listing_csv(report: ListingReport, header: Sequence[str], level: str) -> Iterator[str]:
    """The report as CSV lines: `header`, then one row per unit (level "unit") or per provider."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def line(values: Sequence[object]) -> str:
        writer.writerow([_spreadsheet_safe(str(value)) for value in values])
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    yield "\ufeff" + line(header)  # the byte-order mark makes Excel read the file as UTF-8
    as_of = report.as_of.isoformat()
    if level == "provider":
        for provider in report.providers:
            yield line([as_of, report.kind, provider.organisation_id, provider.name, *provider.counts, provider.total])
        return
    for unit in report.units:
        yield line(
            [as_of, report.kind, unit.location_id, unit.name, unit.municipality, unit.organisation_id, unit.provider]
            + [*unit.counts, unit.total]
        )


def _spreadsheet_safe(value: str) -> str:
    # Names come from PTV, not from us: a cell starting with = + - @ would run as a formula in a spreadsheet.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# --- rules -------------------------------------------------------------------------------------------------------


def municipality_options(configured: Iterable[str], language: str) -> list[tuple[str, str]]:
    """(code, label) for every municipality with a unit in the catalogue, plus codes already configured."""
    rows = db.session.execute(
        select(
            CatalogueLocation.municipality_code,
            func.max(CatalogueLocation.municipality_fi),
            func.max(CatalogueLocation.municipality_sv),
        )
        .where(CatalogueLocation.municipality_code.is_not(None))
        .group_by(CatalogueLocation.municipality_code)
    )
    names = {code: _pick(fi, sv, language) for code, fi, sv in rows if code is not None}  # None excluded above too
    for code in configured:
        names.setdefault(code, "")
    options = [(code, f"{name} ({code})" if name else code) for code, name in names.items()]
    return sorted(options, key=lambda option: option[1].casefold())


@dataclass(frozen=True)
class ChangeRow:
    changed_at: datetime
    changed_by: str
    key: str  # a setting key, or "capacity"
    subject: str  # for a capacity: the unit's name
    kind: str  # for a capacity: sote_centre or dental_unit
    old: str | None
    new: str | None


def change_history(language: str, limit: int = HISTORY) -> list[ChangeRow]:
    """The latest rule and capacity changes, newest first."""
    query = (
        select(SettingChange)
        .options(joinedload(SettingChange.changed_by))
        .order_by(SettingChange.changed_at.desc(), SettingChange.id.desc())
        .limit(limit)
    )
    changes = list(db.session.scalars(query))
    capacity_ids = {c.key.split(":", 2)[2] for c in changes if c.key.startswith(CAPACITY_KEY)}
    locations = _locations(capacity_ids)
    rows = []
    for change in changes:
        who = change.changed_by.name if change.changed_by else ""
        if change.key.startswith(CAPACITY_KEY):
            _, kind, location_id = change.key.split(":", 2)
            location = locations.get(location_id)
            name = _pick(location.name_fi, location.name_sv, language) if location else location_id
            rows.append(ChangeRow(change.changed_at, who, "capacity", name, kind, change.old_value, change.new_value))
        else:
            old, new = _readable(change.old_value), _readable(change.new_value)
            rows.append(ChangeRow(change.changed_at, who, change.key, "", "", old, new))
    return rows


def _readable(value: str | None) -> str | None:
    """A stored JSON setting as a person reads it: lists comma-separated, strings without quotes."""
    if value is None:
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return value
    if isinstance(parsed, list):
        return ", ".join(str(item) for item in parsed)
    return str(parsed)


# --- capacity ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CapacityRow:
    location_id: str
    name: str
    municipality: str
    provider: str
    accepts_new: bool
    taken: int
    capacity: int | None


def capacity_rows(kind: str, today: date, language: str) -> list[CapacityRow]:
    """Every unit approved for `kind`, with its capacity and the seats taken (as choice.services.seats_taken
    counts them, but in one grouped query rather than one per unit)."""
    approvals = db.session.execute(
        select(CatalogueApproval.location_id, CatalogueApproval.kinds, CatalogueApproval.accepts_new_clients).where(
            CatalogueApproval.kinds.contains(kind, autoescape=True)
        )
    )
    # `contains` narrows the rows in SQL; the split keeps exact kinds of the space-separated list only.
    approved = {location_id: accepts for location_id, kinds, accepts in approvals if kind in kinds.split()}
    if not approved:
        return []
    ids = list(approved)
    taken = dict(
        db.session.execute(
            select(Choice.location_id, func.count())
            .where(Choice.location_id.in_(ids), Choice.kind == kind, Choice.cancelled_at.is_(None))
            .where(or_(Choice.ended_on.is_(None), Choice.ended_on > today))
            .group_by(Choice.location_id)
        ).all()
    )
    capacities = dict(
        db.session.execute(
            select(UnitCapacity.location_id, UnitCapacity.capacity).where(
                UnitCapacity.kind == kind, UnitCapacity.location_id.in_(ids)
            )
        ).all()
    )
    locations = _locations(ids)
    organisations = _organisation_names({loc.organisation_id for loc in locations.values()}, language)
    rows = []
    for location_id in ids:
        location = locations.get(location_id)
        rows.append(
            CapacityRow(
                location_id=location_id,
                name=_pick(location.name_fi, location.name_sv, language) if location else location_id,
                municipality=_pick(location.municipality_fi, location.municipality_sv, language) if location else "",
                provider=organisations.get(location.organisation_id, "") if location else "",
                accepts_new=bool(approved[location_id]),
                taken=taken.get(location_id, 0),
                capacity=capacities.get(location_id),
            )
        )
    return sorted(rows, key=lambda row: (row.municipality.casefold(), row.name.casefold(), row.location_id))


# --- interval overrides ------------------------------------------------------------------------------------------


def find_person(code: str) -> Person | None:
    """The resident with this identity code, by its keyed hash (the code itself is never stored)."""
    lookup = identity.lookup_hash(code, current_app.config["HETU_HASH_KEY"])
    return db.session.scalar(select(Person).filter_by(hetu_hash=lookup))


def grant_override(person: Person, kind: str, reason: str, staff: CurrentUser, today: date) -> IntervalOverride:
    """Let `person` switch `kind` once before the interval has passed; recorded in the same transaction."""
    override = IntervalOverride(
        person_id=person.id,
        kind=kind,
        reason=reason,
        granted_by_id=staff.id,
        valid_until=today + timedelta(days=load_rules().override_valid_days),
    )
    db.session.add(override)
    db.session.flush()
    # The reason stays in interval_override: free text may name health matters, so the log keeps only the ids.
    record_event(
        "interval_override_granted",
        actor=staff,
        subject_person_id=person.id,
        kind=kind,
        override_id=override.id,
        commit=False,
    )
    db.session.commit()
    return override


def recent_overrides(limit: int = RECENT_OVERRIDES) -> list[IntervalOverride]:
    query = (
        select(IntervalOverride)
        .options(joinedload(IntervalOverride.granted_by))
        .order_by(IntervalOverride.granted_at.desc(), IntervalOverride.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def people(ids: Iterable[int], viewer: CurrentUser) -> dict[int, Person]:
    """The residents named on the override list; each look is written to the access log."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    for person_id in ids:
        record_event("override_list_viewed", actor=viewer, subject_person_id=person_id, commit=False)
    db.session.commit()
    return {person.id: person for person in db.session.scalars(select(Person).where(Person.id.in_(ids)))}
