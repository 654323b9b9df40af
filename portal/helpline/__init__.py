"""The help line's console: chats by language, and phone callers found, with their consent, by identity code or
name (docs/chat.md)."""

from flask import Blueprint

bp = Blueprint("helpline", __name__, url_prefix="/helpline")

from portal.helpline import call_views, views  # noqa: E402,F401
