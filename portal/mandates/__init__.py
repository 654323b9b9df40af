"""Acting for another person under a mandate: choosing whom, the "acting for" context, and the staff's register."""

from flask import Blueprint

bp = Blueprint("mandates", __name__)

from portal.mandates import staff_views, valtuudet_views, views  # noqa: E402,F401
