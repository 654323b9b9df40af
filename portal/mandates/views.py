"""The relative's side: whom she may act for, starting and stopping."""

from __future__ import annotations

from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _

from portal.auth.access import login_required
from portal.auth.services import record_event
from portal.compare.units import today_in_helsinki
from portal.htmx import render_page
from portal.mandates import bp
from portal.mandates.acting import start_acting, stop_acting
from portal.mandates.services import held_mandate, mandates_held


@bp.route("/acting/")
@login_required("resident")
def choose():
    return render_page(
        "views/mandates/choose.html",
        mandates=mandates_held(g.user.id, today_in_helsinki()),
        valtuudet=bool(g.get("valtuudet_enabled")),
    )


@bp.route("/acting/<public_id>", methods=["POST"])
@login_required("resident")
def start(public_id: str):
    mandate = held_mandate(g.user.id, public_id, today_in_helsinki())
    if mandate is None:
        abort(404)
    start_acting(mandate.public_id)
    record_event(
        "acting_started", actor=g.user, subject_person_id=mandate.principal_id, basis=f"mandate:{mandate.public_id}"
    )
    flash(_("You are now acting for %(name)s.", name=mandate.principal.display_name))
    return redirect(url_for("main.home"))


@bp.route("/acting/stop", methods=["POST"])
@login_required("resident")
def stop():
    acting = g.get("acting")
    stop_acting()
    if acting is not None:
        record_event("acting_stopped", actor=g.user, subject_person_id=acting.principal_id, basis=acting.basis)
        flash(_("You are acting for yourself again."))
    return redirect(url_for("main.home"))
