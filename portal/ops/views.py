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
    # Only the verdicts: which revisions are deployed is for `flask db current`, not for anyone on the internet.
    public = {key: status[key] for key in ("database", "migrations") if key in status}
    return jsonify(status="ready" if ready else "not_ready", **public), 200 if ready else 503
