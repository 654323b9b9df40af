"""Facts the resident filters need, derived once at import time from a PTV service location.

PTV has no "open in the evening" or "accessible entrance" flags; both are read out of richer data here, by rules
stated in docs/catalogue.md so the organiser can tell why a unit is or is not shown under a filter.
"""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum

from adapters.ptv.hours import HoursKind, OpeningHours, TimeRange
from adapters.ptv.model import Entrance, ServiceLocation

# Bumped whenever a rule below changes, so the next import rewrites every row (see importer._digest).
DERIVATION_VERSION = "3"

EVENING_STARTS = time(18, 0)
_WEEKEND = (5, 6)

# Entrance sentences of the accessibility register (fi, sv). Step-free wording, and wording that rules it out.
_STEP_FREE = re.compile(
    r"maan tasossa|ei portaita|kynnyksetö|kynnyksettö|luiska|automaattisesti|marknivå|inga trappor|tröskelfri|ramp"
    r"|automatiskt",
    re.IGNORECASE,
)
_NOT_STEP_FREE = re.compile(r"eikä luiskaa|ei luiskaa|ingen ramp|utan ramp", re.IGNORECASE)
# The register groups sentences ("Sisäänkäynti", "Reitti pääsisäänkäynnille", "Pysäköinti"...): only the entrance's
# own group speaks of the door. A ramp on the route or in the car park does not make the entrance step-free.
_ENTRANCE_GROUP = re.compile(r"^\s*(pää)?sisäänkäynti\b|^\s*(huvud)?ingång", re.IGNORECASE)


def _all_hours(location: ServiceLocation) -> list[OpeningHours]:
    return [location.hours, *(c.hours for c in location.connections if c.hours)]


def _weekly_ranges(location: ServiceLocation):
    for hours in _all_hours(location):
        for period in hours.periods:
            if period.kind is HoursKind.EXCEPTIONAL or period.by_appointment or period.is_closed:
                continue
            yield period


def open_evenings(location: ServiceLocation) -> bool:
    """Open to walk in after 18:00 on some day of an ordinary week (or round the clock)."""
    for period in _weekly_ranges(location):
        if period.always_open:
            return True
        for r in period.ranges:
            if r.days_after > 0 or r.closes > EVENING_STARTS or r.closes == time(0):
                return True
    return False


def open_weekends(location: ServiceLocation) -> bool:
    """Open to walk in on a Saturday or Sunday of an ordinary week (or round the clock)."""
    for period in _weekly_ranges(location):
        if period.always_open or any(_open_days(r) & set(_WEEKEND) for r in period.ranges):
            return True
    return False


def _open_days(r: TimeRange) -> set[int]:
    """The weekdays a range is open on: the day it opens and every day it runs through whole, so an OverMidnight
    range from Friday afternoon to Monday morning counts Saturday and Sunday (the morning a night ends on does not)."""
    if r.weekday is None:
        return set()
    return {(r.weekday + day) % 7 for day in range(max(r.days_after, 1))}


class EntranceAccess(StrEnum):
    """What the entrances' own sentences say about steps: the filter and the unit page's summary both read this, so
    the summary never contradicts the sentences shown under it."""

    STEP_FREE = "step_free"  # some entrance is level, threshold-free, has a ramp or an automatic door
    STEPS = "steps"  # every described entrance has steps without a ramp
    UNCLEAR = "unclear"  # the entrance is described, but its sentences say neither (only the threshold, say)
    NOT_DESCRIBED = "not_described"  # no sentence about any entrance itself


def entrance_access(location: ServiceLocation) -> EntranceAccess:
    """The entrances' step-free answer: step-free when some entrance is described as step-free (level, ramp,
    threshold-free or automatic door) and none of its sentences says it has steps without a ramp; steps when every
    described entrance says it has steps without a ramp."""
    described = steps = 0
    for address in location.addresses:
        for entrance in address.entrances:
            texts = _entrance_texts(entrance)
            if not texts:
                continue
            described += 1
            if any(_NOT_STEP_FREE.search(t) for t in texts):
                steps += 1
            elif any(_STEP_FREE.search(t) for t in texts):
                return EntranceAccess.STEP_FREE
    if not described:
        return EntranceAccess.NOT_DESCRIBED
    return EntranceAccess.STEPS if steps == described else EntranceAccess.UNCLEAR


def accessible_entrance(location: ServiceLocation) -> bool:
    """The "step-free entrance" filter: entrance_access says step-free."""
    return entrance_access(location) is EntranceAccess.STEP_FREE


def _entrance_texts(entrance: Entrance) -> list[str]:
    """The sentences (fi and sv) about the entrance itself: its own group's when the register groups them."""
    grouped = any(sentence.group for sentence in entrance.accessibility)
    return [
        value
        for sentence in entrance.accessibility
        if not grouped or _is_entrance_group(sentence.group)
        for value in (sentence.text.fi, sentence.text.sv)
        if value
    ]


def _is_entrance_group(group) -> bool:
    return any(_ENTRANCE_GROUP.search(name) for name in (group.fi, group.sv) if name)


def provider_type(organisation_type: str | None) -> str | None:
    """public, private or third_sector, from PTV's organisation type."""
    if organisation_type in ("State", "Municipality", "RegionalOrganization", "Region", "SotePublic"):
        return "public"
    if organisation_type in ("Company", "SotePrivate"):
        return "private"
    if organisation_type == "Organization":
        return "third_sector"
    return None
