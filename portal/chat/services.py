"""Conversations: the resident's side and the parts the help line shares (append, hand over, queue, close).

A message is appended by bumping its conversation's `last_seq` in one UPDATE … RETURNING, which also takes the
row's lock on PostgreSQL, so two processes appending at once get consecutive numbers and neither is lost. A side
asks "anything after N?" with one primary-key read (`state_tag`), which is what makes polling every 1.5 seconds
cheap for hundreds of open conversations.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from portal.assistant import Reply
from portal.auth.services import CurrentUser, record_event
from portal.chat.settings import ChatSettings, load_chat_settings
from portal.extensions import db
from portal.models import ChatMessage, Conversation, HelplinePresence
from portal.models._types import utcnow
from portal.models.chat import LANGUAGES

OPEN_STATUSES = ("assistant", "queued", "active", "message")


class MessageRefused(Exception):
    """A message that is not taken: `reason` is "empty", "too_long" or "closed"; the text stays in the box."""

    def __init__(self, reason: str, limit: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.limit = limit


def new_owner_token() -> str:
    return secrets.token_urlsafe(24)


def owner_hash(token: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"chat:" + token.encode(), hashlib.sha256).hexdigest()


def find_own(public_id: str | None, token: str | None, person_id: int | None) -> Conversation | None:
    """The conversation this browser (or logged-in person) owns: the one named in the session, or the person's
    latest that is still open."""
    if public_id and token:
        conversation = db.session.scalar(select(Conversation).filter_by(public_id=public_id))
        if conversation is not None and hmac.compare_digest(conversation.owner_hash, owner_hash(token)):
            if conversation.person_id is None and person_id is not None:
                conversation.person_id = person_id  # started before logging in, in this same browser
                db.session.commit()
            if conversation.person_id in (None, person_id):
                return conversation
    if person_id is not None:
        return db.session.scalar(
            select(Conversation)
            .where(Conversation.person_id == person_id, Conversation.status.in_(OPEN_STATUSES))
            .order_by(Conversation.created_at.desc())
            .limit(1)
        )
    return None


def start(language: str, person_id: int | None, token: str) -> Conversation:
    conversation = Conversation(language=_language(language), person_id=person_id, owner_hash=owner_hash(token))
    db.session.add(conversation)
    db.session.commit()  # before the rate limit counts it: SQLite lets one connection write at a time
    return conversation


def _language(language: str) -> str:
    return language if language in LANGUAGES else "fi"


def follow_language(conversation: Conversation, language: str) -> None:
    """While only the assistant answers, the conversation follows the page's language; once a person has been asked
    for, it keeps the language it was routed by, so changing the page's language never loses a place in a queue."""
    if conversation.status == "assistant" and conversation.language != _language(language):
        conversation.language = _language(language)
        db.session.commit()


def append(
    conversation: Conversation,
    author: str,
    body: str,
    *,
    staff_id: int | None = None,
    entry_id: str | None = None,
    action: str | None = None,
    event: str | None = None,
    internal: bool = False,
) -> ChatMessage:
    seq = db.session.execute(
        update(Conversation)
        .where(Conversation.id == conversation.id)
        .values(last_seq=Conversation.last_seq + 1)
        .returning(Conversation.last_seq)
    ).scalar_one()
    message = ChatMessage(
        conversation_id=conversation.id,
        seq=seq,
        author=author,
        staff_id=staff_id,
        body=body,
        entry_id=entry_id,
        action=action,
        event=event,
        internal=internal,
    )
    db.session.add(message)
    conversation.last_seq = seq
    return message


def checked_text(text: str, settings: ChatSettings) -> str:
    text = (text or "").strip()
    if not text:
        raise MessageRefused("empty")
    if len(text) > settings.message_max_chars:
        raise MessageRefused("too_long", settings.message_max_chars)
    return text


def resident_says(conversation: Conversation, text: str, reply: Reply | None) -> str | None:
    """The resident's message; `reply` is the assistant's answer when only the assistant is there. Returns what
    `request_person` returned when the answer hands over (asked for a person, or a question only a person may
    answer), else None."""
    if conversation.status == "closed":
        raise MessageRefused("closed")
    append(conversation, "resident", text)
    if conversation.status == "assistant" and reply is not None:
        append(conversation, "assistant", reply.text, entry_id=reply.entry_id, action=reply.action)
        if reply.handover:
            return request_person(conversation)
    db.session.commit()
    return None


def request_person(conversation: Conversation, now: datetime | None = None) -> str:
    """Hand over: to the queue when the line is open and someone speaks the language; otherwise to a message
    answered later (a logged-in person only, so the answer has somewhere to go). Returns the new status, or
    "login_needed" when an anonymous visitor asks out of hours."""
    if conversation.status in ("queued", "active", "message"):
        return conversation.status
    now = now or utcnow()
    settings = load_chat_settings()
    if settings.is_open(now) and workers_on_duty(conversation.language, settings, now) > 0:
        conversation.status, conversation.queued_at = "queued", now
        append(conversation, "system", "", event="queued")
    elif conversation.person_id is not None:
        conversation.status, conversation.queued_at = "message", now
        conversation.answer_due = settings.answer_due(now)
        append(conversation, "system", "", event="message")
    else:
        db.session.commit()
        return "login_needed"
    db.session.commit()
    return conversation.status


def workers_on_duty(language: str, settings: ChatSettings | None = None, now: datetime | None = None) -> int:
    settings = settings or load_chat_settings()
    since = (now or utcnow()) - timedelta(seconds=settings.presence_timeout_seconds)
    rows = db.session.scalars(
        select(HelplinePresence.languages).where(HelplinePresence.on_duty.is_(True), HelplinePresence.seen_at >= since)
    )
    return sum(1 for languages in rows if language in languages.split())


@dataclass(frozen=True)
class Place:
    position: int  # 1 = next
    wait_minutes: int


def place_in_queue(conversation: Conversation, now: datetime | None = None) -> Place | None:
    if conversation.status != "queued" or conversation.queued_at is None:
        return None
    position = _ahead(conversation) + 1
    settings = load_chat_settings()
    workers = max(1, workers_on_duty(conversation.language, settings, now))
    minutes = handle_minutes(settings)
    return Place(position=position, wait_minutes=max(1, round(position * minutes / workers)))


def handle_minutes(settings: ChatSettings, sample: int = 50) -> float:
    """How long a chat with a person usually lasts: the median of the latest closed ones, or the setting's value
    until there are ten to go on."""
    rows = db.session.execute(
        select(Conversation.accepted_at, Conversation.closed_at)
        .where(Conversation.accepted_at.is_not(None), Conversation.closed_at.is_not(None))
        .order_by(Conversation.closed_at.desc())
        .limit(sample)
    ).all()
    lengths = sorted((closed - accepted).total_seconds() / 60 for accepted, closed in rows if accepted and closed)
    if len(lengths) < 10:
        return float(settings.handle_minutes)
    return max(1.0, lengths[len(lengths) // 2])


def state_tag(conversation: Conversation) -> str:
    """What a side needs to know whether to redraw: new messages, a new status, a moved queue place. Read from the
    conversation the request has just loaded, so an unchanged poll costs that one primary-key read (and, while
    queued, one count)."""
    tag = f"{conversation.last_seq}-{conversation.status}"
    if conversation.status == "queued":
        tag += f"-{_ahead(conversation)}"
    return tag


def _ahead(conversation: Conversation) -> int:
    """How many chats in the same language's queue were there first."""
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Conversation)
        .where(
            Conversation.status == "queued",
            Conversation.language == conversation.language,
            Conversation.queued_at < conversation.queued_at,
        )
    )
    return int(ahead or 0)


def messages_after(conversation: Conversation, seq: int, *, internal: bool = False) -> list[ChatMessage]:
    query = select(ChatMessage).where(ChatMessage.conversation_id == conversation.id, ChatMessage.seq > seq)
    if not internal:
        query = query.where(ChatMessage.internal.is_(False))
    return list(db.session.scalars(query.order_by(ChatMessage.seq)))


def close(conversation: Conversation, *, by: str, staff_id: int | None = None) -> None:
    if conversation.status == "closed":
        return
    conversation.status, conversation.closed_at = "closed", utcnow()
    append(conversation, "system", "", event=f"closed_by_{by}", staff_id=staff_id)
    db.session.commit()


def rate(conversation: Conversation, rating: int) -> None:
    if conversation.status != "closed" or not 1 <= rating <= 5:
        raise ValueError("only a closed chat is rated, from 1 to 5")
    conversation.rating, conversation.rated_at = rating, utcnow()
    db.session.commit()


def give_consent(conversation: Conversation, actor: CurrentUser) -> None:
    """The resident lets the help line see their listings, vouchers and flags beside this chat; in the access log."""
    if conversation.person_id is None or conversation.consent_at is not None:
        return
    conversation.consent_at = utcnow()
    append(conversation, "system", "", event="consent")
    record_event("chat_consent", actor=actor, subject_person_id=conversation.person_id, commit=False,
                 conversation=conversation.public_id)  # fmt: skip
    db.session.commit()
