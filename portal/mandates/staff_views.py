"""The organiser staff's register of mandates (registering and revoking).

A mandate is registered from a signed document: the staff member types both people's identity codes, which travel
in the POST body only (never a URL, the session or a log) and are looked up by their keyed hash. The register below
the form names people, so each look at it is one row in the access log.
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from portal.auth.access import role_required
from portal.auth.services import record_event
from portal.compare.units import today_in_helsinki
from portal.extensions import db
from portal.htmx import render_page
from portal.mandates import bp
from portal.mandates.forms import REFUSALS, MandateForm, RevokeForm
from portal.mandates.labels import SCOPE_LABELS
from portal.mandates.services import MandateRefused, MandateRequest, register_mandate, revoke_mandate
from portal.models import Mandate

ROLES = ("organiser", "admin")
REGISTER_SHOWN = 200  # the newest mandates on the page
SOURCE_LABELS = {
    "portal": _l("Registered by staff"),
    "valtuudet": _l("Suomi.fi e-Authorizations"),
}
STATUS_LABELS = {
    "in_force": _l("In force"),
    "not_yet": _l("Not yet in force"),
    "expired": _l("Expired"),
    "revoked": _l("Revoked"),
}


def mandate_status(mandate: Mandate, today: date) -> str:
    if mandate.revoked_at is not None:
        return "revoked"
    if today < mandate.valid_from:
        return "not_yet"
    if mandate.valid_to is not None and mandate.valid_to < today:
        return "expired"
    return "in_force"


def revocable(mandate: Mandate, today: date) -> bool:
    """A mandate still to be used (in force, or not yet): one that has expired or been revoked is history."""
    return mandate_status(mandate, today) in ("in_force", "not_yet")


def register_rows(limit: int = REGISTER_SHOWN) -> list[Mandate]:
    """The newest mandates with both people and the registering staff member, in one query."""
    query = (
        db.select(Mandate)
        .options(joinedload(Mandate.agent), joinedload(Mandate.principal), joinedload(Mandate.created_by))
        .order_by(Mandate.created_at.desc(), Mandate.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


@bp.route("/organiser/mandates", methods=["GET", "POST"])
@role_required(*ROLES)
def staff_register():
    # Filled from the POST body only: an identity code must never travel in a URL.
    today = today_in_helsinki()
    form = MandateForm(data={"valid_from": today})
    if form.validate_on_submit():
        wanted = MandateRequest(
            agent_code=form.agent_code.data,
            principal_code=form.principal_code.data,
            scopes=tuple(form.scopes.data),
            valid_from=form.valid_from.data or today,  # a valid form has it (validate_valid_from)
            valid_to=form.valid_to.data,
            document=form.document.data.strip(),
        )
        try:
            mandate = register_mandate(wanted, g.user)
        except MandateRefused as refused:
            db.session.rollback()
            form[refused.field].errors.append(REFUSALS.get(refused.problem, REFUSALS["unknown_person"]))
        else:
            flash(
                _(
                    "Mandate registered: %(agent)s (%(agent_code)s) may act for %(principal)s (%(principal_code)s).",
                    agent=mandate.agent.display_name,
                    agent_code=mandate.agent.hetu_masked,
                    principal=mandate.principal.display_name,
                    principal_code=mandate.principal.hetu_masked,
                )
            )
            return redirect(url_for("mandates.staff_register"))
    mandates = register_rows()
    record_event("mandates_listed", actor=g.user, shown=len(mandates))
    return render_page(
        "views/mandates/staff.html",
        status=400 if form.errors else 200,
        form=form,
        mandates=mandates,
        shown_at_most=REGISTER_SHOWN,
        today=today,
        status_of=mandate_status,
        revocable=revocable,
        scope_labels=SCOPE_LABELS,
        source_labels=SOURCE_LABELS,
        status_labels=STATUS_LABELS,
    )


@bp.route("/organiser/mandates/<public_id>/revoke", methods=["GET", "POST"])
@role_required(*ROLES)
def staff_revoke(public_id: str):
    mandate = db.session.scalar(
        db.select(Mandate)
        .options(joinedload(Mandate.agent), joinedload(Mandate.principal))
        .filter_by(public_id=public_id)
    )
    if mandate is None:
        abort(404)
    today = today_in_helsinki()
    if not revocable(mandate, today):
        flash(_("This mandate is no longer in force, so there is nothing to revoke."))
        return redirect(url_for("mandates.staff_register"))
    form = RevokeForm()
    if form.validate_on_submit():
        revoke_mandate(mandate.public_id, form.reason.data, g.user)
        flash(
            _(
                "Mandate revoked: %(agent)s may no longer act for %(principal)s.",
                agent=mandate.agent.display_name,
                principal=mandate.principal.display_name,
            )
        )
        return redirect(url_for("mandates.staff_register"))
    # The page names both people: the look is in the access log, as someone's data.
    record_event("mandate_viewed", actor=g.user, subject_person_id=mandate.principal_id, mandate=mandate.public_id)
    return render_page(
        "views/mandates/staff_revoke.html",
        status=400 if form.errors else 200,
        form=form,
        mandate=mandate,
        today=today,
        status_of=mandate_status,
        scope_labels=SCOPE_LABELS,
        status_labels=STATUS_LABELS,
    )
