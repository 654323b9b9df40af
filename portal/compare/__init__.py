"""Compare providers: search the catalogue, read a unit's page, and compare up to four side by side."""

from flask import Blueprint

bp = Blueprint("compare", __name__)

from portal.compare import views  # noqa: E402,F401
