"""Flags: sending one, what happens to it, and the suggestions the console shows. Views call these; nothing else
writes a flag.

Every change is one transaction with its timeline row, its notification to the flagger when they see it, and its
access-log row when it is someone else's data.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.auth.services import CurrentUser, record_event
from portal.extensions import db
from portal.models import Flag, FlagEvent, FlagNotification, FlagProvider, Person
from portal.models._types import utcnow
from portal.models.flags import CATEGORIES, CONTACT_METHODS, DISPUTABLE, OPEN_STATUSES, STATUSES

REFERENCE_ALPHABET = "ABCDEFHJKLMNPRSTUVWXY3456789"  # as listing references: no look-alike characters
DESCRIPTION_MAX = 4000
INFO_MAX = 4000
FORWARDED_TO_MAX = 200


class FlagRefused(Exception):
    """The action cannot be done now (`problem` names why; the page says it in the reader's language)."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem  # not_disputable, already_disputed, closed, unknown_status, forwarded_to_required


@dataclass
class FlagDraft:
    """What the form collected, step by step; validated by the form, checked again here."""

    category: str
    providers: list[tuple[str, str]] = field(default_factory=list)  # (provider id, name as shown)
    happened_on: date | None = None
    description: str = ""
    contact_method: str = "portal"
    contact_email: str | None = None
    contact_phone: str | None = None
    consent_share: bool = False


def new_request_key() -> str:
    return secrets.token_urlsafe(24)


def _reference() -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"F{code[:4]}-{code[4:]}"


def submit_flag(
    draft: FlagDraft,
    *,
    person_id: int,
    flagger: CurrentUser,
    basis: str | None,
    language: str,
    request_key: str,
) -> Flag:
    """Store the flag; the same request key (a double submit, a resent form) gives the flag already stored.

    A resident flagger is the person or a relative acting for them. A staff flagger (the help line, on the person's
    phone call, `basis` naming the call) sends it for the person: the person is its flagger, who reads the replies,
    and its first timeline line is theirs (a staff line visible to the flagger counts as an answer in the console).
    The worker is in the access log's row, with the call as its basis."""
    if draft.category not in CATEGORIES or draft.contact_method not in CONTACT_METHODS:
        raise ValueError("the form let through a value it must refuse")
    flagger_id = _flagger_id(flagger, person_id)
    existing = _by_request_key(request_key, flagger_id)
    if existing is not None:
        return existing
    person = db.session.get_one(Person, person_id)
    flag = Flag(
        reference=_reference(),
        request_key=request_key,
        person_id=person_id,
        flagger_id=flagger_id,
        basis=basis,
        category=draft.category,
        happened_on=draft.happened_on,
        description=draft.description,
        contact_method=draft.contact_method,
        contact_email=draft.contact_email if draft.contact_method == "email" else None,
        contact_phone=draft.contact_phone if draft.contact_method == "phone" else None,
        consent_share=draft.consent_share,
        language=language,
        municipality_code=person.home_municipality_code,
        providers=[FlagProvider(provider_id=pid, provider_name=name) for pid, name in draft.providers],
    )
    flag.events.append(FlagEvent(kind="created", actor_kind="resident", actor_id=flagger_id, status_to="new"))
    db.session.add(flag)
    try:
        db.session.flush()
    except IntegrityError:  # the same key, sent twice at once: the other request stored it
        db.session.rollback()
        stored = _by_request_key(request_key, flagger_id)
        if stored is None:
            raise
        return stored
    record_event(
        "flag_sent",
        actor=flagger,
        subject_person_id=None if flagger.kind == "resident" and person_id == flagger.id else person_id,
        basis=basis,
        commit=False,
        flag=flag.reference,
    )
    db.session.commit()
    return flag


def _flagger_id(flagger: CurrentUser, person_id: int) -> int:
    """The person who sent the flag and reads its replies: a resident flagger, or the person a worker sent it for."""
    return int(flagger.id) if flagger.kind == "resident" else person_id


def _by_request_key(request_key: str, flagger_id: int) -> Flag | None:
    return db.session.scalar(select(Flag).filter_by(request_key=request_key, flagger_id=flagger_id))


def flags_about(person_id: int) -> list[Flag]:
    """The person's flags, newest first (sent by them or by someone acting for them)."""
    return list(db.session.scalars(select(Flag).filter_by(person_id=person_id).order_by(Flag.created_at.desc())))


def find_flag(person_id: int, reference: str) -> Flag | None:
    return db.session.scalar(select(Flag).filter_by(person_id=person_id, reference=reference))


def flag_by_reference(reference: str) -> Flag | None:
    return db.session.scalar(select(Flag).filter_by(reference=reference))


def timeline(flag: Flag, *, for_flagger: bool) -> list[FlagEvent]:
    return [event for event in flag.events if event.visible_to_flagger or not for_flagger]


# --- what the flagger does afterwards ------------------------------------------------------------------------


def add_info(flag: Flag, text: str, actor: CurrentUser, basis: str | None = None) -> FlagEvent:
    if flag.status not in OPEN_STATUSES:
        raise FlagRefused("closed")
    event = _event(flag, "info", actor, text=text)
    _touch(flag)
    _log_for_someone_else(flag, actor, "flag_info_added", basis)
    db.session.commit()
    return event


def dispute(flag: Flag, reason: str, actor: CurrentUser, basis: str | None = None) -> FlagEvent:
    """Once, and only a closure as not resolved or a forwarding: the flag opens again as disputed."""
    if flag.disputed_at is not None:
        raise FlagRefused("already_disputed")
    if flag.status not in DISPUTABLE:
        raise FlagRefused("not_disputable")
    event = _event(flag, "dispute", actor, text=reason, status_from=flag.status, status_to="disputed")
    flag.status, flag.disputed_at, flag.closed_at = "disputed", utcnow(), None
    _touch(flag)
    _log_for_someone_else(flag, actor, "flag_disputed", basis)
    db.session.commit()
    return event


# --- what the organiser does ---------------------------------------------------------------------------------


def change_status(
    flag: Flag, status: str, staff: CurrentUser, *, reply: str | None = None, forwarded_to: str | None = None
) -> FlagEvent:
    """A new status, said to the flagger with `reply` (a template filled in, or the worker's own words)."""
    if status not in STATUSES or status == "disputed":
        raise FlagRefused("unknown_status")
    if status == "forwarded" and not (forwarded_to or "").strip():
        raise FlagRefused("forwarded_to_required")
    event = _event(flag, "status", staff, text=(reply or None), status_from=flag.status, status_to=status, notify=True)
    flag.status = status
    flag.forwarded_to = forwarded_to.strip() if status == "forwarded" and forwarded_to else flag.forwarded_to
    flag.closed_at = None if status in OPEN_STATUSES else utcnow()
    _touch(flag)
    _staff_log(flag, staff, "flag_status_changed", status=status)
    db.session.commit()
    return event


def reply(flag: Flag, text: str, staff: CurrentUser) -> FlagEvent:
    event = _event(flag, "reply", staff, text=text, notify=True)
    _touch(flag)
    _staff_log(flag, staff, "flag_replied")
    db.session.commit()
    return event


def add_note(flag: Flag, text: str, staff: CurrentUser) -> FlagEvent:
    """An internal note: staff only, never shown to the flagger."""
    event = _event(flag, "note", staff, text=text, visible=False)
    _staff_log(flag, staff, "flag_noted")
    db.session.commit()
    return event


def assign(flag: Flag, assignee_id: int | None, staff: CurrentUser) -> FlagEvent:
    flag.assignee_id = assignee_id
    event = _event(flag, "assigned", staff, text=str(assignee_id or ""), visible=False)
    _touch(flag)
    _staff_log(flag, staff, "flag_assigned")
    db.session.commit()
    return event


def set_priority(flag: Flag, priority: int, staff: CurrentUser) -> FlagEvent:
    if priority not in (1, 2, 3):
        raise FlagRefused("unknown_priority")
    flag.priority = priority
    event = _event(flag, "priority", staff, text=str(priority), visible=False)
    _staff_log(flag, staff, "flag_prioritised")
    db.session.commit()
    return event


def record_response(flag: Flag, provider_row_id: int, text: str, staff: CurrentUser) -> FlagEvent:
    """A provider's response as the organiser received it; the flagger sees it in the timeline."""
    provider = next((p for p in flag.providers if p.id == provider_row_id), None)
    if provider is None:
        raise FlagRefused("unknown_provider")
    provider.response, provider.responded_at, provider.recorded_by_id = text, utcnow(), int(staff.id)
    event = _event(flag, "provider_response", staff, text=text, provider_id=provider.provider_id, notify=True)
    _touch(flag)
    _staff_log(flag, staff, "flag_response_recorded")
    db.session.commit()
    return event


# --- reading, for the console --------------------------------------------------------------------------------


def last_answered_at(flag: Flag) -> datetime | None:
    """When the organiser last said something to the flagger or a provider answered (for escalation)."""
    answered = [e.at for e in flag.events if e.actor_kind == "staff" and e.visible_to_flagger]
    return max(answered) if answered else None


def open_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Flag).where(Flag.status.in_(OPEN_STATUSES))) or 0


def providers_of(flags: Sequence[Flag]) -> dict[int, list[FlagProvider]]:
    return {flag.id: list(flag.providers) for flag in flags}


# --- helpers -------------------------------------------------------------------------------------------------


def _event(
    flag: Flag,
    kind: str,
    actor: CurrentUser,
    *,
    text: str | None = None,
    status_from: str | None = None,
    status_to: str | None = None,
    provider_id: str | None = None,
    visible: bool = True,
    notify: bool = False,
) -> FlagEvent:
    event = FlagEvent(
        kind=kind,
        actor_kind=actor.kind,
        actor_id=int(actor.id),
        visible_to_flagger=visible,
        status_from=status_from,
        status_to=status_to,
        text=text,
        provider_id=provider_id,
    )
    flag.events.append(event)
    db.session.flush()
    if notify and visible:
        db.session.add(
            FlagNotification(
                flag_id=flag.id,
                person_id=flag.flagger_id,
                event_id=event.id,
                email_status="pending" if flag.contact_method == "email" and flag.contact_email else "none",
            )
        )
    return event


def _touch(flag: Flag) -> None:
    flag.updated_at = utcnow()


def _staff_log(flag: Flag, staff: CurrentUser, action: str, **detail: str) -> None:
    record_event(action, actor=staff, subject_person_id=flag.person_id, commit=False, flag=flag.reference, **detail)


def _log_for_someone_else(flag: Flag, actor: CurrentUser, action: str, basis: str | None) -> None:
    if actor.kind == "resident" and int(actor.id) == flag.person_id:
        return
    record_event(action, actor=actor, subject_person_id=flag.person_id, basis=basis, commit=False, flag=flag.reference)
