"""Client feedback about a unit: a net promoter answer and free text, and the organiser's view of it."""

from flask import Blueprint

bp = Blueprint("feedback", __name__, url_prefix="/feedback")

from portal.feedback import views  # noqa: E402,F401
