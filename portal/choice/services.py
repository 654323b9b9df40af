"""Listing with a sote centre or a dental unit: what a resident has, what a new choice would mean, and the
confirmation that makes it, under the organiser's rules, in one transaction with its outbox messages.

The rules are checked twice: for the check-your-answers page (so the resident learns early) and again at
confirmation, after the resident's listing slot is locked (so nothing the page showed can be relied on).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

import numpy as np
from flask import current_app
from sqlalchemy import CursorResult, Select, and_, case, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal.auth.services import CurrentUser, record_event
from portal.choice.rules import KINDS, Rules, load_rules
from portal.compare.index import current_index
from portal.compare.search import haversine_km
from portal.compare.units import today_in_helsinki
from portal.extensions import db
from portal.models import (
    CatalogueApproval,
    CatalogueLocation,
    Choice,
    IntervalOverride,
    ListingSlot,
    Person,
    UnitCapacity,
)
from portal.models._types import utcnow
from portal.outbox.messages import enqueue

REFERENCE_ALPHABET = "ABCDEFHJKLMNPRSTUVWXY3456789"  # no 0/O, 1/I, 2/Z, G/6 look-alikes
ALTERNATIVES = 3

# Why a choice cannot be made; the views turn each into a sentence in the reader's language.
PROBLEMS = (
    "not_eligible",  # home municipality outside the organiser's area
    "unknown_unit",  # not in the catalogue
    "not_approved",  # not approved by the organiser for this kind of listing
    "not_accepting",  # approved, but takes no new clients
    "full",  # the organiser's capacity is reached
    "already_listed",  # the resident is listed there now
    "already_pending",  # the resident has already chosen it, waiting to take effect
    "too_early",  # the minimum time since the last switch has not passed
    "changed",  # the listing changed after the page was shown (another tab, the help line)
)


OFFER_ALTERNATIVES = {"full", "not_accepting", "not_approved"}


class ChoiceRefused(Exception):
    def __init__(self, problem: str, plan: Plan | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.plan = plan


class NotCancellable(Exception):
    """The choice has taken effect, was cancelled already, or is not this resident's."""


@dataclass
class Listing:
    kind: str
    current: Choice | None = None
    pending: Choice | None = None
    version: int = 0

    @property
    def unit_ids(self) -> set[str]:
        """The units the resident is listed with now or has chosen: never offered to them as somewhere to go."""
        return {choice.location_id for choice in (self.current, self.pending) if choice is not None}


@dataclass(frozen=True)
class Resident:
    """Whom a choice is for, as far as the rules ask: the home municipality decides who may choose."""

    id: int
    home_municipality_code: str | None


@dataclass
class UnitOffer:
    """A unit as something to list with: the organiser's approval and its capacity, and the address the pages show
    (read with the rest, so the check page need not read the unit's row again)."""

    location_id: str
    organisation_id: str
    name_fi: str
    name_sv: str
    approved: bool
    accepts_new: bool
    capacity: int | None
    taken: int
    street_fi: str | None = None
    street_sv: str | None = None
    postal_code: str | None = None
    post_office_fi: str | None = None
    post_office_sv: str | None = None

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.taken >= self.capacity

    def name(self, language: str) -> str:
        return (self.name_sv if language == "sv" else self.name_fi) or self.name_fi or self.name_sv


@dataclass
class Alternative:
    location_id: str
    name: str
    municipality: str
    distance_km: float | None


@dataclass
class Plan:
    """What confirming would do, for the check-your-answers page and for the refusal."""

    kind: str
    unit: UnitOffer | None
    listing: Listing
    effective_on: date
    next_switch_on: date
    switch_allowed_from: date | None  # None: no current listing, so no interval applies
    override: IntervalOverride | None
    problem: str | None
    rules: Rules | None = None  # the rules the plan was made under, so pages need not read them again
    alternatives: list[Alternative] = field(default_factory=list)
    # The day the interval ends when it is not over and no override lets the resident switch before it: until then
    # every unit is refused, whatever else is wrong with this one, so no other unit is a way forward.
    blocked_until: date | None = None


def listing(person_id: int, kind: str, today: date | None = None, *, version: int | None = None) -> Listing:
    """The resident's current and pending choice of a kind, worked out from the dates.

    The slot's version rides along with the choices in one query; only a resident with no choice in force reads it
    on its own. A caller that has just bumped the slot passes the `version` it set, and nothing is read for it."""
    today = today or today_in_helsinki()
    slot = select(ListingSlot.version).filter_by(person_id=person_id, kind=kind)
    query = (
        select(Choice)
        .where(Choice.person_id == person_id, Choice.kind == kind, Choice.cancelled_at.is_(None))
        .where(or_(Choice.ended_on.is_(None), Choice.ended_on > today))
        .order_by(Choice.effective_on, Choice.id)
    )
    if version is None:
        query = query.add_columns(slot.scalar_subquery())
    rows: Sequence[Any] = db.session.execute(query).all()
    result = Listing(kind)
    for row in rows:
        if row[0].effective_on <= today:
            result.current = row[0]
        else:
            result.pending = row[0]
    if version is None:
        version = rows[0][1] if rows else db.session.scalar(slot)
    result.version = version or 0
    return result


def listings(person_id: int, today: date | None = None) -> dict[str, Listing]:
    return {kind: listing(person_id, kind, today) for kind in KINDS}


def resident(person_id: int) -> Person:
    return db.session.get_one(Person, person_id)


def resident_for(user: CurrentUser, person_id: int) -> Resident:
    """The resident a request is about. When that is the logged-in resident, the user this request has already
    read from the database carries what the rules need; only someone acted for is read here."""
    if user.kind == "resident" and user.id == person_id:
        return Resident(person_id, user.home_municipality_code)
    person = resident(person_id)
    return Resident(person.id, person.home_municipality_code)


def history(person_id: int) -> list[Choice]:
    query = select(Choice).filter_by(person_id=person_id).order_by(Choice.chosen_at.desc(), Choice.id.desc())
    return list(db.session.scalars(query))


def find_choice(person_id: int, reference: str) -> Choice | None:
    return db.session.scalar(select(Choice).filter_by(person_id=person_id, reference=reference))


def unit_offer(kind: str, location_id: str, today: date | None = None, *, count: bool = True) -> UnitOffer | None:
    """The unit, its approval and its capacity for `kind` in one query. With `count`, the seats taken are counted in
    it too, only where there is a capacity (the CASE runs the count only then)."""
    columns: list[Any] = [
        CatalogueLocation.id,
        CatalogueLocation.organisation_id,
        CatalogueLocation.name_fi,
        CatalogueLocation.name_sv,
        CatalogueLocation.street_fi,
        CatalogueLocation.street_sv,
        CatalogueLocation.postal_code,
        CatalogueLocation.post_office_fi,
        CatalogueLocation.post_office_sv,
        CatalogueApproval.kinds,
        CatalogueApproval.accepts_new_clients,
        UnitCapacity.capacity,
    ]
    if count:
        held = _seats_held(kind, location_id, today or today_in_helsinki()).scalar_subquery()
        columns.append(case((UnitCapacity.capacity.is_not(None), held), else_=0).label("taken"))
    query = (
        select(*columns)
        .outerjoin(CatalogueApproval, CatalogueApproval.location_id == CatalogueLocation.id)
        .outerjoin(UnitCapacity, and_(UnitCapacity.location_id == CatalogueLocation.id, UnitCapacity.kind == kind))
        .where(CatalogueLocation.id == location_id)
    )
    row = db.session.execute(query).one_or_none()
    if row is None:
        return None
    return UnitOffer(
        location_id=row.id,
        organisation_id=row.organisation_id,
        name_fi=row.name_fi or "",
        name_sv=row.name_sv or "",
        approved=row.kinds is not None and kind in row.kinds.split(),
        accepts_new=bool(row.accepts_new_clients),
        capacity=row.capacity,
        taken=row.taken if count else 0,
        street_fi=row.street_fi,
        street_sv=row.street_sv,
        postal_code=row.postal_code,
        post_office_fi=row.post_office_fi,
        post_office_sv=row.post_office_sv,
    )


def seats_taken(kind: str, location_id: str, today: date) -> int:
    """Residents listed at the unit now or waiting to be, and those still there until a switch takes effect."""
    return int(db.session.execute(_seats_held(kind, location_id, today)).scalar_one())


def _seats_held(kind: str, location_id: str, today: date) -> Select[Any]:
    return (
        select(func.count())
        .select_from(Choice)
        .where(Choice.location_id == location_id, Choice.kind == kind, Choice.cancelled_at.is_(None))
        .where(or_(Choice.ended_on.is_(None), Choice.ended_on > today))
    )


def plan_choice(
    person: Person | Resident, kind: str, location_id: str, *, language: str = "fi", today: date | None = None
) -> Plan:
    today = today or today_in_helsinki()
    rules = load_rules()
    state = listing(person.id, kind, today)
    offer = unit_offer(kind, location_id, today)
    override = _override_if_needed(rules, person.id, kind, state, today)
    plan = _plan(rules, person, kind, offer, state, override, today)
    _offer_alternatives(plan, location_id, language)
    return plan


def _offer_alternatives(plan: Plan, location_id: str, language: str = "fi") -> None:
    """Other units only where another unit could be chosen now: not while the interval blocks every switch, and
    never the unit the resident is listed with or has already chosen (choosing it would be refused too)."""
    if plan.problem in OFFER_ALTERNATIVES and plan.blocked_until is None:
        plan.alternatives = alternatives(plan.kind, location_id, language, exclude=plan.listing.unit_ids)


def _plan(
    rules: Rules,
    person: Person | Resident,
    kind: str,
    offer: UnitOffer | None,
    state: Listing,
    override: IntervalOverride | None,
    today: date,
) -> Plan:
    effective_on = rules.effective_on(today)
    allowed_from = rules.next_switch_on(state.current.effective_on) if state.current else None
    plan = Plan(
        kind=kind,
        unit=offer,
        listing=state,
        effective_on=effective_on,
        next_switch_on=rules.next_switch_on(effective_on),
        switch_allowed_from=allowed_from,
        override=None,
        problem=None,
        rules=rules,
    )
    if kind not in KINDS:
        plan.problem = "not_approved"
    elif not rules.eligible(person.home_municipality_code):
        plan.problem = "not_eligible"
    elif offer is None:
        plan.problem = "unknown_unit"
    elif not offer.approved:
        plan.problem = "not_approved"
    elif state.pending is not None and state.pending.location_id == offer.location_id:
        plan.problem = "already_pending"
    elif state.current is not None and state.current.location_id == offer.location_id and state.pending is None:
        plan.problem = "already_listed"
    elif allowed_from is not None and today < allowed_from and override is None:
        plan.problem = "too_early"
    elif not offer.accepts_new:
        plan.problem = "not_accepting"
    elif offer.full:
        plan.problem = "full"
    if allowed_from is not None and today < allowed_from:
        if override is not None:
            plan.override = override
        else:
            plan.blocked_until = allowed_from
    return plan


def _override_if_needed(
    rules: Rules, person_id: int, kind: str, state: Listing, today: date
) -> IntervalOverride | None:
    """Only a switch inside the interval needs an override; every other choice skips the query."""
    if state.current is None or today >= rules.next_switch_on(state.current.effective_on):
        return None
    return usable_override(person_id, kind, today)


def usable_override(person_id: int, kind: str, today: date) -> IntervalOverride | None:
    return db.session.scalar(
        select(IntervalOverride)
        .filter_by(person_id=person_id, kind=kind, used_at=None)
        .where(IntervalOverride.valid_until >= today)
        .order_by(IntervalOverride.granted_at.desc())
        .limit(1)
    )


def new_request_key() -> str:
    """For the confirm form: a double click or a resent form carries the same key and gets the same choice."""
    return secrets.token_urlsafe(24)


def confirm_choice(
    *,
    person_id: int,
    kind: str,
    location_id: str,
    request_key: str,
    expected_version: int,
    actor: CurrentUser,
    today: date | None = None,
    basis: str | None = None,
) -> Choice:
    """Make the choice, or raise ChoiceRefused. Returns the existing choice when this request was already made.

    `basis` is the access log's basis of a choice made for someone else, when it is not the actor's roles or
    mandate (the help line's `call:<public id>`: the caller's consent on the phone)."""
    today = today or today_in_helsinki()
    try:
        choice = _confirm(person_id, kind, location_id, request_key, expected_version, actor, today, basis)
    except _Conflict:
        db.session.rollback()
    except IntegrityError:  # a concurrent first listing took the slot, or this request key was used
        db.session.rollback()
    except ChoiceRefused:
        db.session.rollback()
        raise
    else:
        return choice
    existing = db.session.scalar(select(Choice).filter_by(request_key=request_key))
    if existing is not None and existing.person_id == person_id:
        return existing
    raise ChoiceRefused("changed")


class _Conflict(Exception):
    pass


def lock_slot(person_id: int, kind: str, expected_version: int | None) -> None:
    """Take the resident's slot for this kind, or raise _Conflict when it moved past `expected_version`.

    This is the transaction's first write: on PostgreSQL it holds the row lock until commit; on SQLite it takes the
    database's write lock, so every read after it sees the latest committed state on both.
    """
    if expected_version == 0:
        db.session.execute(insert(ListingSlot).values(person_id=person_id, kind=kind, version=1))
        return
    condition = [ListingSlot.person_id == person_id, ListingSlot.kind == kind]
    if expected_version is not None:
        condition.append(ListingSlot.version == expected_version)
    # A DML statement's result is a CursorResult (rowcount); Session.execute is typed for the general Result.
    result = cast(
        CursorResult[Any],
        db.session.execute(
            update(ListingSlot).where(*condition).values(version=ListingSlot.version + 1),
            execution_options={"synchronize_session": False},
        ),
    )
    if result.rowcount != 1:
        raise _Conflict()


def _confirm(
    person_id: int,
    kind: str,
    location_id: str,
    request_key: str,
    expected_version: int,
    actor: CurrentUser,
    today: date,
    basis: str | None = None,
) -> Choice:
    lock_slot(person_id, kind, expected_version)
    rules = load_rules()
    person = db.session.get_one(Person, person_id)  # read once: the rules ask its municipality, the messages its name
    state = listing(person_id, kind, today, version=expected_version + 1)  # the version lock_slot has just set
    offer = unit_offer(kind, location_id, today, count=False)  # counted below, under the unit's lock
    override = _override_if_needed(rules, person_id, kind, state, today)
    plan = _plan(rules, person, kind, offer, state, override, today)
    if plan.problem is None and offer is not None and offer.capacity is not None:
        plan.problem = _lock_capacity(kind, location_id, today)
    if plan.problem or offer is None:  # _plan gives no offer the problem "unknown_unit"
        db.session.rollback()
        _offer_alternatives(plan, location_id)
        raise ChoiceRefused(plan.problem or "unknown_unit", plan)

    now = utcnow()
    replaced = state.pending
    if replaced is not None:
        replaced.cancelled_at, replaced.cancel_reason = now, "replaced"
    previous = state.current
    if previous is not None:
        previous.ended_on = plan.effective_on
    choice = Choice(
        reference=_new_reference(),
        request_key=request_key,
        person_id=person_id,
        kind=kind,
        location_id=offer.location_id,
        organisation_id=offer.organisation_id,
        unit_name_fi=offer.name_fi,
        unit_name_sv=offer.name_sv,
        previous_choice_id=previous.id if previous else None,
        chosen_at=now,
        effective_on=plan.effective_on,
        # Set with the INSERT rather than updated after it: the take-effect message is written below, in this
        # transaction.
        took_effect_at=now if plan.effective_on <= today else None,
        actor_kind=actor.kind,
        actor_id=actor.id,
        override_id=plan.override.id if plan.override else None,
    )
    db.session.add(choice)
    if plan.override is not None:
        plan.override.used_at = now
    db.session.flush()
    if replaced is not None:
        enqueue(replaced, "listing.cancelled", previous, organiser=rules.organiser_name)
    enqueue(choice, "listing.chosen", previous, organiser=rules.organiser_name)
    if choice.effective_on <= today:
        enqueue(choice, "listing.took_effect", previous, organiser=rules.organiser_name)
    record_event(
        "listing_chosen",
        actor=actor,
        subject_person_id=person_id if actor.kind != "resident" or actor.id != person_id else None,
        basis=basis,
        reference=choice.reference,
        kind=kind,
        location=location_id,
        override=bool(plan.override),
        commit=False,
    )
    db.session.commit()
    return choice


def _lock_capacity(kind: str, location_id: str, today: date) -> str | None:
    """Lock the unit's capacity row, then count: no other confirmation into the unit can pass in between. The
    UPDATE returns the capacity as it is under the lock (an organiser may have changed it since it was read)."""
    capacity = db.session.execute(
        update(UnitCapacity)
        .where(UnitCapacity.location_id == location_id, UnitCapacity.kind == kind)
        .values(lock_version=UnitCapacity.lock_version + 1)
        .returning(UnitCapacity.capacity),
        execution_options={"synchronize_session": False},
    ).scalar_one_or_none()
    if capacity is not None and seats_taken(kind, location_id, today) >= capacity:
        return "full"
    return None


def _new_reference() -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{code[:4]}-{code[4:]}"


def cancel_choice(*, person_id: int, reference: str, actor: CurrentUser, today: date | None = None) -> Choice:
    """Cancel a choice that has not taken effect; the listing it would have ended goes on as before."""
    today = today or today_in_helsinki()
    try:
        lock_slot(person_id, _kind_of(person_id, reference), None)
    except _Conflict:
        db.session.rollback()
        raise NotCancellable() from None
    choice = find_choice(person_id, reference)
    if choice is None or choice.cancelled_at is not None or choice.effective_on <= today:
        db.session.rollback()
        raise NotCancellable()
    choice.cancelled_at, choice.cancel_reason = utcnow(), "resident" if actor.kind == "resident" else "staff"
    previous = db.session.get(Choice, choice.previous_choice_id) if choice.previous_choice_id else None
    if previous is not None and previous.ended_on == choice.effective_on:
        previous.ended_on = None
    db.session.flush()
    enqueue(choice, "listing.cancelled", previous, organiser=load_rules().organiser_name)
    record_event(
        "listing_cancelled",
        actor=actor,
        subject_person_id=person_id if actor.kind != "resident" or actor.id != person_id else None,
        reference=reference,
        commit=False,
    )
    db.session.commit()
    return choice


def _kind_of(person_id: int, reference: str) -> str:
    kind = db.session.scalar(select(Choice.kind).filter_by(person_id=person_id, reference=reference))
    if kind is None:
        raise NotCancellable()
    return kind


def take_effect_due(today: date | None = None, limit: int = 1000) -> int:
    """Write the take-effect messages of choices whose day has come; safe to run from several places at once."""
    today = today or today_in_helsinki()
    organiser = load_rules().organiser_name
    due = db.session.scalars(
        select(Choice.id)
        .where(Choice.effective_on <= today, Choice.took_effect_at.is_(None), Choice.cancelled_at.is_(None))
        .order_by(Choice.effective_on, Choice.id)
        .limit(limit)
    ).all()
    done = 0
    for choice_id in due:
        claimed = cast(
            CursorResult[Any],
            db.session.execute(
                update(Choice)
                .where(Choice.id == choice_id, Choice.took_effect_at.is_(None), Choice.cancelled_at.is_(None))
                .values(took_effect_at=utcnow()),
                execution_options={"synchronize_session": False},
            ),
        )
        if claimed.rowcount != 1:
            db.session.rollback()
            continue
        choice = db.session.get_one(Choice, choice_id)
        previous = db.session.get(Choice, choice.previous_choice_id) if choice.previous_choice_id else None
        enqueue(choice, "listing.took_effect", previous, organiser=organiser)
        db.session.commit()
        done += 1
    return done


def alternatives(
    kind: str,
    location_id: str,
    language: str = "fi",
    limit: int = ALTERNATIVES,
    exclude: Collection[str] = (),
) -> list[Alternative]:
    """The nearest units of the same kind that are approved, take new clients and have room, other than `exclude`."""
    index = current_index()
    if kind not in index.kinds or len(index) == 0:
        return []
    mask = index.kinds[kind] & index.accepts_new
    position = index.position.get(location_id)
    if position is not None:
        mask[position] = False
    for unit_id in full_units((kind,)).get(kind, set()) | set(exclude):
        p = index.position.get(unit_id)
        if p is not None:
            mask[p] = False
    candidates = np.flatnonzero(mask)
    if len(candidates) == 0:
        return []
    if position is not None and not np.isnan(index.latitude[position]):
        distance = haversine_km(
            index.latitude[position], index.longitude[position], index.latitude[candidates], index.longitude[candidates]
        )
        distance = np.where(np.isnan(distance), np.inf, distance)
        order = candidates[np.argsort(distance, kind="stable")][:limit]
        distances = dict(zip(candidates.tolist(), distance.tolist(), strict=True))
    else:
        order, distances = candidates[:limit], {}
    result = []
    for p in order.tolist():
        names = index.names.get(language) or index.names["fi"]
        code = index.municipality[p]
        municipality = index.municipality_names.get(code, {})
        distance_km = distances.get(p)
        result.append(
            Alternative(
                location_id=index.ids[p],
                name=names[p] or index.names["fi"][p] or "",
                municipality=municipality.get("sv" if language == "sv" else "fi", ""),
                distance_km=None if distance_km in (None, np.inf) else round(distance_km, 1),
            )
        )
    return result


def full_units(
    kinds: Collection[str] = KINDS, location_ids: Collection[str] | None = None, today: date | None = None
) -> dict[str, set[str]]:
    """Per kind, the units whose capacity is reached, in one query: what the pages show is what confirmation
    enforces (seats_taken counts the same rows). `location_ids` limits it to the units a page shows."""
    today = today or today_in_helsinki()
    limited = select(UnitCapacity.location_id).where(UnitCapacity.capacity.is_not(None))
    counted = list(location_ids) if location_ids is not None else limited  # only units that have a capacity
    held = (
        select(Choice.location_id, Choice.kind, func.count().label("taken"))
        .where(Choice.kind.in_(list(kinds)), Choice.location_id.in_(counted))
        .where(Choice.cancelled_at.is_(None), or_(Choice.ended_on.is_(None), Choice.ended_on > today))
        .group_by(Choice.location_id, Choice.kind)
        .subquery()
    )
    query = (
        select(UnitCapacity.kind, UnitCapacity.location_id)
        .outerjoin(held, (held.c.location_id == UnitCapacity.location_id) & (held.c.kind == UnitCapacity.kind))
        .where(UnitCapacity.kind.in_(list(kinds)), UnitCapacity.capacity.is_not(None))
        .where(func.coalesce(held.c.taken, 0) >= UnitCapacity.capacity)
    )
    if location_ids is not None:
        query = query.where(UnitCapacity.location_id.in_(list(location_ids)))
    found: dict[str, set[str]] = {kind: set() for kind in kinds}
    for kind, location_id in db.session.execute(query):
        found[kind].add(location_id)
    return found


def full_units_now() -> dict[str, set[str]]:
    """full_units() for every kind, as the search pages read it: kept per process for FULL_UNITS_TTL_SECONDS
    (like the catalogue version), so a page from the page cache costs no query. A unit that fills up shows as full
    within that time; confirming re-checks under the capacity lock whatever a page showed."""
    ttl = current_app.config.get("FULL_UNITS_TTL_SECONDS", 0)
    today = today_in_helsinki()
    if ttl <= 0:
        return full_units(today=today)
    kept = current_app.extensions.get("full_units")
    now = time.monotonic()
    if kept is None or kept[0] != today or now - kept[1] > ttl:
        kept = current_app.extensions["full_units"] = (today, now, full_units(today=today))
    return {kind: set(units) for kind, units in kept[2].items()}


@dataclass
class UnitMarks:
    """What listing with each unit a page shows would meet, for its choose buttons and its "new clients" line: the
    resident's own units and the units the organiser's capacity has filled, read once for all of them."""

    full: dict[str, set[str]]  # kind -> units whose capacity is reached
    current: dict[str, Choice] = field(default_factory=dict)  # kind -> the resident's listing in effect
    pending: dict[str, Choice] = field(default_factory=dict)  # kind -> their choice waiting to take effect

    def state(self, kind: str, location_id: str, accepts_new: bool) -> str:
        """current (listed there), leaving (listed there, switching away), pending (chosen, waiting), closed (takes
        no new clients), full (capacity reached) or open (the choose button)."""
        current, pending = self.current.get(kind), self.pending.get(kind)
        if pending is not None and pending.location_id == location_id:
            return "pending"
        if current is not None and current.location_id == location_id:
            return "leaving" if pending is not None else "current"
        if not accepts_new:
            return "closed"
        return "full" if location_id in self.full.get(kind, ()) else "open"

    def full_kinds(self, location_id: str, kinds: Collection[str]) -> list[str]:
        """The listing kinds among `kinds` for which the unit has no room."""
        return [kind for kind in KINDS if kind in kinds and location_id in self.full.get(kind, ())]


def unit_marks(person_id: int | None, location_ids: Collection[str], today: date | None = None) -> UnitMarks:
    """One query for the capacity of all the units, and one for the resident's own listings when someone is."""
    today = today or today_in_helsinki()
    marks = UnitMarks(full=full_units(KINDS, location_ids, today))
    if person_id is not None:
        own = db.session.scalars(
            select(Choice)
            .where(Choice.person_id == person_id, Choice.cancelled_at.is_(None))
            .where(or_(Choice.ended_on.is_(None), Choice.ended_on > today))
            .order_by(Choice.effective_on, Choice.id)
        )
        for choice in own:
            (marks.current if choice.effective_on <= today else marks.pending)[choice.kind] = choice
    return marks
