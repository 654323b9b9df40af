"""Chat: the assistant answers from the knowledge base, and hands over to the help line (docs/chat.md)."""

from flask import Blueprint

bp = Blueprint("chat", __name__, url_prefix="/chat")

from portal.chat import labels, views  # noqa: E402,F401

bp.add_app_template_global(labels.author, "chat_author")
bp.add_app_template_global(labels.event, "chat_event")
