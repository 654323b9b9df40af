"""Listing with a sote centre and a dental unit: the rules, the choices and the figures."""

from flask import Blueprint

bp = Blueprint("choice", __name__, url_prefix="/choices")

from portal.choice import views  # noqa: E402,F401
