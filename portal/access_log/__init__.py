"""Who has seen my data: the resident's view of the access log rows about them written by someone else."""

from flask import Blueprint

bp = Blueprint("access_log", __name__, url_prefix="/my-data")

from portal.access_log import views  # noqa: E402,F401
