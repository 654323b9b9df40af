"""The organiser's view of the outbox: is everything reaching the providers and the register, and what never did."""

from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.auth.access import role_required
from portal.htmx import render_page
from portal.organiser import bp
from portal.outbox.status import STATUSES, counts_by_status, dead_letters, retry_dead

STATUS_LABELS = {"pending": _l("Waiting to be sent"), "delivered": _l("Delivered"), "dead": _l("Not delivered")}
EVENT_LABELS = {
    "listing.chosen": _l("Choice made"),
    "listing.cancelled": _l("Choice cancelled"),
    "listing.took_effect": _l("Choice took effect"),
    "voucher.refused": _l("Service voucher refused"),
    "budget.refused": _l("Personal budget refused"),
}
ROLE_LABELS = {
    "new_provider": _l("New provider"),
    "old_provider": _l("Previous provider"),
    "register": _l("Register"),
    "organiser": _l("The county's voucher system"),
}


@bp.route("/outbox")
@role_required("organiser", "admin")
def outbox():
    return render_page(
        "views/organiser/outbox.html",
        counts=counts_by_status(),
        statuses=STATUSES,
        dead=dead_letters(),
        status_labels=STATUS_LABELS,
        event_labels=EVENT_LABELS,
        role_labels=ROLE_LABELS,
    )


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@role_required("organiser", "admin")
def retry_outbox_message(message_id: int):
    key = retry_dead(message_id, g.user)
    if key is None:
        abort(404)
    flash(_("Message %(key)s will be sent again.", key=key))
    return redirect(url_for("organiser.outbox"))
