"""Chat: a conversation between a resident (or anyone on the public side), the assistant and the help line, and the
help line's phone calls.

Every message lives in the database, numbered within its conversation (`seq`), so any process on any host can tell
in one primary-key read whether a side has something new (`Conversation.last_seq`). Free text is stored exactly as
typed and always shown escaped. An internal note is a message with `internal` set: never shown to the resident, and
shown to workers as a note with its author, never as the resident's words.
"""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.models._types import new_public_id, utcnow
from portal.models.people import Person, StaffUser

LANGUAGES = ("fi", "sv", "selko", "en")
# assistant: only the assistant so far; queued: waiting for a person; active: a worker has it; message: left out of
# hours, answered later in the same conversation; closed: ended, the transcript stays readable.
STATUSES = ("assistant", "queued", "active", "message", "closed")
WAITING = ("queued", "message")
AUTHORS = ("resident", "assistant", "staff", "system")


class Conversation(Model):
    __tablename__ = "chat_conversation"
    __table_args__ = (
        Index("ix_chat_queue", "status", "language", "queued_at"),
        Index("ix_chat_person", "person_id", "created_at"),
        Index("ix_chat_assignee", "assignee_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    # Whose chat it is: a logged-in person, or an anonymous browser holding the token (its keyed hash is stored).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    owner_hash: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="assistant")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(DateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    answer_due: Mapped[datetime | None] = mapped_column(DateTime)  # promised for a message left out of hours
    consent_at: Mapped[datetime | None] = mapped_column(DateTime)  # the resident let the worker see their data
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime)

    person: Mapped[Person | None] = relationship()
    assignee: Mapped[StaffUser | None] = relationship()


class ChatMessage(Model):
    __tablename__ = "chat_message"
    __table_args__ = (UniqueConstraint("conversation_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("chat_conversation.id"))
    seq: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(16))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    body: Mapped[str] = mapped_column(Text)
    entry_id: Mapped[str | None] = mapped_column(String(64))  # the knowledge-base answer the assistant gave
    action: Mapped[str | None] = mapped_column(String(32))  # the assistant's offered link, by its named action
    event: Mapped[str | None] = mapped_column(String(32))  # a system message's kind: queued, accepted, closed…
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    staff: Mapped[StaffUser | None] = relationship()


class HelplinePresence(Model):
    """A help-line worker's presence and the languages they answer in."""

    __tablename__ = "helpline_presence"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), primary_key=True)
    on_duty: Mapped[bool] = mapped_column(Boolean, default=False)
    languages: Mapped[str] = mapped_column(String(32), default="fi")  # space-separated LANGUAGES
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    staff: Mapped[StaffUser] = relationship()


class HelplineCall(Model):
    """A phone caller found by a worker: the reason and the caller's spoken consent, before anything is shown."""

    __tablename__ = "helpline_call"
    __table_args__ = (Index("ix_helpline_call_staff", "staff_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    reason: Mapped[str] = mapped_column(String(200))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)

    person: Mapped[Person] = relationship()
    staff: Mapped[StaffUser] = relationship()
