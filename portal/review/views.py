"""The review console's pages: the queue, one flag with its timeline, suggestions and actions, and the settings.

The queue shows no personal details. A flag's page does (who sent it, their contact), so every look at it is a row
in the access log, with the person it is about."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.auth.access import role_required
from portal.auth.services import record_event
from portal.choice.presenting import municipality_name
from portal.choice.rules import load_rules, save_settings
from portal.extensions import db
from portal.flags import services
from portal.flags.settings import DEFAULTS, FlagSettings, load_flag_settings
from portal.flags.suggest import similar_flags, suggest_category
from portal.htmx import render_page
from portal.i18n import current_language, keeps_query
from portal.models import Flag, Mandate, StaffUser
from portal.models.flags import CATEGORIES, OPEN_STATUSES
from portal.review import bp
from portal.review.forms import (
    KEYWORD_CATEGORIES,
    LANGUAGE_LABELS,
    LANGUAGES,
    TEMPLATE_STATUSES,
    AssignForm,
    FlagSettingsForm,
    NoteForm,
    PriorityForm,
    ReplyForm,
    ResponseForm,
    StatusForm,
    keyword_field,
    settings_changes,
    settings_data,
    template_field,
)
from portal.review.labels import (
    CATEGORY_LABELS,
    CONTACT_LABELS,
    EVENT_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    status_in,
)
from portal.review.queue import AGE_FILTERS, QueueFilters, queue_page

ROLES = ("organiser", "admin")


# --- the queue -----------------------------------------------------------------------------------------------


@bp.route("/")
@role_required(*ROLES)
@keeps_query("status", "category", "provider", "municipality", "age", "assignee", "priority", "order", "page")
def queue() -> Response:
    filters = QueueFilters.from_args(request.args)
    settings = load_flag_settings()
    page = queue_page(
        filters, staff_id=int(g.user.id), target_days=settings.target_days, escalate_days=settings.escalate_days
    )
    language = current_language()
    codes = set(load_rules().municipalities) | ({filters.municipality} if filters.municipality else set())
    codes |= {row.municipality_code for row in page.rows if row.municipality_code}
    municipalities = {code: municipality_name(code, language) or code for code in codes}
    return render_page(
        "views/review/queue.html",
        block="results",
        status=400 if filters.provider_error else 200,
        filters=filters,
        page=page,
        settings=settings,
        municipalities=municipalities,
        municipality_options=sorted(municipalities.items(), key=lambda item: item[1]),
        age_filters=AGE_FILTERS,
        category_labels=CATEGORY_LABELS,
        status_labels=STATUS_LABELS,
        priority_labels=PRIORITY_LABELS,
        open_statuses=OPEN_STATUSES,
    )


# --- one flag ------------------------------------------------------------------------------------------------


def _flag(reference: str) -> Flag:
    flag = services.flag_by_reference(reference) if len(reference) <= 16 else None
    if flag is None:
        abort(404)
    return flag


def _staff_choices() -> list[tuple[str, str]]:
    staff = db.session.execute(select(StaffUser.id, StaffUser.name).order_by(StaffUser.name, StaffUser.id)).all()
    return [("", _("Unassigned")), *((str(row.id), row.name) for row in staff)]


def filled_template(flag: Flag, status: str, settings: FlagSettings) -> str:
    """The reply template for `status` in the flagger's language, filled in; '' when there is none."""
    by_language = settings.templates.get(status, {})
    template = by_language.get(flag.language) or (by_language.get("fi") if flag.language == "selko" else None)
    if not template:
        return ""
    values = {"name": flag.flagger.given_name, "reference": flag.reference, "status": status_in(status, flag.language)}
    try:
        return template.format_map(values)
    except (KeyError, ValueError, IndexError):  # stored before the settings page checked placeholders
        return template


def _forms(flag: Flag, **given: Any) -> dict[str, Any]:
    """Every action form of the page: the one that was sent (with what was typed) or a fresh one."""
    forms: dict[str, Any] = {}
    forms["status_form"] = given.get("status_form") or StatusForm(formdata=None)
    forms["reply_form"] = given.get("reply_form") or ReplyForm(formdata=None)
    forms["note_form"] = given.get("note_form") or NoteForm(formdata=None)
    assign_form = given.get("assign_form") or AssignForm(formdata=None, data={"assignee": str(flag.assignee_id or "")})
    assign_form.assignee.choices = _staff_choices()
    forms["assign_form"] = assign_form
    forms["priority_form"] = given.get("priority_form") or PriorityForm(
        formdata=None, data={"priority": str(flag.priority)}
    )
    response_forms = {}
    for provider in flag.providers:
        prefix = f"provider-{provider.id}"
        sent = given.get("response_form")
        response_forms[provider.id] = (
            sent if sent is not None and sent._prefix == prefix + "-" else ResponseForm(formdata=None, prefix=prefix)
        )
    forms["response_forms"] = response_forms
    return forms


def _detail(flag: Flag, status: int = 200, **given: Any) -> Response:
    settings = load_flag_settings()
    language = current_language()
    template_status = request.args.get("template") if request.method == "GET" else None
    if template_status not in TEMPLATE_STATUSES:
        template_status = None
    if template_status and "status_form" not in given:
        given["status_form"] = StatusForm(
            formdata=None, data={"status": template_status, "message": filled_template(flag, template_status, settings)}
        )
    record_event("flag_viewed", actor=g.user, subject_person_id=flag.person_id, flag=flag.reference)
    mandate = None
    if flag.basis and flag.basis.startswith("mandate:"):
        mandate = db.session.scalar(select(Mandate).filter_by(public_id=flag.basis.split(":", 1)[1]))
    suggested = suggest_category(flag.description, settings.keywords, flag.language)
    staff_names = dict(db.session.execute(select(StaffUser.id, StaffUser.name)).all())
    providers_by_id = {provider.provider_id: provider.provider_name for provider in flag.providers}
    return render_page(
        "views/review/detail.html",
        block="status_form" if template_status else None,
        status=status,
        flag=flag,
        mandate=mandate,
        relative_sent=flag.flagger_id != flag.person_id,
        timeline=services.timeline(flag, for_flagger=False),
        suggested=suggested if suggested and suggested != flag.category else None,
        similar=similar_flags(flag),
        municipality=municipality_name(flag.municipality_code, language),
        template_status=template_status,
        template_statuses=TEMPLATE_STATUSES,
        staff_names=staff_names,
        providers_by_id=providers_by_id,
        category_labels=CATEGORY_LABELS,
        status_labels=STATUS_LABELS,
        priority_labels=PRIORITY_LABELS,
        event_labels=EVENT_LABELS,
        contact_labels=CONTACT_LABELS,
        language_labels=LANGUAGE_LABELS,
        settings=settings,
        **_forms(flag, **given),
    )


@bp.route("/<reference>")
@role_required(*ROLES)
@keeps_query("template")
def detail(reference: str) -> Response:
    return _detail(_flag(reference))


def _done(flag: Flag, message: str) -> Response:
    flash(message)
    return redirect(url_for("review.detail", reference=flag.reference), code=303)


def _refused(flag: Flag, problem: str, **given: Any) -> Response:
    messages = {
        "forwarded_to_required": _("Enter the body the flag was forwarded to."),
        "unknown_status": _("Choose one of the options."),
        "unknown_priority": _("Choose one of the options."),
    }
    flash(messages.get(problem, _("This cannot be done to the flag now.")))
    return _detail(flag, status=400, **given)


@bp.route("/<reference>/status", methods=["POST"])
@role_required(*ROLES)
def change_status(reference: str) -> Response:
    flag = _flag(reference)
    form = StatusForm()
    if not form.validate():
        return _detail(flag, status=400, status_form=form)
    try:
        services.change_status(
            flag, form.status.data, g.user, reply=(form.message.data or "").strip() or None,
            forwarded_to=form.forwarded_to.data,
        )  # fmt: skip
    except services.FlagRefused as refused:
        return _refused(flag, refused.problem, status_form=form)
    return _done(flag, _("The status is now: %(status)s.", status=STATUS_LABELS[form.status.data]))


@bp.route("/<reference>/reply", methods=["POST"])
@role_required(*ROLES)
def reply(reference: str) -> Response:
    flag = _flag(reference)
    form = ReplyForm()
    if not form.validate():
        return _detail(flag, status=400, reply_form=form)
    services.reply(flag, form.reply.data, g.user)
    return _done(flag, _("The reply was sent to the flagger."))


@bp.route("/<reference>/note", methods=["POST"])
@role_required(*ROLES)
def note(reference: str) -> Response:
    flag = _flag(reference)
    form = NoteForm()
    if not form.validate():
        return _detail(flag, status=400, note_form=form)
    services.add_note(flag, form.note.data, g.user)
    return _done(flag, _("The internal note was saved."))


@bp.route("/<reference>/assign", methods=["POST"])
@role_required(*ROLES)
def assign(reference: str) -> Response:
    flag = _flag(reference)
    form = AssignForm()
    form.assignee.choices = _staff_choices()
    if not form.validate():
        return _detail(flag, status=400, assign_form=form)
    services.assign(flag, int(form.assignee.data) if form.assignee.data else None, g.user)
    return _done(flag, _("The assignment was saved."))


@bp.route("/<reference>/priority", methods=["POST"])
@role_required(*ROLES)
def priority(reference: str) -> Response:
    flag = _flag(reference)
    form = PriorityForm()
    if not form.validate():
        return _detail(flag, status=400, priority_form=form)
    services.set_priority(flag, int(form.priority.data), g.user)
    return _done(flag, _("The priority was saved."))


@bp.route("/<reference>/response/<int:provider_row_id>", methods=["POST"])
@role_required(*ROLES)
def response(reference: str, provider_row_id: int) -> Response:
    flag = _flag(reference)
    if all(provider.id != provider_row_id for provider in flag.providers):
        abort(404)
    form = ResponseForm(prefix=f"provider-{provider_row_id}")
    if not form.validate():
        return _detail(flag, status=400, response_form=form)
    services.record_response(flag, provider_row_id, form.response.data, g.user)
    return _done(flag, _("The provider's response was recorded."))


# --- settings ------------------------------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
@role_required(*ROLES)
def settings() -> Response:
    form = FlagSettingsForm(data=settings_data(load_flag_settings()))
    if form.validate_on_submit():
        changed = save_settings(settings_changes(form), int(g.user.id), defaults=DEFAULTS)
        flash(_("Saved.") if changed else _("Nothing was changed."))
        return redirect(url_for("review.settings"), code=303)
    return render_page(
        "views/review/settings.html",
        status=400 if form.errors else 200,
        form=form,
        template_statuses=TEMPLATE_STATUSES,
        keyword_categories=KEYWORD_CATEGORIES,
        languages=LANGUAGES,
        language_labels=LANGUAGE_LABELS,
        template_field=template_field,
        keyword_field=keyword_field,
        status_labels=STATUS_LABELS,
        category_labels=CATEGORY_LABELS,
        categories=CATEGORIES,
    )
