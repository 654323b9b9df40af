from flask import Blueprint

bp = Blueprint("organiser", __name__, url_prefix="/organiser")

from portal.organiser import outbox_views, views  # noqa: E402,F401

# isort: split
from portal.organiser import listing_views  # noqa: E402,F401
