"""One unit in full, for its page and for the side-by-side comparison: the PTV record rebuilt through the reader,
with its services, its organisation and the organiser's approval."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from adapters.ptv import Organisation, Service, ServiceLocation, link_producers, parse_stored
from adapters.ptv.hours import HELSINKI, DayHours
from portal.catalogue.derive import EntranceAccess, entrance_access, provider_type
from portal.extensions import db
from portal.models import CatalogueApproval, CatalogueLocation, CatalogueOrganisation, CatalogueService

WEEK_DAYS = 7
EXCEPTIONAL_LOOKAHEAD_DAYS = 60


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


def _organisations(ids: Sequence[str]) -> dict[str, Organisation]:
    if not ids:
        return {}
    rows = db.session.scalars(select(CatalogueOrganisation).where(CatalogueOrganisation.id.in_(ids)))
    found = {}
    for row in rows:
        item = parse_stored(json.loads(row.raw))
        if isinstance(item, Organisation):
            found[row.id] = item
    return found


def load_units(location_ids: Sequence[str]) -> list[Unit]:
    """The units in the order asked for; ids the catalogue does not have are left out."""
    query = select(CatalogueLocation).where(CatalogueLocation.id.in_(location_ids))
    rows = {row.id: row for row in db.session.scalars(query)}
    if not rows:
        return []
    locations = {}
    for location_id, row in rows.items():
        item = parse_stored(json.loads(row.raw))
        if isinstance(item, ServiceLocation):
            locations[location_id] = item
    service_ids = {sid for item in locations.values() for sid in item.service_ids}
    services = {}
    for service_row in db.session.scalars(select(CatalogueService).where(CatalogueService.id.in_(service_ids))):
        item = parse_stored(json.loads(service_row.raw))
        if isinstance(item, Service):
            services[service_row.id] = item
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
    exceptional = [
        day
        for day in (hours.hours_on(today + timedelta(days=d)) for d in range(EXCEPTIONAL_LOOKAHEAD_DAYS))
        if day.exceptional
    ]
    return HoursView(hours.is_open(now), week[0], week, exceptional, bool(hours))


def today_in_helsinki() -> date:
    return datetime.now(HELSINKI).date()
