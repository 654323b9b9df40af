"""The resident's flag pages: the guided form, check answers, receipt, following a flag, adding to it, disputing.

Whose flags these are is `subject_for("flags", ...)`: the resident's own, or the person a relative acts for under a
mandate with the "flags" scope. The flagger is always the logged-in person (g.user), with the mandate as the basis.

The draft travels in the page, not in the session: the check page carries every answer in hidden fields and its
"Change" buttons post them back to the form. So nothing half-written about someone's care is stored on the server
before it is sent, two drafts in two tabs do not overwrite each other, the text never goes into a URL (logs,
history), and /flags/send validates exactly what it is given, as any other form.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from portal.auth.access import login_required
from portal.compare.index import current_index
from portal.extensions import db
from portal.flags import bp, inbox
from portal.flags.forms import CATEGORY_LABELS, CONTACT_LABELS, DisputeForm, FlagForm, InfoForm, SendForm
from portal.flags.offer import catalogue_names, own_providers, search_catalogue
from portal.flags.services import (
    FlagRefused,
    add_info,
    dispute,
    find_flag,
    flags_about,
    new_request_key,
    submit_flag,
    timeline,
)
from portal.htmx import render_page
from portal.i18n import current_language
from portal.mandates.acting import subject_for
from portal.models import Flag, FlagEvent, Person
from portal.models.flags import DISPUTABLE, OPEN_STATUSES

STATUS_LABELS = {
    "new": _l("Received"),
    "in_review": _l("Being reviewed"),
    "waiting_provider": _l("Waiting for a provider's response"),
    "resolved": _l("Resolved"),
    "closed_unresolved": _l("Closed – not resolved"),
    "forwarded": _l("Forwarded to another body"),
    "disputed": _l("Your disagreement is being reviewed"),
}
PROBLEM_MESSAGES = {
    "closed": _l("This report is closed, so information can no longer be added to it."),
    "already_disputed": _l("You have already disagreed with the decision on this report once."),
    "not_disputable": _l(
        "You can disagree only when a report has been closed as not resolved or forwarded to another body."
    ),
}
# A reference in a URL (F + 4 + - + 4 characters; the column holds 16): never "new" or "send", so those paths stay
# the form's own (a GET of /flags/send is 405, not a report called "send").
REFERENCE = "<string(minlength=9, maxlength=16):reference>"
STEPS = ("category", "providers", "happened_on", "description", "contact", "consent")


def _person_id(action: str | None = "flags_viewed") -> int:
    """The person whose flags these are; a look at someone else's is logged (sending and adding log themselves)."""
    return subject_for("flags", action, path=request.path) if action else subject_for("flags")


def _basis() -> str | None:
    acting = g.get("acting")
    return acting.basis if acting else None


def _offered(person_id: int, extra: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(what the person may pick, what the form shows): their own providers, plus catalogue units named in `extra`
    (the ones already ticked, the search's results)."""
    language = current_language()
    own = own_providers(person_id, language)
    found = catalogue_names([pid for pid in extra if pid not in own], language)
    return {**own, **found}, own


def _build_form(form_class: type[FlagForm], person_id: int, searched: dict[str, str] | None = None) -> FlagForm:
    ticked = [value for value in request.form.getlist("providers") if isinstance(value, str)][:50]
    offered, own = _offered(person_id, [*ticked, *(searched or {})])
    form = form_class(offered=offered)
    shown = {**own, **{pid: offered[pid] for pid in ticked if pid in offered}, **(searched or {})}
    form.providers.choices = list(shown.items())
    return form


def _form_page(form: FlagForm, status: int = 200, searched: bool = False, found: int = 0) -> Response:
    return render_page(
        "views/flags/new.html",
        block="providers" if searched else None,
        status=status,
        form=form,
        searched=searched,
        found=found,
        steps=STEPS,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required("resident")
def new() -> Response:
    person_id = _person_id()
    if request.method == "GET":
        form = _build_form(FlagForm, person_id)
        return _form_page(form)
    action = request.form.get("action", "")
    if action == "search":
        # Re-render the same form with the units found added as checkboxes: nothing typed is lost, nothing checked.
        probe = FlagForm(offered={})
        text = probe.search.data or ""
        probe.search.validate(probe)
        results = {} if probe.search.errors else search_catalogue(text, current_language())
        form = _build_form(FlagForm, person_id, searched=results)
        form.search.errors = list(probe.search.errors)
        return _form_page(form, status=400 if form.search.errors else 200, searched=True, found=len(results))
    form = _build_form(FlagForm, person_id)
    if action == "change":  # back from the check page: the answers as they were, no messages
        return _form_page(form)
    if not form.validate():
        return _form_page(form, status=400)
    return _check_page(form)


def _check_page(form: FlagForm) -> Response:
    return render_page(
        "views/flags/check.html",
        form=form,
        draft=form.draft(),
        request_key=new_request_key(),
        category_labels=CATEGORY_LABELS,
        contact_labels=CONTACT_LABELS,
    )


@bp.route("/send", methods=["POST"])
@login_required("resident")
def send() -> Response:
    person_id = _person_id(None)
    form = _build_form(SendForm, person_id)
    if not form.validate():
        if set(form.errors) <= {"request_key", "csrf_token"}:
            abort(400)
        return _form_page(form, status=400)  # tampered with on the way: the form says what to fix
    flag = submit_flag(
        form.draft(),
        person_id=person_id,
        flagger=g.user,
        basis=_basis(),
        language=current_language(),
        request_key=form.request_key.data,
    )
    return redirect(url_for("flags.sent", reference=flag.reference), code=303)


def _flag_or_404(reference: str, action: str | None = "flags_viewed") -> Flag:
    flag = find_flag(_person_id(action), reference)
    if flag is None:
        abort(404)
    return flag


@bp.route(f"/{REFERENCE}/sent")
@login_required("resident")
def sent(reference: str) -> Response:
    flag = _flag_or_404(reference)
    return render_page("views/flags/sent.html", flag=flag, category_labels=CATEGORY_LABELS)


@bp.route("/")
@login_required("resident")
def index() -> Response:
    flags = flags_about(_person_id())
    return render_page(
        "views/flags/index.html",
        flags=flags,
        unread=inbox.unread_by_flag(int(g.user.id)),
        category_labels=CATEGORY_LABELS,
        status_labels=STATUS_LABELS,
    )


@bp.route(f"/{REFERENCE}")
@login_required("resident")
def show(reference: str) -> Response:
    flag = _flag_or_404(reference)
    inbox.mark_read(flag.id, int(g.user.id))
    return _flag_page(flag)


def _flag_page(
    flag: Flag,
    status: int = 200,
    info_form: InfoForm | None = None,
    dispute_form: DisputeForm | None = None,
    problem: str | None = None,
) -> Response:
    return render_page(
        "views/flags/show.html",
        status=status,
        flag=flag,
        events=_timeline_rows(flag),
        info_form=info_form or InfoForm(formdata=None),
        dispute_form=dispute_form or DisputeForm(formdata=None),
        can_add=flag.status in OPEN_STATUSES,
        can_dispute=flag.status in DISPUTABLE and flag.disputed_at is None,
        problem_message=PROBLEM_MESSAGES.get(problem or ""),
        feedback_links=_feedback_links(flag),
        category_labels=CATEGORY_LABELS,
        status_labels=STATUS_LABELS,
        contact_labels=CONTACT_LABELS,
    )


def _timeline_rows(flag: Flag) -> list[dict[str, Any]]:
    """What the flagger may see, oldest first, each line with what happened, who said it and their words."""
    events = timeline(flag, for_flagger=True)
    resident_ids = {event.actor_id for event in events if event.actor_kind == "resident" and event.actor_id}
    people = {
        person.id: person.display_name
        for person in db.session.scalars(db.select(Person).where(Person.id.in_(resident_ids or {0})))
    }
    providers = {provider.provider_id: provider.provider_name for provider in flag.providers}
    return [
        {"at": event.at, "what": _event_title(event, flag, providers), "who": _who(event, people), "text": event.text}
        for event in events
    ]


def _event_title(event: FlagEvent, flag: Flag, providers: dict[str, str]) -> str:
    if event.kind == "created":
        return _("Report sent")
    if event.kind == "status":
        label = STATUS_LABELS.get(event.status_to or "", event.status_to or "")
        if event.status_to == "forwarded" and flag.forwarded_to:
            return _("Forwarded to %(body)s", body=flag.forwarded_to)
        return _("Status: %(status)s", status=label)
    if event.kind == "reply":
        return _("Reply from the wellbeing services county")
    if event.kind == "provider_response":
        someone = _("a provider")  # on its own line: a call nested in another's arguments is not extracted
        return _("Response from %(provider)s", provider=providers.get(event.provider_id or "", someone))
    if event.kind == "info":
        return _("More information added")
    if event.kind == "dispute":
        return _("Disagreement with the decision")
    return _("Update")


def _who(event: FlagEvent, people: dict[int, str]) -> str:
    if event.actor_kind != "resident":
        return _("The wellbeing services county")
    if event.actor_id == int(g.user.id):
        return _("You")
    return people.get(event.actor_id or 0, "")


def _feedback_links(flag: Flag) -> list[tuple[str, str]]:
    """Once a flag is resolved: a feedback link per involved catalogue unit (when the feedback pages exist)."""
    if flag.status != "resolved" or "feedback.give" not in current_app.view_functions:
        return []
    index = current_index()
    return [
        (url_for("feedback.give", location_id=provider.provider_id), provider.provider_name)
        for provider in flag.providers
        if provider.provider_id in index.position
    ]


@bp.route(f"/{REFERENCE}/info", methods=["POST"])
@login_required("resident")
def more_info(reference: str) -> Response:
    flag = _flag_or_404(reference, None)
    form = InfoForm()
    if not form.validate():
        return _flag_page(flag, status=400, info_form=form)
    try:
        add_info(flag, form.text.data, g.user, basis=_basis())
    except FlagRefused as refused:
        return _flag_page(flag, status=409, info_form=form, problem=refused.problem)
    flash(_("Your information was added to report %(reference)s.", reference=flag.reference))
    return redirect(url_for("flags.show", reference=flag.reference), code=303)


@bp.route(f"/{REFERENCE}/dispute", methods=["POST"])
@login_required("resident")
def disagree(reference: str) -> Response:
    flag = _flag_or_404(reference, None)
    form = DisputeForm()
    if not form.validate():
        return _flag_page(flag, status=400, dispute_form=form)
    try:
        dispute(flag, form.reason.data, g.user, basis=_basis())
    except FlagRefused as refused:
        return _flag_page(flag, status=409, dispute_form=form, problem=refused.problem)
    flash(_("Your disagreement with the decision on report %(reference)s was sent.", reference=flag.reference))
    return redirect(url_for("flags.show", reference=flag.reference), code=303)


@bp.app_template_global()
def flags_unread() -> int:
    """The front page's count of news on the reports the logged-in resident sent."""
    user = g.get("user")
    if user is None or user.kind != "resident":
        return 0
    return inbox.unread_count(int(user.id))
