"""The resident's "who has seen my data" page."""

from __future__ import annotations

from flask import g, request

from portal.access_log import bp
from portal.access_log.labels import ACTION_LABELS, OTHER_ACTION
from portal.access_log.services import looks_at
from portal.auth.access import login_required
from portal.compare.units import today_in_helsinki
from portal.htmx import render_page
from portal.i18n import keeps_query
from portal.inputs import parse_int
from portal.mandates.acting import ScopeRefused
from portal.mandates.services import mandates_given

PERIODS = (1, 3, 12, 24)


@bp.route("/access")
@login_required("resident")
@keeps_query("who", "months", "page")
def mine():
    if g.get("acting") is not None:
        raise ScopeRefused("own")  # the right to see the log is personal (Client Data Act 703/2023)
    who = request.args.get("who") if request.args.get("who") in ("resident", "staff") else None
    months = parse_int(request.args.get("months"))
    months = months if months in PERIODS else None
    page = looks_at(g.user.id, who, months, parse_int(request.args.get("page")) or 1)
    return render_page(
        "views/access_log/mine.html",
        block="results",
        page=page,
        who=who,
        months=months,
        periods=PERIODS,
        mandates=mandates_given(g.user.id),
        action_labels=ACTION_LABELS,
        today=today_in_helsinki(),
        other_action=OTHER_ACTION,
    )
