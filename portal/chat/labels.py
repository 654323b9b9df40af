"""The chat's words for who said something and what happened, in the page's language: one place for the page, the
transcript and the help line's console."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.formatting import format_moment
from portal.models import ChatMessage, Conversation


def author(message: ChatMessage, for_staff: bool = False) -> str:
    if message.author == "resident":
        return _("Resident") if for_staff else _("You")
    if message.author == "assistant":
        return _("Assistant")
    if message.author == "staff" and message.staff is not None:
        if message.internal:
            return _("Internal note by %(name)s", name=message.staff.name)
        return _("%(name)s, help line", name=message.staff.name)
    return _("Chat")


def event(message: ChatMessage, conversation: Conversation, for_staff: bool = False) -> str:
    worker = message.staff.name if message.staff is not None else ""
    kind = message.event or ""
    if kind == "queued":
        return _("You asked for a person. A help-line worker will answer as soon as possible.")
    if kind == "message":
        if conversation.answer_due is None:
            return _("The help line is closed now. Your message will be answered here when it opens.")
        due = format_moment(conversation.answer_due)
        return _("The help line is closed now. Write your question here: it will be answered by %(due)s, and you "
                 "will see the answer in this chat.", due=due)  # fmt: skip
    if kind == "accepted":
        return _("%(name)s from the help line joined the chat.", name=worker)
    if kind == "transferred":
        return _("The chat was passed to %(name)s.", name=worker)
    if kind == "consent":
        if for_staff:
            return _("The resident let the help line see their listings, vouchers and reports.")
        return _("You let the help line see your listings, vouchers and reports for this chat.")
    if kind == "closed_by_resident":
        return _("The resident ended the chat.") if for_staff else _("You ended the chat.")
    if kind == "closed_by_staff":
        return _("The help line ended the chat.")
    return kind
