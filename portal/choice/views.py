"""The resident's listings: the overview, choose → check your answers → confirm → receipt, cancel and history."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.auth.access import login_required
from portal.choice import bp
from portal.choice.presenting import home_area, offer_addresses, unit_addresses
from portal.choice.rules import KINDS, Rules, load_rules
from portal.choice.services import (
    ChoiceRefused,
    Listing,
    NotCancellable,
    Resident,
    cancel_choice,
    confirm_choice,
    find_choice,
    history,
    listings,
    new_request_key,
    plan_choice,
    resident_for,
    usable_override,
)
from portal.compare.labels import KIND_LABELS
from portal.compare.units import today_in_helsinki
from portal.feedback.services import feedback_offers
from portal.htmx import render_page
from portal.i18n import current_language, keeps_query
from portal.inputs import parse_int
from portal.mandates.acting import subject_for
from portal.models import IntervalOverride

PROBLEM_MESSAGES = {
    "not_eligible": _l("Your home municipality is not in the area of this wellbeing services county."),
    "unknown_unit": _l("We could not find this unit in the service catalogue."),
    "not_approved": _l("The wellbeing services county has not approved this unit for this choice."),
    "not_accepting": _l("This unit is full and is not accepting new clients."),
    "full": _l("This unit has no room for new clients at the moment."),
    "already_listed": _l("You are already listed with this unit."),
    "already_pending": _l("You have already chosen this unit. Your choice is waiting to take effect."),
    "too_early": _l("You switched less than the minimum time ago, so you cannot switch yet."),
    "changed": _l(
        "Your listing changed while you were on this page, perhaps in another browser tab or with the help line. "
        "Check the situation below and choose again if you still want to."
    ),
}
CHOOSE_LABELS = {
    "sote_centre": _l("Choose a health and social care centre"),
    "dental_unit": _l("Choose a dental care unit"),
}


def _person_id() -> int:
    """The resident whose listings these are: the logged-in one, or the person she acts for under a mandate that
    covers choosing (any other mandate is refused here, on the server, for pages and htmx requests alike)."""
    return subject_for("choice", "listing_viewed" if request.method == "GET" else "listing_acted", path=request.path)


def _person() -> Resident:
    return resident_for(g.user, _person_id())


def _kind_or_404(kind: str) -> str:
    if kind not in KINDS:
        abort(404)
    return kind


@bp.route("/")
@login_required("resident")
def overview():
    person = _person()
    rules = load_rules()
    today = today_in_helsinki()
    states = listings(person.id, today)
    return render_page(
        "views/choice/overview.html",
        listings=states,
        rules=rules,
        eligible=rules.eligible(person.home_municipality_code),
        home=home_area(person.home_municipality_code, current_language()),
        overrides=_overrides(person.id, rules, states, today),
        today=today,
        kinds=KINDS,
        kind_labels=KIND_LABELS,
        choose_labels=CHOOSE_LABELS,
        # Feedback is the person's own: never offered while acting for someone else.
        feedback_offers={} if g.get("acting") is not None else feedback_offers(person.id, states, today),
    )


def _overrides(person_id: int, rules: Rules, states: dict[str, Listing], today: date) -> dict[str, IntervalOverride]:
    """The organiser's unused permissions to switch early, for the kinds where the interval is not over yet."""
    found = {}
    for kind, state in states.items():
        if state.current is None or state.pending is not None:
            continue
        if today < rules.next_switch_on(state.current.effective_on):
            override = usable_override(person_id, kind, today)
            if override is not None:
                found[kind] = override
    return found


@bp.route("/<kind>/check")
@login_required("resident")
@keeps_query("unit")
def check(kind: str):
    kind = _kind_or_404(kind)
    location_id = (request.args.get("unit") or "").strip()
    if not location_id:
        return redirect(url_for("compare.search", kind=kind, accepts_new="1"))
    person = _person()
    plan = plan_choice(person, kind, location_id, language=current_language())
    return _check_page(plan, person, status=200)


@bp.route("/<kind>/confirm", methods=["POST"])
@login_required("resident")
def confirm(kind: str):
    kind = _kind_or_404(kind)
    location_id = (request.form.get("unit") or "").strip()
    version = parse_int(request.form.get("version"))
    request_key = (request.form.get("request_key") or "")[:64]
    if not location_id or version is None or len(request_key) < 16:
        abort(400)
    person_id = _person_id()
    try:
        choice = confirm_choice(
            person_id=person_id,
            kind=kind,
            location_id=location_id,
            request_key=request_key,
            expected_version=version,
            actor=g.user,
        )
    except ChoiceRefused as refused:
        person = resident_for(g.user, person_id)
        plan = plan_choice(person, kind, location_id, language=current_language())
        if refused.plan is not None:
            plan.alternatives = plan.alternatives or refused.plan.alternatives
        return _check_page(plan, person, status=409, problem=refused.problem)
    return redirect(url_for("choice.receipt", reference=choice.reference), code=303)


def _check_page(plan, person: Resident, status: int, problem: str | None = None):
    """Check your answers, or the refusal page when the choice cannot be made. A listing that changed meanwhile is
    said so, then shown as it is now: refused for what is wrong now, or to be checked and confirmed again."""
    problem = problem or plan.problem
    changed = problem == "changed"
    if changed:
        problem = plan.problem
    return render_page(
        "views/choice/refused.html" if problem else "views/choice/check.html",
        status=status,
        plan=plan,
        problem=problem,
        problem_message=PROBLEM_MESSAGES.get(problem) if problem else None,
        changed=changed,
        changed_message=PROBLEM_MESSAGES["changed"],
        rules=plan.rules,
        request_key=new_request_key(),
        kind_labels=KIND_LABELS,
        addresses=offer_addresses(plan.unit, current_language()),
        home=home_area(person.home_municipality_code, current_language()),
    )


@bp.route("/receipt/<reference>")
@login_required("resident")
def receipt(reference: str):
    choice = find_choice(_person_id(), reference)
    if choice is None:
        abort(404)
    rules = load_rules()
    return render_page(
        "views/choice/receipt.html",
        choice=choice,
        rules=rules,
        next_switch_on=rules.next_switch_on(choice.effective_on),
        today=today_in_helsinki(),
        kind_labels=KIND_LABELS,
        addresses=unit_addresses([choice.location_id], current_language()),
    )


@bp.route("/<reference>/cancel", methods=["GET", "POST"])
@login_required("resident")
def cancel(reference: str):
    choice = find_choice(_person_id(), reference)
    if choice is None:
        abort(404)
    cancellable = choice.cancelled_at is None and choice.effective_on > today_in_helsinki()
    if request.method == "POST" and cancellable:
        try:
            cancel_choice(person_id=choice.person_id, reference=reference, actor=g.user)
        except NotCancellable:
            cancellable = False
        else:
            flash(_("Your choice %(reference)s is cancelled.", reference=reference))
            return redirect(url_for("choice.overview"), code=303)
    return render_page(
        "views/choice/cancel.html",
        status=200 if cancellable or request.method == "GET" else 409,
        choice=choice,
        cancellable=cancellable,
        kind_labels=KIND_LABELS,
    )


@bp.route("/history")
@login_required("resident")
def past_choices():
    return render_page(
        "views/choice/history.html", choices=history(_person_id()), today=today_in_helsinki(), kind_labels=KIND_LABELS
    )
