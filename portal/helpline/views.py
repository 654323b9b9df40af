"""The help line's chat console (views): presence and the queues by language, one chat with its replies, internal
notes, canned responses, passing it to a colleague and ending it, the resident's information once they consent, and
the organiser's help-line hours.

Every page works without JavaScript (forms and links; reload to see what is new); with htmx the queues and the chat
ask every 1.5 seconds whether anything changed, and get a 204 when nothing did. Who may do what is checked here, in
the views, for fragments as for pages: any help-line worker may read a chat waiting to be taken; once taken, only its
worker reads it, answers, passes it on or ends it.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.auth.access import role_required
from portal.auth.services import record_event
from portal.chat import canned, helpline, labels, services
from portal.chat.settings import DEFAULTS, load_chat_settings
from portal.choice.rules import load_rules, save_settings
from portal.compare.labels import KIND_LABELS
from portal.formatting import format_moment, phone_number
from portal.helpline import bp
from portal.helpline.forms import (
    LANGUAGE_LABELS,
    WEEKDAYS,
    NoteForm,
    PresenceForm,
    ReplyForm,
    TransferForm,
    WeekHoursForm,
    day_field,
    day_names,
    hours_changes,
    hours_data,
)
from portal.htmx import is_htmx, render_page
from portal.i18n import current_language, keeps_query
from portal.models import Conversation
from portal.models._types import utcnow
from portal.review.labels import CATEGORY_LABELS, STATUS_LABELS

ROLE = "helpline"
ORGANISING = ("organiser", "admin")
CONSOLE = "views/helpline/console.html"
CHAT = "views/helpline/chat.html"


def _staff_id() -> int:
    return int(g.user.id)


# --- the console: presence and the queues ------------------------------------------------------------------------


def _console(
    *, status: int = 200, block: str | None = None, form: PresenceForm | None = None, notice: str | None = None
) -> Response:
    staff_id = _staff_id()
    presence = helpline.presence(staff_id)
    if presence.on_duty:
        helpline.heartbeat(staff_id)
    if form is None:
        data = {"status": "on_duty" if presence.on_duty else "away", "languages": list(presence.languages)}
        form = PresenceForm(formdata=None, data=data)
    now = utcnow()
    return render_page(
        CONSOLE,
        block=block,
        status=status,
        form=form,
        presence=presence,
        queues=helpline.queues(presence.languages),
        mine=helpline.my_chats(staff_id),
        tag=helpline.console_tag(staff_id, presence.languages, now),
        now=now,
        notice=notice,
        waiting_minutes=helpline.waiting_minutes,
        language_labels=LANGUAGE_LABELS,
    )


@bp.get("/")
@role_required(ROLE)
def console() -> Response:
    return _console()


@bp.get("/updates")
@role_required(ROLE)
def console_updates() -> Response:
    """Polled by the open console: 204 while its queues and the worker's chats are as they were."""
    staff_id = _staff_id()
    presence = helpline.presence(staff_id)
    if presence.on_duty:
        helpline.heartbeat(staff_id)
    if request.args.get("tag", "") == helpline.console_tag(staff_id, presence.languages):
        return Response(status=204)
    response = _console(block="queues")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/presence")
@role_required(ROLE)
def presence() -> Response:
    form = PresenceForm()
    if not form.validate():
        return _console(status=400, form=form)
    on_duty = form.status.data == "on_duty"
    helpline.set_presence(_staff_id(), on_duty, form.languages.data or [])
    if on_duty:
        message = _("You are on duty: new chats in your languages come to you.")
    else:
        message = _("You are away.")
    flash(message)
    return redirect(url_for("helpline.console"), code=303)


# --- one chat ----------------------------------------------------------------------------------------------------


def _conversation(public_id: str) -> Conversation:
    """A chat handed to the help line, or 404: a chat with only the assistant is the resident's alone."""
    conversation = helpline.find(public_id)
    if conversation is None or conversation.queued_at is None:
        abort(404)
    return conversation


def _refused_access(conversation: Conversation, needed: str) -> Response:
    """Another worker's chat: a 403 that says so, and the refusal in the access log."""
    record_event("access_denied", actor=g.user, path=request.path, needed=needed)
    return render_page("views/helpline/not-yours.html", status=403, conversation=conversation)


def _readable(public_id: str) -> Conversation | Response:
    conversation = _conversation(public_id)
    if not helpline.may_read(conversation, _staff_id()):
        return _refused_access(conversation, "helpline_chat")
    return conversation


def _own(public_id: str) -> Conversation | Response:
    conversation = _conversation(public_id)
    if conversation.assignee_id != _staff_id():
        return _refused_access(conversation, "helpline_chat_assignee")
    return conversation


def _colleague_choices(conversation: Conversation) -> list[tuple[str, str]]:
    """Colleagues on duty, those who answer in the chat's language first."""
    found = helpline.colleagues_on_duty(_staff_id())
    found.sort(key=lambda row: conversation.language not in row[1].languages)
    return [
        (staff.public_id, f"{staff.name} ({', '.join(str(LANGUAGE_LABELS[code]) for code in presence.languages)})")
        for staff, presence in found
    ]


def _placeholders(conversation: Conversation) -> dict[str, str]:
    settings = load_chat_settings()
    number = phone_number(load_rules().helpline_phone)
    due = conversation.answer_due if conversation.status == "message" else settings.answer_due(utcnow())
    return {
        "name": helpline.first_name_if_consented(conversation, _staff_id()),
        "worker": g.user.name,
        "phone": number.text.replace("\xa0", " ") if number is not None else "",  # plain spaces in a typed box
        "due": format_moment(due, conversation.language) if due is not None else "",
    }


def _chat(
    conversation: Conversation,
    *,
    status: int = 200,
    block: str | None = None,
    reply_form: ReplyForm | None = None,
    note_form: NoteForm | None = None,
    transfer_form: TransferForm | None = None,
    **extra: Any,
) -> Response:
    staff_id = _staff_id()
    mine = conversation.assignee_id == staff_id
    full_page = block is None or not is_htmx()
    information = None
    if full_page:  # the resident's information is on the full page only, and every showing of it is logged
        information = helpline.resident_information(conversation, g.user, current_language())
    if transfer_form is None:
        transfer_form = TransferForm(formdata=None)
    if mine and conversation.status == "active" and full_page:
        transfer_form.to.choices = _colleague_choices(conversation)
    language = current_language()
    extra.setdefault("latest", "")
    return render_page(
        CHAT,
        block=block,
        status=status,
        conversation=conversation,
        mine=mine,
        messages=services.messages_after(conversation, 0, internal=True),
        tag=services.state_tag(conversation),
        reply_form=reply_form or ReplyForm(formdata=None),
        note_form=note_form or NoteForm(formdata=None),
        transfer_form=transfer_form,
        canned=[(item.id, item.title(language)) for item in canned.canned_responses()],
        chosen_canned=request.args.get("canned", "") if request.method == "GET" else "",
        information=information,
        consent_needed=conversation.person_id is not None and conversation.consent_at is None,
        max_chars=load_chat_settings().message_max_chars,
        waiting_minutes=helpline.waiting_minutes(conversation),
        language_labels=LANGUAGE_LABELS,
        kind_labels=KIND_LABELS,
        flag_category_labels=CATEGORY_LABELS,
        flag_status_labels=STATUS_LABELS,
        **extra,
    )


@bp.get("/chats/<public_id>")
@role_required(ROLE)
@keeps_query("canned")
def chat(public_id: str) -> Response:
    conversation = _readable(public_id)
    if isinstance(conversation, Response):
        return conversation
    chosen = canned.find(request.args.get("canned"))
    if chosen is None or conversation.assignee_id != _staff_id() or conversation.status != "active":
        return _chat(conversation)
    text = canned.fill(chosen.text(conversation.language), _placeholders(conversation))
    return _chat(conversation, block="reply", reply_form=ReplyForm(formdata=None, data={"text": text}))


@bp.get("/chats/<public_id>/updates")
@role_required(ROLE)
def chat_updates(public_id: str) -> Response:
    """Polled by the open chat: 204 while nothing changed (one primary-key read), else the messages again."""
    conversation = _readable(public_id)
    if isinstance(conversation, Response):
        return conversation
    helpline.heartbeat(_staff_id())
    if request.args.get("tag", "") == services.state_tag(conversation):
        return Response(status=204)
    response = _chat(conversation, block="live", latest=_latest_words(conversation))
    response.headers["Cache-Control"] = "no-store"
    return response


def _latest_words(conversation: Conversation) -> str:
    """What a screen reader announces when the messages redraw: the newest, with who said it."""
    messages = services.messages_after(conversation, max(0, conversation.last_seq - 1), internal=True)
    if not messages:
        return ""
    message = messages[-1]
    if message.author == "system":
        return labels.event(message, conversation, for_staff=True)
    return f"{labels.author(message, for_staff=True)}: {message.body}"


@bp.post("/chats/<public_id>/accept")
@role_required(ROLE)
def accept(public_id: str) -> Response:
    conversation = _conversation(public_id)
    staff_id = _staff_id()
    if helpline.accept(conversation, staff_id) or (
        conversation.assignee_id == staff_id and conversation.status == "active"  # a double click
    ):
        return redirect(url_for("helpline.chat", public_id=conversation.public_id), code=303)
    if conversation.assignee_id is not None:
        notice = _("A colleague already took this chat.")
    else:
        notice = _("The resident ended this chat before anyone took it.")
    return _console(status=409, notice=notice)


def _refusal(refused: services.MessageRefused, what: str) -> str:
    if refused.reason == "empty":
        return _("Write the reply first.") if what == "reply" else _("Write the note first.")
    if refused.reason == "too_long":
        return _("A message can be at most %(max)d characters long. Shorten it or send it in parts.", max=refused.limit)
    return _("This chat has ended, so the resident will not see a reply here.")


def _after(conversation: Conversation) -> Response:
    if is_htmx():
        return _chat(conversation, block="panel")
    return redirect(url_for("helpline.chat", public_id=conversation.public_id, _anchor="chat-latest"), code=303)


@bp.post("/chats/<public_id>/reply")
@role_required(ROLE)
def reply(public_id: str) -> Response:
    return _write(public_id, ReplyForm(), "reply")


@bp.post("/chats/<public_id>/note")
@role_required(ROLE)
def note(public_id: str) -> Response:
    return _write(public_id, NoteForm(), "note")


def _write(public_id: str, form: ReplyForm | NoteForm, what: str) -> Response:
    """A reply the resident reads, or a note only workers read; refused, the text stays in its box with why."""
    conversation = _own(public_id)
    if isinstance(conversation, Response):
        return conversation
    kept = {f"{what}_form": form}
    if not form.validate():
        return _chat(conversation, status=400, block="panel", **kept)
    write = helpline.reply if what == "reply" else helpline.note
    try:
        write(conversation, _staff_id(), form.text.data or "")
    except services.MessageRefused as refused:
        form.text.errors = [_refusal(refused, what)]
        return _chat(conversation, status=400, block="panel", **kept)
    return _after(conversation)


@bp.post("/chats/<public_id>/transfer")
@role_required(ROLE)
def transfer(public_id: str) -> Response:
    conversation = _own(public_id)
    if isinstance(conversation, Response):
        return conversation
    form = TransferForm()
    form.to.choices = _colleague_choices(conversation)
    if conversation.status != "active":
        form.validate()
        form.to.errors = [_("Only an open chat can be passed to a colleague.")]
        return _chat(conversation, status=400, transfer_form=form)
    if not form.validate():
        return _chat(conversation, status=400, transfer_form=form)
    colleague = helpline.staff_by_public_id(form.to.data or "")
    if colleague is None or not helpline.transfer(conversation, _staff_id(), colleague):
        notice = _("The chat could not be passed on: it is no longer yours.")
        return _console(status=409, notice=notice)
    message = _("The chat was passed to %(name)s.", name=colleague.name)
    flash(message)
    return redirect(url_for("helpline.console"), code=303)


@bp.post("/chats/<public_id>/close")
@role_required(ROLE)
def close(public_id: str) -> Response:
    conversation = _own(public_id)
    if isinstance(conversation, Response):
        return conversation
    if conversation.status != "closed":
        services.close(conversation, by="staff", staff_id=_staff_id())
        message = _("The chat has ended. The resident can still read and save it.")
        flash(message)
    return redirect(url_for("helpline.chat", public_id=conversation.public_id), code=303)


# --- the organiser's help-line hours -----------------------------------------------------------------------------


@bp.route("/hours", methods=["GET", "POST"])
@role_required(*ORGANISING)
def hours() -> Response:
    form = WeekHoursForm(data=hours_data(load_chat_settings()))
    names = day_names()
    for day in WEEKDAYS:
        form[day_field(day)].label.text = names[day]
    if form.validate_on_submit():
        changed = save_settings(hours_changes(form), _staff_id(), defaults=DEFAULTS)
        message = _("Saved.") if changed else _("Nothing was changed.")
        flash(message)
        return redirect(url_for("helpline.hours"), code=303)
    return render_page(
        "views/helpline/hours.html",
        status=400 if form.errors else 200,
        form=form,
        days=[day_field(day) for day in WEEKDAYS],
    )
