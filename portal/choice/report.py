"""Listing figures: how many residents were listed at each unit on a given day, by age band.

These are the basis of the capitation payments, so they are counted from the choices' dates (not from a running
counter) and can be asked for any day, past or future. One GROUP BY in the database does the work: the age bands
become birth-date thresholds for that day, so the same SQL runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, or_, select

from portal.choice.rules import add_months
from portal.extensions import db
from portal.models import Choice, Person


@dataclass
class FigureRow:
    key: str  # location id or organisation id
    counts: list[int]  # per age band
    organisation_id: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class ListingFigures:
    as_of: date
    kind: str
    bands: list[tuple[int, int | None]]  # (from age, to age inclusive or None for "and over")
    units: list[FigureRow] = field(default_factory=list)
    providers: list[FigureRow] = field(default_factory=list)

    @property
    def totals(self) -> list[int]:
        return [sum(row.counts[i] for row in self.units) for i in range(len(self.bands))]


def age_bands(lower_bounds: tuple[int, ...]) -> list[tuple[int, int | None]]:
    starts = [0, *sorted(b for b in lower_bounds if b > 0)]
    return [(start, (starts[i + 1] - 1) if i + 1 < len(starts) else None) for i, start in enumerate(starts)]


def listing_figures(as_of: date, kind: str, lower_bounds: tuple[int, ...]) -> ListingFigures:
    bands = age_bands(lower_bounds)
    # A resident is in band i when born after the day they turned bands[i+1] and on or before the day they turned
    # bands[i]: thresholds are dates, so the database compares dates only.
    whens = [
        (Person.birth_date > add_months(as_of, -12 * (upper + 1)), i)
        for i, (_, upper) in enumerate(bands)
        if upper is not None
    ]
    band = case(*whens, else_=len(bands) - 1)
    query = (
        select(Choice.location_id, Choice.organisation_id, band.label("band"), func.count())
        .join(Person, Person.id == Choice.person_id)
        .where(Choice.kind == kind, Choice.cancelled_at.is_(None), Choice.effective_on <= as_of)
        .where(or_(Choice.ended_on.is_(None), Choice.ended_on > as_of))
        .group_by(Choice.location_id, Choice.organisation_id, band)
    )
    units: dict[str, FigureRow] = {}
    providers: dict[str, FigureRow] = defaultdict(lambda: FigureRow("", [0] * len(bands)))
    for location_id, organisation_id, band_index, count in db.session.execute(query):
        row = units.setdefault(location_id, FigureRow(location_id, [0] * len(bands), organisation_id))
        row.counts[band_index] += count
        provider = providers[organisation_id]
        provider.key = organisation_id
        provider.counts[band_index] += count
    return ListingFigures(
        as_of=as_of,
        kind=kind,
        bands=bands,
        units=sorted(units.values(), key=lambda r: (-r.total, r.key)),
        providers=sorted(providers.values(), key=lambda r: (-r.total, r.key)),
    )
