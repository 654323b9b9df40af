"""/healthz (the process answers), /readyz (the database answers and is migrated) and /metrics (for the scraper)."""

from flask import Response, abort, jsonify

from portal.i18n import forgets_language
from portal.ops import bp
from portal.ops.health import database_status
from portal.ops.metrics import exposition, scraper_allowed
from portal.ops.requestlog import leave_out_of_request_log


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


@bp.route("/metrics")
@forgets_language  # a `?lang=` sets no cookie: a scrape leaves nothing behind
def metrics() -> Response:
    if not scraper_allowed():
        abort(404)  # not 403: to the public side there is nothing here
    leave_out_of_request_log()
    body, content_type = exposition()
    return Response(body, content_type=content_type)
