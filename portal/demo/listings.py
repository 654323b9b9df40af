"""Listings the demo residents already have when `make run` starts, so switching can be tried at once.

Aino has been listed with her sote centre for over a year (she can switch) and chose her dental unit two months ago
(too early to switch: the refusal and its date can be seen). Erik can switch; Helmi switched three months ago.
These are history, so they are written as choices that took effect long ago, without outbox messages.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import select

from portal.choice.rules import add_months, first_of_next_month
from portal.demo.ptv_feed import DEFAULT_SEED, channel_id
from portal.extensions import db
from portal.models import CatalogueLocation, Choice, ListingSlot, Person
from portal.models._types import new_public_id, utcnow

# (persona subject, kind, unit key, months ago the listing took effect)
DEMO_LISTINGS = (
    ("aino.virtanen", "sote_centre", "s-jarvenpaa", 14),
    ("aino.virtanen", "dental_unit", "d-jarvenpaa", 2),
    ("erik.lindqvist", "sote_centre", "s-porvoo", 8),
    ("helmi.nieminen", "sote_centre", "s-hyvinkaa", 3),
)


def load_demo_listings(today: date, seed: int = DEFAULT_SEED, subjects: Collection[str] | None = None) -> int:
    """Give the demo residents (or only `subjects`) their listings unless they have made choices already; returns how
    many were added."""
    added = 0
    this_month = add_months(first_of_next_month(today), -1)
    for number, (subject, kind, unit_key, months_ago) in enumerate(DEMO_LISTINGS, start=1):
        if subjects is not None and subject not in subjects:
            continue
        person = db.session.scalar(select(Person).filter_by(oidc_subject=subject))
        if person is None or db.session.scalar(select(Choice.id).filter_by(person_id=person.id, kind=kind).limit(1)):
            continue
        location = db.session.get(CatalogueLocation, channel_id(seed, unit_key))
        if location is None:
            continue
        effective_on = add_months(this_month, -months_ago)
        db.session.add(
            Choice(
                reference=f"DEMO-{number:04d}",
                request_key=new_public_id(),
                person_id=person.id,
                kind=kind,
                location_id=location.id,
                organisation_id=location.organisation_id,
                unit_name_fi=location.name_fi or "",
                unit_name_sv=location.name_sv or "",
                effective_on=effective_on,
                took_effect_at=utcnow(),  # predates the portal: no messages to send
                actor_kind="resident",
                actor_id=person.id,
            )
        )
        slot = db.session.get(ListingSlot, (person.id, kind))
        if slot is None:
            db.session.add(ListingSlot(person_id=person.id, kind=kind, version=1))
        added += 1
    db.session.commit()
    return added
