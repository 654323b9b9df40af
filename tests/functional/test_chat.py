"""The resident's chat without JavaScript (send, reload) and its live panel's polling, on SQLite and PostgreSQL:
answers, hand-over to a queue or to a message left out of hours, refusals that keep the text, the transcript."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from portal.chat.settings import DEFAULTS
from portal.choice.rules import save_settings
from portal.compare.units import today_in_helsinki
from portal.extensions import db
from portal.models import AuditEvent, ChatMessage, Conversation, HelplinePresence, StaffUser
from portal.models._types import utcnow
from tests.conftest import make_app
from tests.functional.conftest import ClientRequest


class ChatRequest(ClientRequest):
    """Anonymous visitors have no form on the front page: the chat's own form gives the CSRF token."""

    def csrf_token(self) -> str:
        return self.get("chat.page").select_one("input[name=csrf_token]")["value"]


@pytest.fixture
def client_request(app, client) -> ChatRequest:
    return ChatRequest(app, client)


ALWAYS_OPEN = {str(day): ["00:00", "23:59"] for day in range(7)}
NEVER_OPEN: dict[str, list[str]] = {}


def set_hours(app, week, exceptions=None) -> None:
    with app.app_context():
        save_settings({"helpline_week": week, "helpline_exceptions": exceptions or {}}, None, defaults=DEFAULTS)


def worker_on_duty(app, languages: str = "fi sv selko en", subject: str = "chat.worker") -> int:
    with app.app_context():
        staff = StaffUser(oidc_issuer="test", oidc_subject=subject, name="Liisa Testaaja")
        db.session.add(staff)
        db.session.flush()
        db.session.add(HelplinePresence(staff_id=staff.id, on_duty=True, languages=languages, seen_at=utcnow()))
        db.session.commit()
        return staff.id


def panel(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def conversation(app) -> Conversation:
    with app.app_context():
        found = db.session.scalars(select(Conversation).order_by(Conversation.id.desc())).first()
        assert found is not None
        db.session.expunge(found)
        return found


def say(client_request, text: str, expected: int = 303):
    return client_request.post("chat.send", {"text": text}, _expected_status=expected)


def test_the_assistant_answers_and_the_chat_survives_a_reload_a_new_process_and_another_language(
    app, client, client_request
):
    page = client_request.get("chat.page", lang="en")
    assert page.select_one("#chat-panel form textarea[name=text]") is not None
    assert page.select_one(".chat-dock") is None  # the chat page is the chat: no dock on it
    say(client_request, "how can I change my health centre")
    page = client_request.get("chat.page")
    log = page.select("#chat-panel .chat__message")
    assert [item["class"][1] for item in log] == ["chat__message--resident", "chat__message--assistant"]
    assert "how can I change my health centre" in log[0].text

    # A new process on the same database with the same browser: the same conversation.
    second = make_app(app.config["SQLALCHEMY_DATABASE_URI"], None)
    other = second.test_client()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    other.set_cookie(cookie.key, cookie.value, domain=cookie.domain, secure=cookie.secure)
    again = panel(other.get("/chat/"))
    assert len(again.select("#chat-panel .chat__message")) == 2

    # Another language: the same messages, and the assistant now answers in Swedish.
    page = client_request.get("chat.page", lang="sv")
    assert len(page.select("#chat-panel .chat__message")) == 2
    assert conversation(app).language == "sv"


def test_anyone_can_see_the_chat_from_every_page(app, client_request):
    home = client_request.get("main.home", lang="en")
    dock = home.select_one("details.chat-dock")
    assert dock is not None
    loader = dock.select_one("[hx-get]")
    assert loader["hx-get"] == "/chat/" and dock.select_one("a[href='/chat/']") is not None  # works without JS too
    fragment = client_request.client.get("/chat/", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert b"<html" not in fragment.data and b'id="chat-panel"' in fragment.data


def test_polling_answers_204_until_something_changes(app, client, client_request):
    say(client_request, "hello")
    live = client_request.get("chat.page").select_one("#chat-live")
    poll = live["hx-get"]
    htmx = {"HX-Request": "true"}
    assert client.get(poll, headers=htmx).status_code == 204
    with app.app_context():
        from portal.chat import services

        found = db.session.get(Conversation, conversation(app).id)
        services.append(found, "staff", "A worker's answer")
        db.session.commit()
    changed = client.get(poll, headers=htmx)
    assert changed.status_code == 200 and changed.headers["Cache-Control"] == "no-store"
    fragment = panel(changed)
    assert fragment.select_one("#chat-live") is not None and fragment.select_one("form textarea") is None
    assert "A worker's answer" in fragment.select_one("#chat-announce").text  # said to a screen reader


def test_out_of_hours_an_anonymous_visitor_is_asked_to_log_in_and_a_resident_leaves_a_message(
    app, client_request, login_as
):
    set_hours(app, NEVER_OPEN)
    page = client_request.post("chat.person", {}, _expected_status=200)
    assert page.select_one("#chat-status a[href^='/login']") is not None
    assert conversation(app).status == "assistant"

    login_as("aino.virtanen")  # the chat begun before logging in goes on after it
    client_request.post("chat.person", {}, _expected_status=303)
    left = conversation(app)
    assert left.status == "message" and left.person_id is not None
    assert left.answer_due is None  # never open: no promise the line cannot keep
    set_hours(app, ALWAYS_OPEN)


def test_a_message_left_out_of_hours_is_promised_an_answer_in_open_hours(app, client_request, login_as):
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    week = {str(day): ["08:00", "16:00"] for day in range(7)}
    set_hours(app, week, {today_in_helsinki().isoformat(): None})  # closed today, whatever the time
    login_as("aino.virtanen")
    say(client_request, "I have a question about my budget")
    client_request.post("chat.person", {}, _expected_status=303)
    left = conversation(app)
    assert left.status == "message" and left.answer_due is not None
    assert left.answer_due.date().isoformat() <= tomorrow
    page = client_request.get("chat.page", lang="en")
    assert "will be answered by" in page.select_one("#chat-status").text


def test_in_hours_the_chat_joins_its_language_queue_with_a_place_and_a_wait(app, client_request, login_as):
    set_hours(app, ALWAYS_OPEN)
    worker_on_duty(app, languages="fi")
    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"], None).test_client()
    first = ChatRequest(app, other)
    first.post("chat.person", {}, _expected_status=303)  # someone ahead, in Finnish
    client_request.post("chat.person", {}, _expected_status=303)
    page = client_request.get("chat.page", lang="en")
    status = " ".join(page.select_one("#chat-status").text.split())
    assert "You are number 2 in the queue." in status and "Estimated wait: about 12 minutes." in status
    assert conversation(app).language == "fi"  # routed by the language it was asked in, kept when the page's changes
    # Nobody on duty speaks Swedish: a Swedish chat cannot queue, and an anonymous visitor is asked to log in.
    swedish = ChatRequest(app, make_app(app.config["SQLALCHEMY_DATABASE_URI"], None).test_client())
    swedish.get("chat.page", lang="sv")
    assert swedish.post("chat.person", {}, _expected_status=200).select_one("#chat-status a") is not None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "Write your message first."),
        ("x" * 2001, "Your message can be at most 2000 characters long."),
        ("bad\x07bell", "Remove the special characters"),
    ],
)
def test_a_refused_message_stays_in_the_box_with_the_reason(app, client_request, text, reason):
    client_request.get("chat.page", lang="en")
    page = say(client_request, text, expected=400)
    box = page.select_one("#chat-panel textarea[name=text]")
    assert box.text.strip("\r\n") == text.strip()
    assert reason in page.select_one("#chat-panel").text
    with app.app_context():
        assert db.session.scalar(select(ChatMessage.id).where(ChatMessage.author == "resident")) is None


def test_too_many_messages_are_refused_with_the_text_kept(database_url, demo_providers):
    from tests.conftest import empty_tables

    limited = make_app(
        database_url, demo_providers, RATE_LIMITS_ENABLED=True, RATE_LIMITS={"chat_conversation": "2/60"}
    )
    empty_tables(limited)
    client_request = ChatRequest(limited, limited.test_client())
    client_request.get("chat.page", lang="en")
    say(client_request, "one")
    say(client_request, "two")
    page = say(client_request, "three", expected=429)
    assert page.select_one("#chat-panel textarea[name=text]").text.strip() == "three"
    assert "faster than we can take them" in page.select_one("#chat-panel").text
    empty_tables(limited)


def test_what_anyone_writes_is_shown_as_text(app, client_request):
    say(client_request, '<script>alert("x")</script> <b>bold</b>')
    page = client_request.get("chat.page")
    body = page.select_one(".chat__message--resident .chat__body")
    assert body.select("script, b") == [] and body.text == '<script>alert("x")</script> <b>bold</b>'


def test_a_closed_chat_gives_its_transcript_without_internal_notes_and_can_be_rated(app, client, client_request):
    say(client_request, "what is a service voucher")
    with app.app_context():
        from portal.chat import services

        found = db.session.get(Conversation, conversation(app).id)
        staff = StaffUser(oidc_issuer="test", oidc_subject="note.writer", name="Pekka Testaaja")
        db.session.add(staff)
        db.session.flush()
        services.append(found, "staff", "Secret worker note", staff_id=staff.id, internal=True)
        db.session.commit()
    client_request.post("chat.close", {}, _expected_status=303)
    page = client_request.get("chat.page", lang="en")
    assert "This chat has ended." in page.select_one("#chat-status").text
    assert page.select_one("#chat-panel textarea") is None
    assert "Secret worker note" not in page.text
    text = client.get("/chat/transcript.txt")
    assert text.headers["Content-Disposition"].startswith("attachment;")
    body = text.get_data(as_text=True)
    assert "what is a service voucher" in body and "You ended the chat." in body and "Secret" not in body
    printable = client_request.get("chat.transcript")
    assert "what is a service voucher" in printable.text and "Secret" not in printable.text

    page = client_request.post("chat.rate", {"rating": "9"}, _expected_status=400)
    assert "Choose a number from 1 to 5." in page.text
    client_request.post("chat.rate", {"rating": "4"}, _expected_status=303)
    assert conversation(app).rating == 4
    assert "Thank you for your rating." in client_request.get("chat.page").text

    client_request.post("chat.new", {}, _expected_status=303)
    assert client_request.get("chat.page").select(".chat__message") == []


def test_consent_is_the_residents_own_and_is_logged(app, client_request, login_as):
    set_hours(app, ALWAYS_OPEN)
    worker_on_duty(app)
    login_as("aino.virtanen")
    say(client_request, "I need help with my listing")
    page = client_request.post("chat.person", {}, _expected_status=303)
    page = client_request.get("chat.page", lang="en")
    assert page.select_one("form[action='/chat/consent']") is not None
    client_request.post("chat.consent", {}, _expected_status=303)
    found = conversation(app)
    assert found.consent_at is not None
    with app.app_context():
        row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "chat_consent"))
        assert row is not None and row.subject_person_id == found.person_id
    assert client_request.get("chat.page").select_one("form[action='/chat/consent']") is None
