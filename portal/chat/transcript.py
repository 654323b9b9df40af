"""A closed (or open) chat as plain text to download: who said what and when, in the reader's language. Internal
notes are never in it."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _

from portal.chat import labels
from portal.formatting import format_moment
from portal.models import ChatMessage, Conversation


def transcript_text(conversation: Conversation, messages: Sequence[ChatMessage]) -> str:
    lines = [_("Chat with the help line of Valinta"), format_moment(conversation.created_at), ""]
    for message in messages:
        if message.internal:
            continue
        when = format_moment(message.created_at)
        if message.author == "system":
            lines.append(f"[{when}] {labels.event(message, conversation)}")
        else:
            lines.append(f"[{when}] {labels.author(message)}:")
            lines.extend("    " + line for line in message.body.splitlines() or [""])
        lines.append("")
    return "\n".join(lines)
