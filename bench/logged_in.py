"""Logged-in residents for the throughput step: people with listings in the catalogue under test, and a session each.

The residents live in one municipality of the catalogue (the one the compare page lists), which the organiser's
area is set to include, as a demo resident's home is. Each has been listed with a unit of that municipality as
their health and social care centre for over a year and with another as their dental unit for two months (as
`aino.virtanen` is in the demo), and is logged in the way `bench.choices.log_in` leaves a login: a session row in
the database, as the login callback writes it. Identification itself is not measured.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

from bench.choices import log_in
from bench.load import BenchError

ISSUER = "bench-logged-in"
SOTE_MONTHS_AGO = 14
DENTAL_MONTHS_AGO = 2


@dataclass(frozen=True)
class Resident:
    person_id: int
    token: str  # the session cookie's value
    sote_unit: str  # the unit listed as the health and social care centre: the unit page measured
    municipality: str


def logged_in_pages(resident: Resident) -> dict[str, str]:
    """The pages a logged-in resident sees most, by the name their figures carry."""
    return {
        "home": "/",
        "search": "/units?" + urlencode({"municipality": resident.municipality}),
        "unit": f"/units/{resident.sote_unit}",
        "listings": "/choices/",
    }


def prepare_residents(app, count: int, municipality: str | None = None) -> list[Resident]:
    """`count` residents of `municipality` (default: the catalogue's municipality with the most locations) with
    their listings and a logged-in session each. Writes into the app's database."""
    from sqlalchemy import func, select

    from portal.choice.rules import DEFAULTS, load_rules, save_settings
    from portal.compare.units import today_in_helsinki
    from portal.extensions import db
    from portal.models import CatalogueLocation, Choice, ListingSlot, Person

    with app.app_context():
        if municipality is None:
            municipality = db.session.scalar(
                select(CatalogueLocation.municipality_code)
                .where(CatalogueLocation.municipality_code.is_not(None))
                .group_by(CatalogueLocation.municipality_code)
                .order_by(func.count().desc(), CatalogueLocation.municipality_code)
                .limit(1)
            )
        units = db.session.execute(
            select(CatalogueLocation.id, CatalogueLocation.organisation_id, CatalogueLocation.name_fi)
            .where(CatalogueLocation.municipality_code == municipality)
            .order_by(CatalogueLocation.id)
            .limit(2)
        ).all()
        if len(units) < 2:
            raise BenchError(f"municipality {municipality} has fewer than two locations to list residents with")
        area = load_rules().municipalities
        if municipality not in area:
            save_settings({"municipalities": sorted({*DEFAULTS["municipalities"], *area, municipality})}, None)
        today = today_in_helsinki()
        people = []
        for number in range(count):
            subject = f"{ISSUER}-{number}"
            person = db.session.scalar(select(Person).filter_by(oidc_issuer=ISSUER, oidc_subject=subject))
            if person is None:
                person = Person(
                    oidc_issuer=ISSUER,
                    oidc_subject=subject,
                    hetu_hash=hashlib.sha256(subject.encode()).hexdigest(),
                    hetu_masked="010180-****",
                    birth_date=date(1980, 1, 1) + timedelta(days=97 * number),
                    given_name="Penkki",
                    family_name=f"Asukas {number}",
                    home_municipality_code=municipality,
                )
                db.session.add(person)
                db.session.flush()
                for kind, unit, months in (
                    ("sote_centre", units[0], SOTE_MONTHS_AGO),
                    ("dental_unit", units[1], DENTAL_MONTHS_AGO),
                ):
                    effective_on = today - timedelta(days=30 * months)
                    db.session.add(
                        Choice(
                            reference=f"BL-{person.id}-{kind[0]}",
                            request_key=f"bench-logged-in-{person.id}-{kind}",
                            person_id=person.id,
                            kind=kind,
                            location_id=unit.id,
                            organisation_id=unit.organisation_id,
                            unit_name_fi=unit.name_fi or "",
                            effective_on=effective_on,
                            took_effect_at=None,
                            actor_kind="resident",
                            actor_id=person.id,
                        )
                    )
                    db.session.add(ListingSlot(person_id=person.id, kind=kind, version=1))
            people.append(person.id)
        db.session.commit()
        tokens = log_in(people)
        db.session.remove()
    return [Resident(person_id, tokens[person_id], units[0].id, str(municipality)) for person_id in people]


def demo_database(url: str, folder: Path) -> None:
    """A migrated database at `url` with the demo catalogue and its overlay (for `bench.page_profile`)."""
    from flask_migrate import upgrade

    from bench.wsgi import portal_app
    from portal.catalogue.importer import import_catalogue
    from portal.catalogue.overlay import load_overlay
    from portal.compare.units import today_in_helsinki
    from portal.demo.overlay import write_demo_overlay
    from portal.demo.ptv_feed import write_demo_feed
    from portal.extensions import db

    app = portal_app(url)
    with app.app_context():
        upgrade()
        today = today_in_helsinki()
        write_demo_feed(folder / "feed", today)
        write_demo_overlay(folder / "overlay.csv", today)
        import_catalogue(folder / "feed")
        load_overlay(folder / "overlay.csv")
        db.session.remove()
        db.engine.dispose()
