"""Listings the demo residents already have when `make run` starts, so switching can be tried at once.

Aino has been listed with her sote centre for over a year (she can switch) and chose her dental unit two months ago
(too early to switch: the refusal and its date can be seen). Erik can switch; Helmi switched three months ago, from the
private centre she had been listed with for two years.

These are history, written as real choices would have left them: each was chosen on a day in the past, took effect on
the day the organiser's rules give for that day (the first of the next month by default), had its take-effect
messages written that morning, and a switch ended the listing before it. No outbox messages are written: they
predate the portal.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from adapters.ptv.hours import HELSINKI
from portal.choice.rules import add_months, first_of_next_month, load_rules
from portal.demo.ptv_feed import DEFAULT_SEED, channel_id
from portal.extensions import db
from portal.models import CatalogueLocation, Choice, ListingSlot, Person
from portal.models._types import new_public_id

# (persona subject, kind, the choices in the order they were made: (unit key, months ago the choice took effect))
DEMO_LISTINGS: tuple[tuple[str, str, tuple[tuple[str, int], ...]], ...] = (
    ("aino.virtanen", "sote_centre", (("s-jarvenpaa", 14),)),
    ("aino.virtanen", "dental_unit", (("d-jarvenpaa", 2),)),
    ("erik.lindqvist", "sote_centre", (("s-porvoo", 8),)),
    ("helmi.nieminen", "sote_centre", (("s-kuutamo-hyvinkaa", 27), ("s-hyvinkaa", 3))),
)
CHOSEN_ON_DAY = 12  # of the month before the one the choice took effect in
CHOSEN_AT = time(10, 15)  # Helsinki time
TOOK_EFFECT_AT = time(0, 5)  # Helsinki time, on the day it took effect: the morning run of the take-effect job


def load_demo_listings(today: date, seed: int = DEFAULT_SEED, subjects: Collection[str] | None = None) -> int:
    """Give the demo residents (or only `subjects`) their listings unless they have made choices already; returns how
    many listings were added (a switch adds two choices: the listing it ended, and the new one)."""
    added = 0
    rules = load_rules()
    this_month = add_months(first_of_next_month(today), -1)
    number = 0
    for subject, kind, history in DEMO_LISTINGS:
        number += len(history)
        if subjects is not None and subject not in subjects:
            continue
        person = db.session.scalar(select(Person).filter_by(oidc_subject=subject))
        if person is None or db.session.scalar(select(Choice.id).filter_by(person_id=person.id, kind=kind).limit(1)):
            continue
        previous: Choice | None = None
        for step, (unit_key, months_ago) in enumerate(history):
            location = db.session.get(CatalogueLocation, channel_id(seed, unit_key))
            if location is None:
                break
            chosen_on = add_months(this_month, -(months_ago + 1)).replace(day=CHOSEN_ON_DAY)
            effective_on = rules.effective_on(chosen_on)
            choice = Choice(
                reference=f"DEMO-{number - len(history) + step + 1:04d}",
                request_key=new_public_id(),
                person_id=person.id,
                kind=kind,
                location_id=location.id,
                organisation_id=location.organisation_id,
                unit_name_fi=location.name_fi or "",
                unit_name_sv=location.name_sv or "",
                previous_choice_id=previous.id if previous else None,
                chosen_at=_utc(chosen_on, CHOSEN_AT),
                effective_on=effective_on,
                took_effect_at=_utc(effective_on, TOOK_EFFECT_AT),
                actor_kind="resident",
                actor_id=person.id,
            )
            if previous is not None:
                previous.ended_on = effective_on
            db.session.add(choice)
            db.session.flush()  # its id, for the next choice's previous_choice_id
            previous = choice
        if previous is None:
            continue
        if db.session.get(ListingSlot, (person.id, kind)) is None:  # bumped once per choice, as confirming does
            db.session.add(ListingSlot(person_id=person.id, kind=kind, version=len(history)))
        added += 1
    db.session.commit()
    return added


def _utc(day: date, at: time) -> datetime:
    """A Helsinki wall-clock time as the naive UTC the database keeps."""
    return datetime.combine(day, at, tzinfo=HELSINKI).astimezone(UTC).replace(tzinfo=None)
