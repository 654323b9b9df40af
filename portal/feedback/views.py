"""The feedback pages: a person tells how a unit did, once per unit and half-year (a second visit changes the
answer). Giving feedback is the person's own act: never while acting for someone else."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from portal.auth.access import login_required
from portal.compare.index import current_index
from portal.compare.names import unit_names
from portal.compare.units import today_in_helsinki
from portal.feedback import bp
from portal.feedback.forms import FeedbackForm
from portal.feedback.services import SOURCES, answer_of, period_ends, period_of, period_words, save_answer
from portal.htmx import render_page
from portal.i18n import current_language, keeps_query
from portal.mandates.acting import ScopeRefused


@bp.route("/<location_id>", methods=["GET", "POST"])
@login_required("resident")
@keeps_query("source")
def give(location_id: str):
    if g.get("acting") is not None:
        raise ScopeRefused("own")  # how a unit did is the person's own opinion, never a relative's on her behalf
    location_id = location_id.lower()
    if location_id not in current_index().position:
        abort(404)
    person_id = int(g.user.id)
    today = today_in_helsinki()
    period = period_of(today)
    given = answer_of(person_id, location_id, period)
    if request.method == "GET":
        source = request.args.get("source", SOURCES[0])
        if source not in SOURCES:
            abort(400)
        data = {"source": source}
        if given is not None:
            data.update(score=str(given.score), text=given.text, source=given.source)
        form = FeedbackForm(data=data)
    else:
        form = FeedbackForm()
        if form.validate():
            save_answer(person_id, location_id, period, int(form.score.data), form.text.data or "", form.source.data)
            flash(_("Thank you. Your answer has been saved."))
            return redirect(url_for("feedback.give", location_id=location_id), 303)
    return render_page(
        "views/feedback/give.html",
        status=400 if form.errors else 200,
        form=form,
        location_id=location_id,
        name=unit_names([location_id], current_language())[location_id],
        given=given,
        period=period_words(period),
        period_end=period_ends(period),
    )
