"""The help line's side of the chat: presence, the queues by language, taking a chat, replies and internal notes,
passing a chat to a colleague, and what a worker may see of the resident.

Taking a chat is one conditional UPDATE (still waiting, nobody's yet), so of two workers who press "Take" at once
exactly one gets it, whichever process serves each. The console asks "anything new?" every 1.5 seconds with two
small aggregate reads (`console_tag`), and a worker's presence is refreshed from those polls at most every
`HEARTBEAT_SECONDS` per process, so an open console keeps its worker on duty without a write per poll.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import Update, func, or_, select, update
from sqlalchemy.engine import CursorResult

from portal.auth.services import CurrentUser, record_event
from portal.chat.services import MessageRefused, append, checked_text
from portal.chat.settings import ChatSettings, load_chat_settings
from portal.choice.services import Listing, listings
from portal.compare.units import today_in_helsinki
from portal.extensions import db
from portal.flags.services import flags_about
from portal.models import Conversation, Flag, HelplinePresence, Person, StaffRoleGrant, StaffUser
from portal.models._types import utcnow
from portal.models.chat import LANGUAGES, WAITING
from portal.models.flags import OPEN_STATUSES as FLAG_OPEN_STATUSES
from portal.wallet.services import BudgetView, VoucherView, budget_view, budgets, voucher_view, vouchers

HEARTBEAT_SECONDS = 30
ROLE = "helpline"


# --- presence ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Presence:
    on_duty: bool
    languages: tuple[str, ...]
    seen_at: datetime | None


def presence(staff_id: int) -> Presence:
    row = db.session.get(HelplinePresence, staff_id)
    if row is None:
        return Presence(False, ("fi",), None)
    return Presence(row.on_duty, _languages(row.languages), row.seen_at)


def _languages(text: str) -> tuple[str, ...]:
    chosen = set(text.split())
    return tuple(language for language in LANGUAGES if language in chosen)


def set_presence(staff_id: int, on_duty: bool, languages: Sequence[str]) -> None:
    row = db.session.get(HelplinePresence, staff_id)
    if row is None:
        row = HelplinePresence(staff_id=staff_id)
        db.session.add(row)
    row.on_duty = on_duty
    row.languages = " ".join(language for language in LANGUAGES if language in set(languages)) or "fi"
    row.seen_at = utcnow()
    db.session.commit()
    _beats().pop(staff_id, None)


def heartbeat(staff_id: int, now: datetime | None = None) -> None:
    """The worker's console is open: keep them on duty. One UPDATE per `HEARTBEAT_SECONDS` per process at most."""
    beats = _beats()
    clock = time.monotonic()
    if clock - beats.get(staff_id, float("-inf")) < HEARTBEAT_SECONDS:
        return
    beats[staff_id] = clock
    db.session.execute(
        update(HelplinePresence)
        .where(HelplinePresence.staff_id == staff_id, HelplinePresence.on_duty.is_(True))
        .values(seen_at=now or utcnow())
    )
    db.session.commit()


def _beats() -> dict[int, float]:
    """When this process last wrote each worker's presence (per app, so each test's app starts afresh)."""
    beats: dict[int, float] = current_app.extensions.setdefault("helpline_heartbeats", {})
    return beats


def colleagues_on_duty(staff_id: int, settings: ChatSettings | None = None) -> list[tuple[StaffUser, Presence]]:
    """Other workers who hold the help-line role and whose console is open and on duty, by name."""
    settings = settings or load_chat_settings()
    since = utcnow() - timedelta(seconds=settings.presence_timeout_seconds)
    granted = select(StaffRoleGrant.subject).where(StaffRoleGrant.role == ROLE)
    rows = db.session.execute(
        select(StaffUser, HelplinePresence)
        .join(HelplinePresence, HelplinePresence.staff_id == StaffUser.id)
        .where(
            StaffUser.id != staff_id,
            HelplinePresence.on_duty.is_(True),
            HelplinePresence.seen_at >= since,
            or_(StaffUser.claim_roles.contains(ROLE), StaffUser.oidc_subject.in_(granted)),
        )
        .order_by(StaffUser.name, StaffUser.id)
    ).all()
    # claim_roles is space-separated; no other role's name contains "helpline", so a substring match is a word match.
    return [(staff, Presence(row.on_duty, _languages(row.languages), row.seen_at)) for staff, row in rows]


# --- the queues --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    language: str
    waiting: list[Conversation]  # asked for a person while the line was open: oldest first
    messages: list[Conversation]  # left out of hours, answered later: oldest first


def queues(languages: Sequence[str]) -> list[Queue]:
    rows = db.session.scalars(
        select(Conversation)
        .where(Conversation.status.in_(WAITING), Conversation.language.in_(list(languages)))
        .order_by(Conversation.queued_at, Conversation.id)
    ).all()
    return [
        Queue(
            language,
            [row for row in rows if row.language == language and row.status == "queued"],
            [row for row in rows if row.language == language and row.status == "message"],
        )
        for language in LANGUAGES
        if language in languages
    ]


def my_chats(staff_id: int) -> list[Conversation]:
    return list(
        db.session.scalars(
            select(Conversation)
            .where(Conversation.assignee_id == staff_id, Conversation.status == "active")
            .order_by(Conversation.accepted_at, Conversation.id)
        )
    )


def console_tag(staff_id: int, languages: Sequence[str], now: datetime | None = None) -> str:
    """What the console needs to know whether to redraw: the waiting chats in the worker's languages (how many and
    the newest), their own open chats (how many, and their messages), and the minute (for "waiting N minutes")."""
    waiting = db.session.execute(
        select(func.count(), func.max(Conversation.queued_at)).where(
            Conversation.status.in_(WAITING), Conversation.language.in_(list(languages))
        )
    ).one()
    mine = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Conversation.last_seq), 0)).where(
            Conversation.assignee_id == staff_id, Conversation.status == "active"
        )
    ).one()
    newest = f"{waiting[1]:%Y%m%d%H%M%S%f}" if waiting[1] is not None else "-"
    minute = f"{now or utcnow():%H%M}"
    return f"{'.'.join(languages)}-{waiting[0]}-{newest}-{mine[0]}-{mine[1]}-{minute}"


def waiting_minutes(conversation: Conversation, now: datetime | None = None) -> int:
    if conversation.queued_at is None:
        return 0
    return max(0, int(((now or utcnow()) - conversation.queued_at).total_seconds() // 60))


# --- one chat ----------------------------------------------------------------------------------------------------


def find(public_id: str) -> Conversation | None:
    if len(public_id) != 32 or not all(char in "0123456789abcdef" for char in public_id):
        return None
    return db.session.scalar(select(Conversation).filter_by(public_id=public_id))


def may_read(conversation: Conversation, staff_id: int) -> bool:
    """Any worker may read a chat waiting for someone to take it; once taken, only its worker."""
    return conversation.status in WAITING or conversation.assignee_id == staff_id


def accept(conversation: Conversation, staff_id: int, now: datetime | None = None) -> bool:
    """Take a waiting chat; False when a colleague took it first (or it ended meanwhile)."""
    now = now or utcnow()
    taken = _changed(
        update(Conversation)
        .where(
            Conversation.id == conversation.id,
            Conversation.status.in_(WAITING),
            Conversation.assignee_id.is_(None),
        )
        .values(status="active", assignee_id=staff_id, accepted_at=now)
    )
    if taken != 1:
        db.session.rollback()
        db.session.refresh(conversation)
        return False
    append(conversation, "system", "", event="accepted", staff_id=staff_id)
    db.session.commit()
    db.session.refresh(conversation)
    return True


def _changed(statement: Update) -> int:
    """How many rows a conditional UPDATE changed (a DML result is a CursorResult; Session.execute is typed for the
    general Result)."""
    result = cast(CursorResult[Any], db.session.execute(statement, execution_options={"synchronize_session": False}))
    return int(result.rowcount)


def reply(conversation: Conversation, staff_id: int, text: str, settings: ChatSettings | None = None) -> None:
    """The worker's answer to the resident; MessageRefused ("empty", "too_long", "closed") keeps nothing."""
    if conversation.status != "active":
        raise MessageRefused("closed")
    text = checked_text(text, settings or load_chat_settings())
    append(conversation, "staff", text, staff_id=staff_id)
    db.session.commit()


def note(conversation: Conversation, staff_id: int, text: str, settings: ChatSettings | None = None) -> None:
    """An internal note: for workers only, shown as the note of its writer, never to the resident."""
    text = checked_text(text, settings or load_chat_settings())
    append(conversation, "staff", text, staff_id=staff_id, internal=True)
    db.session.commit()


def transfer(conversation: Conversation, staff_id: int, to: StaffUser) -> bool:
    """Pass the worker's chat to a colleague; False when it is no longer theirs to pass."""
    passed = _changed(
        update(Conversation)
        .where(
            Conversation.id == conversation.id,
            Conversation.status == "active",
            Conversation.assignee_id == staff_id,
        )
        .values(assignee_id=to.id)
    )
    if passed != 1:
        db.session.rollback()
        return False
    append(conversation, "system", "", event="transferred", staff_id=to.id)
    db.session.commit()
    db.session.refresh(conversation)
    return True


# --- the resident's information beside the chat ------------------------------------------------------------------


@dataclass(frozen=True)
class ResidentInformation:
    first_name: str
    listings: dict[str, Listing]
    vouchers: list[VoucherView]
    budgets: list[BudgetView]
    flags: list[Flag]


def may_see_resident(conversation: Conversation, staff_id: int) -> bool:
    """Only the chat's own worker, only while it is open, and only once the resident has said yes in this chat."""
    return (
        conversation.person_id is not None
        and conversation.consent_at is not None
        and conversation.status == "active"
        and conversation.assignee_id == staff_id
    )


def resident_information(conversation: Conversation, actor: CurrentUser, language: str) -> ResidentInformation | None:
    """The resident's listings, vouchers and budgets, and open reports, with the look in the access log; None
    (and nothing read) without the resident's consent in this chat."""
    if actor.kind != "staff" or not may_see_resident(conversation, int(actor.id)) or conversation.person_id is None:
        return None
    person_id = conversation.person_id
    today = today_in_helsinki()
    person = db.session.get(Person, person_id)
    information = ResidentInformation(
        first_name=person.given_name if person is not None else "",
        listings=listings(person_id),
        vouchers=[voucher_view(voucher, today, language) for voucher in vouchers(person_id)],
        budgets=[budget_view(budget, today, language) for budget in budgets(person_id)],
        flags=[flag for flag in flags_about(person_id) if flag.status in FLAG_OPEN_STATUSES],
    )
    record_event("helpline_chat_view", actor=actor, subject_person_id=person_id, conversation=conversation.public_id)
    return information


def first_name_if_consented(conversation: Conversation, staff_id: int) -> str:
    """The resident's first name for a canned response's {name}: only what their consent lets the worker see."""
    if not may_see_resident(conversation, staff_id) or conversation.person is None:
        return ""
    return conversation.person.given_name


def staff_by_public_id(public_id: str) -> StaffUser | None:
    if not public_id or len(public_id) > 32:
        return None
    return db.session.scalar(select(StaffUser).filter_by(public_id=public_id))
