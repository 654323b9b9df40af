"""The links the assistant offers with an answer ("compare units", "my wallet"), by the action's name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import url_for

from portal.assistant.knowledge import ACTIONS, knowledge_base
from portal.models import ChatMessage


@dataclass(frozen=True)
class Link:
    label: str
    url: str


def action_links(messages: Sequence[ChatMessage], language: str) -> dict[str, Link]:
    names = {message.action for message in messages if message.action}
    if not names:
        return {}
    labels = knowledge_base().action_labels
    # An action the organiser has since removed from the knowledge base is shown without its link.
    return {
        name: Link(labels[name][language], url_for(ACTIONS[name]))
        for name in names
        if name in ACTIONS and name in labels and language in labels[name]
    }
