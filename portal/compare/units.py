"""One unit in full, for its page and for the side-by-side comparison: the PTV record rebuilt through the reader,
with its services, its organisation and the organiser's approval."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import defer

from adapters.ptv import Organisation, Service, ServiceLocation, link_producers, parse_stored
from adapters.ptv.hours import HELSINKI, DayHours, HoursKind, OpeningHours
from portal.catalogue.derive import EntranceAccess, entrance_access, provider_type
from portal.extensions import db
from portal.models import CatalogueApproval, CatalogueLocation, CatalogueOrganisation, CatalogueService

WEEK_DAYS = 7
EXCEPTIONAL_LOOKAHEAD_DAYS = 60
PARSED_KEPT = 4096  # parsed records a worker keeps: a unit page needs its location, services and organisations


@dataclass
class Unit:
    location: ServiceLocation
    row: CatalogueLocation
    services: list[Service]
    organisation: Organisation | None
    approval: CatalogueApproval | None
    provider_type: str | None
    evenings: bool
    weekends: bool
    accessible: bool
    producers: list[Organisation] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.location.id

    @property
    def kinds(self) -> list[str]:
        return self.approval.kinds.split() if self.approval else []

    @property
    def voucher_services(self) -> list[str]:
        return self.approval.voucher_services.split() if self.approval else []

    @property
    def entrance_access(self) -> EntranceAccess:
        """The step-free answer from the same sentences the page shows (the filter's, see portal.catalogue.derive)."""
        return entrance_access(self.location)

    def contacts(self, language: str) -> tuple[list, list, list]:
        """Phones, e-mails and web pages meant for readers of `language` (PTV keeps one per language), falling back
        like texts do; entries without a language are for everyone."""
        location = self.location
        return (
            _in_language(location.phones, language),
            _in_language(location.emails, language),
            _in_language(location.web_pages, language),
        )


@dataclass
class HoursView:
    open_now: bool
    today: DayHours
    week: list[DayHours]  # today and the six days after
    exceptional: list[DayHours]  # upcoming dates with exceptional hours (closures included)
    has_hours: bool


def _in_language(entries: Sequence, language: str) -> list:
    for wanted in (language, "fi", "sv", "en"):
        chosen = [e for e in entries if e.language in (wanted, None)]
        if any(e.language == wanted for e in chosen):
            return chosen
    return list(entries)


class ParsedRecords:
    """PTV records as the reader parsed them, kept per worker process and keyed by the record's content hash.

    Parsing the stored JSON is most of a unit page's work (an organisation's record lists every service it takes
    part in). A record with the same hash has the same content, and the parsed models are frozen, so a parse can be
    shared by every later request of the process; a re-imported, changed record has a new hash and is parsed again.
    Least recently used, bounded: nothing grows with the catalogue."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._parsed: OrderedDict[tuple[str, str, str], object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> object | None:
        with self._lock:
            item = self._parsed.get(key)
            if item is not None:
                self._parsed.move_to_end(key)
            return item

    def put(self, key: tuple[str, str, str], item: object) -> None:
        with self._lock:
            self._parsed[key] = item
            while len(self._parsed) > self.size:
                self._parsed.popitem(last=False)

    def parsed(
        self, kind: str, hashes: Iterable[tuple[str, str]], raw: Callable[[list[str]], dict[str, str]]
    ) -> dict[str, object]:
        """The parsed record of each (id, content hash); `raw` reads the stored JSON of the ids not kept yet."""
        found: dict[str, object] = {}
        missing: dict[str, str] = {}
        for record_id, content_hash in hashes:
            item = self.get((kind, record_id, content_hash))
            if item is None:
                missing[record_id] = content_hash
            else:
                found[record_id] = item
        if missing:
            for record_id, stored in raw(list(missing)).items():
                item = parse_stored(json.loads(stored))
                self.put((kind, record_id, missing[record_id]), item)
                found[record_id] = item
        return found


parsed_records = ParsedRecords(PARSED_KEPT)


def _raw_of(model) -> Callable[[list[str]], dict[str, str]]:
    def read(ids: list[str]) -> dict[str, str]:
        return {row.id: row.raw for row in db.session.execute(select(model.id, model.raw).where(model.id.in_(ids)))}

    return read


def _hashes_of(model, ids: Iterable[str]) -> list[tuple[str, str]]:
    query = select(model.id, model.content_hash).where(model.id.in_(list(ids)))
    return [(row.id, row.content_hash) for row in db.session.execute(query)]


def _organisations(ids: Sequence[str]) -> dict[str, Organisation]:
    if not ids:
        return {}
    parsed = parsed_records.parsed(
        "organisation", _hashes_of(CatalogueOrganisation, ids), _raw_of(CatalogueOrganisation)
    )
    return {record_id: item for record_id, item in parsed.items() if isinstance(item, Organisation)}


def load_units(location_ids: Sequence[str]) -> list[Unit]:
    """The units in the order asked for; ids the catalogue does not have are left out."""
    # The stored JSON is read only for a record this process has not parsed in its current version.
    query = select(CatalogueLocation).where(CatalogueLocation.id.in_(location_ids))
    query = query.options(defer(CatalogueLocation.raw))
    rows = {row.id: row for row in db.session.scalars(query)}
    if not rows:
        return []
    parsed = parsed_records.parsed(
        "location", [(row.id, row.content_hash) for row in rows.values()], _raw_of(CatalogueLocation)
    )
    locations = {lid: item for lid, item in parsed.items() if isinstance(item, ServiceLocation)}
    service_ids = {sid for item in locations.values() for sid in item.service_ids}
    services = {}
    if service_ids:
        parsed = parsed_records.parsed("service", _hashes_of(CatalogueService, service_ids), _raw_of(CatalogueService))
        services = {sid: item for sid, item in parsed.items() if isinstance(item, Service)}
    approvals = {
        a.location_id: a
        for a in db.session.scalars(select(CatalogueApproval).where(CatalogueApproval.location_id.in_(list(rows))))
    }
    linked = {lid: link_producers(item, services) for lid, item in locations.items()}
    organisation_ids = {item.organisation_id for item in linked.values()}
    organisation_ids |= {p.organisation_id for item in linked.values() for p in item.producers if p.organisation_id}
    organisations = _organisations(sorted(organisation_ids))
    units = []
    for location_id in location_ids:
        item = linked.get(location_id)
        if item is None:
            continue
        row = rows[location_id]
        organisation = organisations.get(item.organisation_id)
        org_row_type = organisation.organisation_type if organisation else None
        producer_ids = dict.fromkeys(
            p.organisation_id
            for p in item.producers
            if p.organisation_id in organisations and p.organisation_id != item.organisation_id
        )
        units.append(
            Unit(
                location=item,
                row=row,
                services=[services[sid] for sid in item.service_ids if sid in services],
                organisation=organisation,
                approval=approvals.get(location_id),
                provider_type=provider_type(org_row_type),
                evenings=row.open_evenings,
                weekends=row.open_weekends,
                accessible=row.accessible_entrance,
                producers=[organisations[pid] for pid in producer_ids],
            )
        )
    return units


def load_unit(location_id: str) -> Unit | None:
    units = load_units([location_id])
    return units[0] if units else None


def hours_view(unit: Unit, now: datetime | None = None) -> HoursView:
    now = (now or datetime.now(HELSINKI)).astimezone(HELSINKI)
    hours = unit.location.hours
    today = now.date()
    week = [hours.hours_on(today + timedelta(days=d)) for d in range(WEEK_DAYS)]
    exceptional = [hours.hours_on(day) for day in _exceptional_days(hours, today)]
    return HoursView(hours.is_open(now), week[0], week, exceptional, bool(hours))


def _exceptional_days(hours: OpeningHours, today: date) -> list[date]:
    """The dates in the lookahead that exceptional hours decide: only those are worked out (hours_on of every date
    of two months was a tenth of a unit page), in order, each once."""
    last = today + timedelta(days=EXCEPTIONAL_LOOKAHEAD_DAYS - 1)
    days: set[date] = set()
    for period in hours.periods:
        if period.kind is not HoursKind.EXCEPTIONAL or period.valid_from is None:
            continue
        day, end = max(period.valid_from, today), min(period.valid_to or period.valid_from, last)
        while day <= end:
            days.add(day)
            day += timedelta(days=1)
    return sorted(days)


def today_in_helsinki() -> date:
    return datetime.now(HELSINKI).date()
