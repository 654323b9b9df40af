"""The organiser's review console for flags: the queue, one flag's timeline and actions, settings, and figures."""

from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/organiser/flags")

from portal.review import figures, views  # noqa: E402,F401
