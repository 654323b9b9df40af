"""Flagging problems when care is not coordinated between providers: the resident's (or relative's) side."""

from flask import Blueprint

bp = Blueprint("flags", __name__, url_prefix="/flags")

from portal.flags import views  # noqa: E402,F401
