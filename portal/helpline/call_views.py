"""The help line's phone callers: find the caller, start a call with their reason and consent, see what they see, and
choose a unit or report a problem for them through the resident's own services. See portal/helpline/callers.py.

The identity code travels in the POST body of /helpline/callers only: it is never in a URL, the session, a log line
or a page after the lookup (the masked code is shown). A call is its worker's alone; once ended it shows nothing of
the caller.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.auth.access import role_required
from portal.auth.services import record_event
from portal.choice.presenting import home_area, municipality_name, unit_addresses
from portal.choice.rules import KINDS, load_rules
from portal.choice.services import (
    ChoiceRefused,
    Plan,
    confirm_choice,
    full_units_now,
    listings,
    new_request_key,
    plan_choice,
)
from portal.choice.views import PROBLEM_MESSAGES
from portal.compare.labels import KIND_LABELS
from portal.compare.names import content_language_of, unit_name
from portal.compare.units import today_in_helsinki
from portal.flags.forms import CATEGORY_LABELS
from portal.flags.offer import own_providers
from portal.flags.services import flags_about, submit_flag
from portal.flags.views import STATUS_LABELS as FLAG_STATUS_LABELS
from portal.formatting import format_day
from portal.helpline import bp
from portal.helpline.call_forms import (
    CALL_CONTACT_LABELS,
    CallFlagForm,
    ConfirmChoiceForm,
    FindCallerForm,
    StartCallForm,
)
from portal.helpline.callers import (
    Candidate,
    basis,
    candidate,
    end_call,
    find_by_code,
    find_by_name,
    find_call,
    find_units,
    log_look,
    open_calls,
    person_by_public_id,
    start_call,
)
from portal.htmx import render_page
from portal.i18n import current_language, keeps_query
from portal.inputs import parse_int
from portal.models import HelplineCall, Person
from portal.wallet.services import budget_view, budgets, voucher_view, vouchers

ROLE = "helpline"
CALL = "<string(minlength=8, maxlength=32):call_id>"
PERSON = "<string(minlength=8, maxlength=32):person_id>"
UNIT_QUERY_MAX = 100


# --- finding the caller and starting the call --------------------------------------------------------------------


@bp.route("/callers", methods=["GET", "POST"])
@role_required(ROLE)
def callers() -> Response:
    # Built from the POST body only (a GET shows the empty form): an identity code must never travel in a URL.
    form = FindCallerForm() if request.method == "POST" else FindCallerForm(formdata=None)
    found: list[Candidate] | None = None
    by = None
    if form.validate_on_submit():
        language = current_language()
        code = (form.identity_code.data or "").strip()
        if code:
            by = "code"
            found = find_by_code(code, g.user, language)
        else:
            by = "name"
            found = find_by_name(form.name.data or "", g.user, language)
        form.identity_code.data = ""  # looked up: the page never shows it again
        form.identity_code.raw_data = []
    return _callers_page(form, found, by, status=400 if form.errors else 200)


def _callers_page(
    form: FindCallerForm,
    found: list[Candidate] | None,
    by: str | None,
    status: int = 200,
    start_forms: dict[str, StartCallForm] | None = None,
) -> Response:
    start_forms = dict(start_forms or {})
    for person in found or []:
        start_forms.setdefault(person.public_id, StartCallForm(formdata=None, prefix=f"c{person.public_id}"))
    return render_page(
        "views/helpline/callers.html",
        status=status,
        form=form,
        found=found,
        by=by,
        start_forms=start_forms,
        calls=open_calls(g.user),
    )


@bp.route(f"/callers/{PERSON}/start", methods=["POST"])
@role_required(ROLE)
def call_start(person_id: str) -> Response:
    person = person_by_public_id(person_id)
    if person is None:
        abort(404)
    form = StartCallForm(prefix=f"c{person.public_id}")
    if not form.validate_on_submit():
        # Only the person the worker picked, again, with what is missing: nothing of theirs beyond the search's.
        record_event("helpline_caller_search", actor=g.user, subject_person_id=person.id, method="again")
        shown = candidate(person, current_language())
        return _callers_page(
            FindCallerForm(formdata=None), [shown], None, status=400, start_forms={person.public_id: form}
        )
    call = start_call(person, form.reason.data or "", g.user)
    return redirect(url_for("helpline.call", call_id=call.public_id), code=303)


# --- the call ----------------------------------------------------------------------------------------------------


def _call(call_id: str, *, open_only: bool = True) -> HelplineCall:
    """This worker's call, or 404 (no such call) or 403 (another worker's, logged as refused)."""
    call = find_call(call_id)
    if call is None:
        abort(404)
    if call.staff_id != int(g.user.id):
        record_event("access_denied", actor=g.user, path=request.path, needed="own_call")
        abort(render_page("views/helpline/call_not_yours.html", status=403))
    if open_only and call.ended_at is not None:
        abort(_ended(call))
    return call


def _ended(call: HelplineCall) -> Response:
    flash(_("The call has ended, so nothing more can be done for the caller on it."))
    return redirect(url_for("helpline.call", call_id=call.public_id), code=303)


@bp.route(f"/calls/{CALL}")
@role_required(ROLE)
def call(call_id: str) -> Response:
    found = _call(call_id, open_only=False)
    if found.ended_at is not None:
        return render_page("views/helpline/call_ended.html", call=found)
    person = found.person
    today, language = today_in_helsinki(), current_language()
    rules = load_rules()
    states = listings(person.id, today)
    log_look(found, g.user, "call")
    return render_page(
        "views/helpline/call.html",
        call=found,
        person=person,
        municipality=municipality_name(person.home_municipality_code, language),
        rules=rules,
        eligible=rules.eligible(person.home_municipality_code),
        listings=states,
        vouchers=[voucher_view(v, today, language) for v in vouchers(person.id)],
        budgets=[budget_view(b, today, language) for b in budgets(person.id)],
        flags=flags_about(person.id),
        today=today,
        kinds=KINDS,
        kind_labels=KIND_LABELS,
        category_labels=CATEGORY_LABELS,
        flag_status_labels=FLAG_STATUS_LABELS,
    )


@bp.route(f"/calls/{CALL}/end", methods=["POST"])
@role_required(ROLE)
def call_end(call_id: str) -> Response:
    found = _call(call_id, open_only=False)
    end_call(found, g.user)
    flash(_("The call has ended. The caller's information is no longer shown."))
    return redirect(url_for("helpline.callers"), code=303)


# --- choosing a unit for the caller ------------------------------------------------------------------------------


def _kind_or_404(kind: str | None) -> str:
    if kind not in KINDS:
        abort(404)
    return kind


@bp.route(f"/calls/{CALL}/choose")
@role_required(ROLE)
@keeps_query("kind", "q")
def call_choose(call_id: str) -> Response:
    found = _call(call_id)
    kind = _kind_or_404(request.args.get("kind"))
    text = (request.args.get("q") or "").strip()[:UNIT_QUERY_MAX]
    units = find_units(kind, text, current_language(), found.person.home_municipality_code, full_units_now())
    return render_page(
        "views/helpline/call_choose.html",
        block="results",
        call=found,
        person=found.person,
        kind=kind,
        q=text,
        units=units,
        content_language=content_language_of(current_language()),
        kind_labels=KIND_LABELS,
    )


@bp.route(f"/calls/{CALL}/check")
@role_required(ROLE)
@keeps_query("kind", "unit")
def call_check(call_id: str) -> Response:
    found = _call(call_id)
    kind = _kind_or_404(request.args.get("kind"))
    location_id = (request.args.get("unit") or "").strip()[:64]
    if not location_id:
        return redirect(url_for("helpline.call_choose", call_id=found.public_id, kind=kind))
    plan = plan_choice(found.person, kind, location_id, language=current_language())
    return _check_page(found, plan)


@bp.route(f"/calls/{CALL}/confirm", methods=["POST"])
@role_required(ROLE)
def call_confirm(call_id: str) -> Response:
    found = _call(call_id)
    form = ConfirmChoiceForm()
    kind = _kind_or_404(form.kind.data)
    version = parse_int(form.version.data)
    if not form.validate_on_submit() or version is None:
        abort(400)
    location_id = (form.unit.data or "").strip()
    try:
        choice = confirm_choice(
            person_id=found.person_id,
            kind=kind,
            location_id=location_id,
            request_key=form.request_key.data or "",
            expected_version=version,
            actor=g.user,
            basis=basis(found),
        )
    except ChoiceRefused as refused:
        plan = plan_choice(found.person, kind, location_id, language=current_language())
        if refused.plan is not None:
            plan.alternatives = plan.alternatives or refused.plan.alternatives
        return _check_page(found, plan, status=409, problem=refused.problem)
    name = unit_name(choice.location_id, current_language(), choice.unit_name_fi, choice.unit_name_sv)
    flash(
        _(
            "The choice is made for the caller: %(unit)s, from %(date)s. Reference %(reference)s. Tell the caller the "
            "reference; they see the receipt in Valinta.",
            unit=name.text,
            date=format_day(choice.effective_on, "day"),
            reference=choice.reference,
        )
    )
    return redirect(url_for("helpline.call", call_id=found.public_id), code=303)


def _check_page(call: HelplineCall, plan: Plan, status: int = 200, problem: str | None = None) -> Response:
    """As the resident's check page: what confirming would do, or why it cannot be done, in the resident's words
    (the worker reads them out). A listing that changed meanwhile is said so, then shown as it is now."""
    problem = problem or plan.problem
    changed = problem == "changed"
    if changed:
        problem = plan.problem
    log_look(call, g.user, "check", action="listing_viewed")
    person: Person = call.person
    language = current_language()
    return render_page(
        "views/helpline/call_check.html",
        status=status,
        call=call,
        person=person,
        plan=plan,
        problem=problem,
        problem_message=PROBLEM_MESSAGES.get(problem) if problem else None,
        changed=changed,
        changed_message=PROBLEM_MESSAGES["changed"],
        rules=plan.rules,
        form=ConfirmChoiceForm(
            formdata=None,
            data={
                "kind": plan.kind,
                "unit": plan.unit.location_id if plan.unit else "",
                "version": str(plan.listing.version),
                "request_key": new_request_key(),
            },
        ),
        kind_labels=KIND_LABELS,
        addresses=unit_addresses([plan.unit.location_id] if plan.unit else [], language),
        home=home_area(person.home_municipality_code, language),
    )


# --- reporting a problem for the caller --------------------------------------------------------------------------


@bp.route(f"/calls/{CALL}/flag", methods=["GET", "POST"])
@role_required(ROLE)
def call_flag(call_id: str) -> Response:
    found = _call(call_id)
    person = found.person
    language = current_language()
    offered = own_providers(person.id, language)
    if request.method == "POST":
        form = CallFlagForm(offered=offered)
    else:
        initial: dict[str, Any] = {"language": person.language or language, "request_key": new_request_key()}
        form = CallFlagForm(formdata=None, offered=offered, data=initial)
    if form.validate_on_submit():
        flag = submit_flag(
            form.draft(),
            person_id=person.id,
            flagger=g.user,
            basis=basis(found),
            language=form.language.data,
            request_key=form.request_key.data,
        )
        flash(
            _(
                "The report is sent for the caller. Reference %(reference)s. The caller can follow it in Valinta.",
                reference=flag.reference,
            )
        )
        return redirect(url_for("helpline.call", call_id=found.public_id), code=303)
    log_look(found, g.user, "flag")  # the form lists the caller's own providers
    return render_page(
        "views/helpline/call_flag.html",
        status=400 if form.errors else 200,
        call=found,
        person=person,
        form=form,
        contact_labels=CALL_CONTACT_LABELS,
    )
