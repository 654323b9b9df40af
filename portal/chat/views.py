"""The resident's chat: one page that works without JavaScript (send, reload to see the answer) and, with htmx, a
live panel that asks every 1.5 seconds whether anything changed (a 204 when nothing did).

Anyone may ask the assistant; the conversation is found through this browser's session (its token) or, when
logged in, the person's latest open one, so it survives a reload, a new process and a change of language. The
assistant uses the person's own facts only when they are logged in as themselves.
"""

from __future__ import annotations

from flask import Response, abort, g, make_response, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import TooManyRequests

from portal.assistant import answer
from portal.assistant.facts import facts_for
from portal.chat import bp, labels, services
from portal.chat.actions import action_links
from portal.chat.forms import MessageForm, RatingForm
from portal.chat.settings import load_chat_settings
from portal.chat.transcript import transcript_text
from portal.extensions import db
from portal.htmx import is_htmx, render_page
from portal.i18n import current_language
from portal.models import Conversation
from portal.ratelimit import client_address, hit

TEMPLATE = "views/chat/chat.html"


def _person_id() -> int | None:
    user = g.get("user")
    return int(user.id) if user is not None and user.kind == "resident" else None


def _own() -> Conversation | None:
    stored = session.get("chat") or {}
    conversation = services.find_own(stored.get("id"), stored.get("token"), _person_id())
    if conversation is not None:
        services.follow_language(conversation, current_language())
    return conversation


def _own_or_new() -> Conversation:
    conversation = _own()
    if conversation is None or conversation.status == "closed":
        token = services.new_owner_token()
        conversation = services.start(current_language(), _person_id(), token)
        session["chat"] = {"id": conversation.public_id, "token": token}
    return conversation


def _render(
    conversation: Conversation | None,
    form: MessageForm | None = None,
    status: int = 200,
    block: str = "panel",
    rating_form: RatingForm | None = None,
    **extra: object,
):
    messages = services.messages_after(conversation, 0) if conversation is not None else []
    extra.setdefault("login_needed", False)
    extra.setdefault("latest", "")
    if rating_form is None and conversation is not None and conversation.status == "closed":
        rating_form = RatingForm(formdata=None)
    return render_page(
        TEMPLATE,
        block=block,
        status=status,
        conversation=conversation,
        messages=messages,
        form=form or MessageForm(formdata=None),
        rating_form=rating_form,
        actions=action_links(messages, conversation.language if conversation is not None else current_language()),
        place=services.place_in_queue(conversation) if conversation is not None else None,
        tag=services.state_tag(conversation) if conversation is not None else "",
        max_chars=load_chat_settings().message_max_chars,
        **extra,
    )


@bp.get("/")
def page():
    return _render(_own())


@bp.post("/messages")
def send():
    form = MessageForm()
    conversation = _own_or_new()
    try:
        hit("chat_conversation", conversation.public_id)  # per conversation, on top of the per-address "chat"
        hit("chat", client_address())
    except TooManyRequests:
        db.session.commit()
        form.validate()
        form.text.errors = [_("You are sending messages faster than we can take them. Wait a minute, then send again.")]
        return _render(conversation, form, status=429)
    if not form.validate():
        db.session.commit()
        return _render(conversation, form, status=400)
    try:
        text = services.checked_text(form.text.data or "", load_chat_settings())
        reply = None
        if conversation.status == "assistant":
            person_id = _person_id() if g.get("acting") is None else None
            reply = answer(text, conversation.language, facts_for(person_id) if person_id is not None else None)
        outcome = services.resident_says(conversation, text, reply)
    except services.MessageRefused as refused:
        db.session.commit()
        form.text.errors = [_refusal(refused)]
        return _render(conversation, form, status=400)
    if outcome == "login_needed":
        return _render(conversation, login_needed=True)
    return _after_post()


def _refusal(refused: services.MessageRefused) -> str:
    if refused.reason == "empty":
        return _("Write your message first.")
    if refused.reason == "too_long":
        return _(
            "Your message can be at most %(max)d characters long. Shorten it or send it in parts.", max=refused.limit
        )
    return _("This chat has ended. Start a new chat to send a message.")


def _after_post() -> ResponseReturnValue:
    if is_htmx():
        return _render(_own())
    return redirect(url_for("chat.page") + "#chat-latest", 303)


@bp.post("/person")
def person():
    conversation = _own_or_new()
    outcome = services.request_person(conversation)
    if outcome == "login_needed":
        return _render(conversation, login_needed=True)
    return _after_post()


@bp.post("/consent")
def consent():
    conversation = _own()
    user = g.get("user")
    if conversation is None or user is None or user.kind != "resident" or conversation.person_id != int(user.id):
        abort(404)
    services.give_consent(conversation, user)
    return _after_post()


@bp.post("/close")
def close():
    conversation = _own()
    if conversation is None:
        abort(404)
    services.close(conversation, by="resident")
    return _after_post()


@bp.post("/rate")
def rate():
    conversation = _own()
    if conversation is None or conversation.status != "closed":
        abort(404)
    form = RatingForm()
    if not form.validate():
        return _render(conversation, rating_form=form, status=400)
    services.rate(conversation, int(form.rating.data))
    return _after_post()


@bp.post("/new")
def new():
    conversation = _own()
    if conversation is not None and conversation.status != "closed":
        services.close(conversation, by="resident")
    session.pop("chat", None)
    return redirect(url_for("chat.page"), 303)


@bp.get("/updates")
def updates():
    """Polled by the live panel: 204 while nothing changed (one primary-key read), else the panel again."""
    conversation = _own()
    if conversation is None:
        return Response(status=204)
    if request.args.get("tag", "") == services.state_tag(conversation):
        return Response(status=204)
    response = _render(conversation, block="live", latest=_latest_words(conversation))
    response.headers["Cache-Control"] = "no-store"
    return response


def _latest_words(conversation: Conversation) -> str:
    """What a screen reader announces when the live panel redraws: the newest message, with who said it."""
    messages = services.messages_after(conversation, max(0, conversation.last_seq - 1))
    if not messages:
        return ""
    message = messages[-1]
    if message.author == "system":
        return labels.event(message, conversation)
    return f"{labels.author(message)}: {message.body}"


@bp.get("/transcript")
def transcript():
    conversation = _own()
    if conversation is None:
        abort(404)
    return render_page(
        "views/chat/transcript.html", conversation=conversation, messages=services.messages_after(conversation, 0)
    )


@bp.get("/transcript.txt")
def transcript_download():
    conversation = _own()
    if conversation is None:
        abort(404)
    body = transcript_text(conversation, services.messages_after(conversation, 0))
    response = make_response(body)
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    name = f"chat-{conversation.created_at:%Y-%m-%d}.txt"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
