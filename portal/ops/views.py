"""/healthz (the process answers) and /readyz (the database answers and is migrated)."""

from flask import jsonify

from portal.ops import bp
from portal.ops.health import database_status


@bp.route("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    status = database_status()
    ready = status.get("database") == "ok" and status.get("migrations") == "at_head"
    return jsonify(status="ready" if ready else "not_ready", **status), 200 if ready else 503
