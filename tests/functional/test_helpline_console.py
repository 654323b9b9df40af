"""The help line's chat console, on SQLite and PostgreSQL: presence and the queues by language, taking a chat (one
worker wins), replies that reach the resident's live panel, internal notes the resident never sees, passing a chat to
a colleague, ending it, the resident's information only after their consent (and every look in their access log),
refusals that keep the text, escaped output, canned responses, and the organiser's help-line hours."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import func, select

from portal.auth.services import CurrentUser
from portal.chat import canned, helpline
from portal.chat.settings import DEFAULTS, load_chat_settings
from portal.choice import services as choice_services
from portal.choice.rules import save_settings
from portal.demo.personas import PERSONAS
from portal.demo.ptv_feed import channel_id
from portal.extensions import db
from portal.models import AuditEvent, ChatMessage, Conversation, HelplinePresence, Person, StaffUser
from portal.models._types import utcnow
from tests.functional.conftest import ClientRequest, login
from tests.functional.test_choice_concurrency import run_together

ALWAYS_OPEN = {str(day): ["00:00", "23:59"] for day in range(7)}
NEVER_OPEN: dict[str, list[str]] = {}
HTMX = {"HX-Request": "true"}
S_JARVENPAA = channel_id(2019, "s-jarvenpaa")


class Browser(ClientRequest):
    """One person's own client. Anyone has a form on the chat page, so its CSRF token serves residents and visitors;
    staff take theirs from the front page (the log-out form)."""

    def __init__(self, app: Flask, sub: str | None = None, language: str = "en") -> None:
        super().__init__(app, app.test_client())
        self.sub = sub
        if sub:
            login(self.client, sub, PERSONAS[sub].kind)
        self.staff = bool(sub) and PERSONAS[sub].kind == "staff"
        self.get("main.home", lang=language)

    def csrf_token(self) -> str:
        page = self.get("main.home" if self.staff else "chat.page")
        return page.select_one("input[name=csrf_token]")["value"]

    def raw(self, endpoint: str, data: dict | None = None, headers: dict | None = None, **values: object):
        """A POST whose answer the test reads itself (status, fragment)."""
        body = {"csrf_token": self.csrf_token(), **(data or {})}
        return self.client.post(self.url(endpoint, **values), data=body, headers=headers or {})


def set_hours(app: Flask, week: dict, exceptions: dict | None = None) -> None:
    with app.app_context():
        save_settings({"helpline_week": week, "helpline_exceptions": exceptions or {}}, None, defaults=DEFAULTS)


def staff_id(app: Flask, sub: str) -> int:
    with app.app_context():
        return db.session.scalar(select(StaffUser.id).filter_by(oidc_subject=sub))


def on_duty(worker: Browser, *languages: str) -> None:
    worker.post("helpline.presence", {"status": "on_duty", "languages": list(languages)}, _expected_status=303)


def ask_for_person(resident: Browser, text: str = "I need help with my choice") -> Conversation:
    resident.post("chat.send", {"text": text}, _expected_status=303)
    resident.post("chat.person", {}, _expected_status=303)
    return latest(resident.app)


def latest(app: Flask) -> Conversation:
    with app.app_context():
        found = db.session.scalars(select(Conversation).order_by(Conversation.id.desc())).first()
        assert found is not None
        db.session.expunge(found)
        return found


def fresh(app: Flask, conversation: Conversation) -> Conversation:
    with app.app_context():
        found = db.session.get(Conversation, conversation.id)
        assert found is not None
        db.session.expunge(found)
        return found


def text_of(node) -> str:
    return " ".join(node.text.split()) if node is not None else ""


@pytest.fixture
def open_line(app: Flask) -> Flask:
    set_hours(app, ALWAYS_OPEN)
    return app


@pytest.fixture
def liisa(open_line: Flask) -> Browser:
    worker = Browser(open_line, "liisa.neuvoja")
    on_duty(worker, "fi", "sv", "selko", "en")
    return worker


@pytest.fixture
def taken(open_line: Flask, liisa: Browser) -> tuple[Browser, Conversation]:
    """An anonymous visitor's chat in English, taken by Liisa."""
    resident = Browser(open_line)
    conversation = ask_for_person(resident)
    assert conversation.status == "queued"
    liisa.post("helpline.accept", {}, _expected_status=303, public_id=conversation.public_id)
    return resident, fresh(open_line, conversation)


# --- presence and the queues -------------------------------------------------------------------------------------


def test_presence_decides_the_queues_a_worker_sees_and_whether_chats_queue(open_line):
    app = open_line
    liisa = Browser(app, "liisa.neuvoja")
    page = liisa.get("helpline.console")
    assert page.select_one("input[name=status][value=away]").has_attr("checked")  # nobody is on duty by default
    on_duty(liisa, "fi")
    with app.app_context():
        row = db.session.get(HelplinePresence, staff_id(app, "liisa.neuvoja"))
        assert row.on_duty and row.languages == "fi"

    finnish = Browser(app, language="fi")
    assert ask_for_person(finnish, "Hei").status == "queued"
    swedish = Browser(app, language="sv")
    swedish.post("chat.person", {}, _expected_status=200)  # nobody answers Swedish: asked to log in instead
    assert latest(app).status == "assistant"
    aino = Browser(app, "aino.virtanen", language="sv")
    aino.post("chat.person", {}, _expected_status=303)
    left = latest(app)
    assert left.status == "message" and left.language == "sv"  # a logged-in resident leaves a message

    page = liisa.get("helpline.console")
    queues = page.select_one("#helpline-queues")
    assert [text_of(h) for h in queues.select("h2[id^=queue-]")] == ["Queue in Finnish"]
    assert "1 resident waiting" in text_of(queues) and "Waiting 0 minutes" in text_of(queues)

    on_duty(liisa, "fi", "sv")
    queues = liisa.get("helpline.console").select_one("#helpline-queues")
    assert [text_of(h) for h in queues.select("h2[id^=queue-]")] == ["Queue in Finnish", "Queue in Swedish"]
    swedish_queue = queues.select_one("#queue-sv-heading").parent
    assert "1 message left out of hours" in text_of(swedish_queue) and "Logged-in resident" in text_of(swedish_queue)

    liisa.post("helpline.presence", {"status": "away", "languages": ["fi"]}, _expected_status=303)
    with app.app_context():
        from portal.chat.services import workers_on_duty

        assert workers_on_duty("fi") == 0
    page = liisa.post("helpline.presence", {"status": "on_duty"}, _expected_status=400)
    assert "Choose at least one language you answer in." in text_of(page.select_one(".error-summary"))


def test_the_console_polls_cheaply_and_keeps_its_worker_on_duty(open_line):
    app = open_line
    liisa = Browser(app, "liisa.neuvoja")
    on_duty(liisa, "en")
    me = staff_id(app, "liisa.neuvoja")
    stale = utcnow() - timedelta(seconds=load_chat_settings_in(app).presence_timeout_seconds + 60)
    set_seen(app, me, stale)
    with app.app_context():
        from portal.chat.services import workers_on_duty

        assert workers_on_duty("en") == 0  # not seen for too long: not counted
    page = liisa.get("helpline.console")
    assert seen(app, me) > stale  # the open console is a heartbeat
    poll = page.select_one("#helpline-queues")["hx-get"]
    assert liisa.client.get(poll, headers=HTMX).status_code == 204

    set_seen(app, me, stale)
    assert liisa.client.get(poll, headers=HTMX).status_code == 204
    assert seen(app, me) == stale  # written at most every 30 seconds per process, not on every poll

    set_seen(app, me, utcnow())
    ask_for_person(Browser(app))
    changed = liisa.client.get(poll, headers=HTMX)
    assert changed.status_code == 200 and changed.headers["Cache-Control"] == "no-store"
    fragment = BeautifulSoup(changed.data, "html.parser")
    assert b"<html" not in changed.data and "1 resident waiting" in text_of(fragment)


def load_chat_settings_in(app: Flask):
    with app.app_context():
        return load_chat_settings()


def set_seen(app: Flask, staff: int, when) -> None:
    with app.app_context():
        db.session.get(HelplinePresence, staff).seen_at = when
        db.session.commit()


def seen(app: Flask, staff: int):
    with app.app_context():
        return db.session.get(HelplinePresence, staff).seen_at


# --- taking a chat -----------------------------------------------------------------------------------------------


def test_of_two_workers_taking_the_same_chat_one_gets_it(open_line, liisa):
    app = open_line
    pekka = Browser(app, "pekka.neuvoja")
    on_duty(pekka, "en")
    conversation = ask_for_person(Browser(app))
    assert pekka.get("helpline.chat", public_id=conversation.public_id)  # anyone may read a waiting chat
    liisa.post("helpline.accept", {}, _expected_status=303, public_id=conversation.public_id)
    page = pekka.post("helpline.accept", {}, _expected_status=409, public_id=conversation.public_id)
    assert "A colleague already took this chat." in text_of(page.select_one("[role=alert]"))
    found = fresh(app, conversation)
    assert found.status == "active" and found.assignee_id == staff_id(app, "liisa.neuvoja")
    with app.app_context():
        events = db.session.scalars(select(ChatMessage.event).filter_by(conversation_id=conversation.id)).all()
        assert events.count("accepted") == 1
    mine = liisa.get("helpline.console").select_one("#mine-heading").parent
    assert mine.select_one(f"a[href$='{conversation.public_id}']") is not None


def test_taking_a_chat_under_real_concurrency_gives_it_to_exactly_one(open_line):
    app = open_line
    with app.app_context():
        workers = [StaffUser(oidc_issuer="test", oidc_subject=f"race.{n}", name=f"Worker {n}") for n in range(6)]
        db.session.add_all(workers)
        conversation = Conversation(language="fi", owner_hash="x", status="queued", queued_at=utcnow())
        db.session.add(conversation)
        db.session.commit()
        ids, conversation_id = [worker.id for worker in workers], conversation.id

    def take(i: int) -> bool:
        found = db.session.get(Conversation, conversation_id)
        return helpline.accept(found, ids[i])

    results = run_together(app, take, count=len(ids))
    assert sorted(results, key=str) == [False] * (len(ids) - 1) + [True], results
    with app.app_context():
        found = db.session.get(Conversation, conversation_id)
        assert found.assignee_id == ids[results.index(True)]
        accepted = select(func.count()).where(ChatMessage.conversation_id == conversation_id)
        assert db.session.scalar(accepted) == 1 and found.last_seq == 1


# --- replies, notes, the resident's side ---------------------------------------------------------------------------


def test_a_reply_reaches_the_residents_live_panel_and_their_words_reach_the_worker(liisa, taken):
    resident, conversation = taken
    resident_poll = resident.get("chat.page").select_one("#chat-live")["hx-get"]
    assert resident.client.get(resident_poll, headers=HTMX).status_code == 204
    worker_page = liisa.get("helpline.chat", public_id=conversation.public_id)
    worker_poll = worker_page.select_one("#chat-live")["hx-get"]
    assert liisa.client.get(worker_poll, headers=HTMX).status_code == 204

    liisa.post("helpline.reply", {"text": "Hello, I can help."}, _expected_status=303, public_id=conversation.public_id)
    answer = resident.client.get(resident_poll, headers=HTMX)
    assert answer.status_code == 200
    fragment = BeautifulSoup(answer.data, "html.parser")
    staff_message = fragment.select_one(".chat__message--staff")
    assert "Hello, I can help." in text_of(staff_message) and "Liisa Neuvoja, help line" in text_of(staff_message)

    resident.post("chat.send", {"text": "Thank you!"}, _expected_status=303)
    news = liisa.client.get(worker_poll, headers=HTMX)
    assert news.status_code == 200 and b"<html" not in news.data
    fragment = BeautifulSoup(news.data, "html.parser")
    assert "Resident" in text_of(fragment.select(".chat__message--resident")[-1])
    assert "Thank you!" in text_of(fragment.select_one("#chat-announce"))


def test_internal_notes_are_for_workers_only_and_never_the_residents_words(liisa, taken):
    resident, conversation = taken
    note = "Resident sounds worried: check the listing rules"
    liisa.post("helpline.note", {"text": note}, _expected_status=303, public_id=conversation.public_id)

    page = liisa.get("helpline.chat", public_id=conversation.public_id)
    marked = page.select_one(".chat__message--internal")
    assert note in text_of(marked) and "Internal note by Liisa Neuvoja" in text_of(marked)
    assert all(note not in text_of(item) for item in page.select(".chat__message--resident"))

    assert note not in resident.get("chat.page").text
    assert note not in resident.client.get("/chat/updates?tag=").get_data(as_text=True)
    resident.post("chat.close", {}, _expected_status=303)
    assert note not in resident.get("chat.transcript").text
    assert note not in resident.client.get("/chat/transcript.txt").get_data(as_text=True)


def test_a_chat_passed_to_a_colleague_leaves_my_list_for_theirs(open_line, liisa, taken):
    app = open_line
    resident, conversation = taken
    pekka = Browser(app, "pekka.neuvoja")
    on_duty(pekka, "fi")
    liisa.post(
        "helpline.note", {"text": "Asked about dental care"}, _expected_status=303, public_id=conversation.public_id
    )
    page = liisa.get("helpline.chat", public_id=conversation.public_id)
    options = {option.text: option["value"] for option in page.select("select[name=to] option")}
    assert list(options) == ["Pekka Neuvoja (Finnish)"]

    refused = liisa.post("helpline.transfer", {"to": "nobody"}, _expected_status=400, public_id=conversation.public_id)
    assert "Choose a colleague who is on duty." in text_of(refused.select_one(".error-summary"))
    liisa.post("helpline.transfer", {"to": options["Pekka Neuvoja (Finnish)"]}, _expected_status=303,
               public_id=conversation.public_id)  # fmt: skip
    assert "The chat was passed to Pekka Neuvoja." in text_of(liisa.get("helpline.console").select_one("main"))

    assert fresh(app, conversation).assignee_id == staff_id(app, "pekka.neuvoja")
    mine = liisa.get("helpline.console").select_one("#mine-heading").parent
    assert "You have no open chats." in text_of(mine)
    theirs = pekka.get("helpline.console").select_one("#mine-heading").parent
    assert theirs.select_one(f"a[href$='{conversation.public_id}']") is not None
    liisa.get("helpline.chat", _expected_status=403, public_id=conversation.public_id)

    page = pekka.get("helpline.chat", public_id=conversation.public_id)
    note = page.select_one(".chat__message--internal")
    assert "Internal note by Liisa Neuvoja" in text_of(note)  # a colleague's note, never the resident's words
    assert "The chat was passed to Pekka Neuvoja." in text_of(resident.get("chat.page").select_one("#chat-panel"))


def test_ending_the_chat(open_line, liisa, taken):
    app = open_line
    resident, conversation = taken
    liisa.post("helpline.close", {}, _expected_status=303, public_id=conversation.public_id)
    assert fresh(app, conversation).status == "closed"
    assert "The help line ended the chat." in text_of(resident.get("chat.page").select_one("#chat-panel"))
    page = liisa.get("helpline.chat", public_id=conversation.public_id)  # still readable by its worker
    assert page.select_one("form[action$='/reply']") is None
    page = liisa.post("helpline.reply", {"text": "One more thing"}, _expected_status=400,
                      public_id=conversation.public_id)  # fmt: skip
    assert "This chat has ended" in text_of(page.select_one(".error-summary"))
    assert "One more thing" in page.select_one("textarea[name=text]").text
    page = liisa.post("helpline.transfer", {"to": "x"}, _expected_status=400, public_id=conversation.public_id)
    assert "Only an open chat can be passed to a colleague." in text_of(page.select_one(".error-summary"))


def test_only_the_chats_worker_may_answer_it(open_line, liisa, taken):
    app = open_line
    _, conversation = taken
    pekka = Browser(app, "pekka.neuvoja")
    before = fresh(app, conversation).last_seq
    for endpoint, data in [("helpline.reply", {"text": "Hi"}), ("helpline.note", {"text": "Hi"}),
                           ("helpline.transfer", {"to": "x"}), ("helpline.close", {})]:  # fmt: skip
        response = pekka.raw(endpoint, data, public_id=conversation.public_id)
        assert response.status_code == 403, endpoint
        assert "A colleague is answering this chat." in response.get_data(as_text=True)
    page = pekka.get("helpline.chat", _expected_status=403, public_id=conversation.public_id)
    assert page.select_one(".chat__message") is None
    assert pekka.client.get(f"/helpline/chats/{conversation.public_id}/updates?tag=").status_code == 403
    assert fresh(app, conversation).last_seq == before
    with app.app_context():
        denied = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "access_denied")).all()
        assert len([row for row in denied if row.actor_id == staff_id(app, "pekka.neuvoja")]) == 6
    # A chat with only the assistant is the resident's alone: it does not exist for the help line.
    visitor = Browser(app)
    visitor.post("chat.send", {"text": "hello"}, _expected_status=303)
    private = latest(app)
    liisa.get("helpline.chat", _expected_status=404, public_id=private.public_id)
    assert liisa.raw("helpline.accept", public_id=private.public_id).status_code == 404


# --- refusals and escaping ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "text", "reason"),
    [
        ("helpline.reply", "", "Write the reply first."),
        ("helpline.note", "   ", "Write the note first."),
        ("helpline.reply", "x" * 2001, "A message can be at most 2000 characters long."),
        ("helpline.note", "x" * 2001, "A message can be at most 2000 characters long."),
        ("helpline.reply", "bad\x07bell", "Remove the special characters"),
    ],
)
def test_a_refused_reply_or_note_stays_in_the_box_with_the_reason(open_line, liisa, taken, endpoint, text, reason):
    app = open_line
    _, conversation = taken
    before = fresh(app, conversation).last_seq
    page = liisa.post(endpoint, {"text": text}, _expected_status=400, public_id=conversation.public_id)
    box = page.select_one("#reply-text" if endpoint == "helpline.reply" else "#note-text")
    assert box.text.strip("\r\n") == text.strip("\r\n") if text.strip() else box.text.strip() == ""
    assert reason in text_of(page.select_one(".error-summary"))
    assert fresh(app, conversation).last_seq == before
    fragment = liisa.raw(endpoint, {"text": text}, HTMX, public_id=conversation.public_id)
    assert fragment.status_code == 400 and b"<html" not in fragment.data and reason.encode() in fragment.data


def test_what_the_resident_and_workers_write_is_shown_as_text(open_line, liisa, taken):
    resident, conversation = taken
    hostile = '<script>alert("x")</script> <b>bold</b>'
    resident.post("chat.send", {"text": hostile}, _expected_status=303)
    liisa.post("helpline.note", {"text": hostile}, _expected_status=303, public_id=conversation.public_id)
    liisa.post("helpline.reply", {"text": hostile}, _expected_status=303, public_id=conversation.public_id)
    page = liisa.get("helpline.chat", public_id=conversation.public_id)
    bodies = page.select("#helpline-chat .chat__body")
    assert [body.text for body in bodies].count(hostile) == 3
    assert page.select("#helpline-chat .chat__body script, #helpline-chat .chat__body b") == []
    resident_page = resident.get("chat.page")
    assert resident_page.select(".chat__body script") == []


# --- canned responses ----------------------------------------------------------------------------------------------


def test_a_canned_response_fills_the_reply_in_the_chats_language(open_line, liisa):
    app = open_line
    finnish = Browser(app, language="fi")
    conversation = ask_for_person(finnish, "Hei")
    liisa.post("helpline.accept", {}, _expected_status=303, public_id=conversation.public_id)
    page = liisa.get("helpline.chat", public_id=conversation.public_id)
    titles = [option.text for option in page.select("select[name=canned] option")]
    assert "Call the help line" in titles  # the worker's language for titles
    page = liisa.get("helpline.chat", public_id=conversation.public_id, canned="phone")
    box = page.select_one("#reply-text").text.strip()
    assert box == "Tämä asia hoituu parhaiten puhelimessa. Soita neuvontaan numeroon 09 123 4567."
    greeting = liisa.get("helpline.chat", public_id=conversation.public_id, canned="greeting")
    assert greeting.select_one("#reply-text").text.strip().startswith("Hei! Olen Liisa Neuvoja")  # no name to use
    fragment = liisa.client.get(
        liisa.url("helpline.chat", public_id=conversation.public_id, canned="moment"), headers=HTMX
    )
    assert b"<html" not in fragment.data and b'id="reply-form"' in fragment.data
    unknown = liisa.get("helpline.chat", public_id=conversation.public_id, canned="../../etc")
    assert unknown.select_one("#reply-text").text.strip() == ""


def test_the_canned_file_is_complete_and_refused_when_it_is_not(app):
    with app.app_context():
        responses = canned.canned_responses()
    assert {"greeting", "phone", "consent", "goodbye"} <= {item.id for item in responses}
    assert all(item.text(language) for item in responses for language in ("fi", "sv", "selko", "en"))
    assert canned.fill("Hei {name}! Olen {worker}.", {"worker": "Liisa"}) == "Hei! Olen Liisa."
    assert canned.fill("Thank you, {name}!", {"name": "Aino"}) == "Thank you, Aino!"
    assert canned.fill("Thank you, {name}!", {}) == "Thank you!"
    title = "  title: {fi: a, sv: a, selko: a, en: a}\n"
    bad = f"responses:\n- id: x\n{title}  text: {{fi: '{{nmae}}', sv: a, selko: a, en: a}}\n"
    with pytest.raises(canned.CannedError, match="nmae"):
        canned.parse(bad)
    with pytest.raises(canned.CannedError, match="no en"):
        canned.parse("responses:\n- id: x\n  title: {fi: a, sv: a, selko: a}\n  text: {fi: a, sv: a, selko: a}\n")


# --- the resident's information, only with consent -----------------------------------------------------------------


def test_the_residents_information_only_after_consent_and_every_look_in_their_access_log(catalogue, open_line, liisa):
    app = open_line
    aino = Browser(app, "aino.virtanen")
    with app.app_context():
        person = db.session.scalar(select(Person).filter_by(oidc_subject="aino.virtanen"))
        choice_services.confirm_choice(
            person_id=person.id,
            kind="sote_centre",
            location_id=S_JARVENPAA,
            request_key=choice_services.new_request_key(),
            expected_version=choice_services.listing(person.id, "sote_centre").version,
            actor=CurrentUser("resident", person.id, person.display_name, person.home_municipality_code),
        )
        aino_id = person.id
    conversation = ask_for_person(aino, "Can you check my listing?")
    liisa.post("helpline.accept", {}, _expected_status=303, public_id=conversation.public_id)

    page = liisa.get("helpline.chat", public_id=conversation.public_id)
    panel = page.select_one("#resident-information")
    assert "The resident has not let you see their information." in text_of(panel)
    assert "Aino" not in page.text and "Virtanen" not in page.text and "Järvenpää" not in text_of(panel)
    greeting = liisa.get("helpline.chat", public_id=conversation.public_id, canned="greeting")
    assert greeting.select_one("#reply-text").text.strip().startswith("Hello! I am Liisa Neuvoja")
    assert views_logged(app, aino_id) == 0

    aino.post("chat.consent", {}, _expected_status=303)
    poll = page.select_one("#chat-live")["hx-get"]
    news = BeautifulSoup(liisa.client.get(poll, headers=HTMX).data, "html.parser")
    assert news.select_one("a[href$='#resident-information']") is not None
    assert "Aino" not in news.text and views_logged(app, aino_id) == 0  # the live part shows no data: not a look

    page = liisa.get("helpline.chat", public_id=conversation.public_id)
    panel = page.select_one("#resident-information")
    assert "Aino let you see this" in text_of(panel) and "Järvenpää" in text_of(panel)
    assert "No open reports." in text_of(panel)
    assert views_logged(app, aino_id) == 1
    url = liisa.url("helpline.chat", public_id=conversation.public_id, canned="greeting")
    greeting = BeautifulSoup(liisa.client.get(url, headers=HTMX).data, "html.parser")
    assert greeting.select_one("#reply-text").text.strip().startswith("Hello Aino! I am Liisa Neuvoja")
    assert views_logged(app, aino_id) == 1  # the reply box alone shows no data: not a look
    liisa.get("helpline.chat", public_id=conversation.public_id, canned="greeting")
    assert views_logged(app, aino_id) == 2  # without JavaScript the whole page comes again: a look
    with app.app_context():
        row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "helpline_chat_view"))
        assert row.actor_kind == "staff" and row.basis == "role:helpline" and conversation.public_id in row.detail

    access = aino.get("access_log.mine")
    assert "Looked at your listings, vouchers, budget and reports during your chat" in text_of(access)
    assert "Liisa Neuvoja" in text_of(access)

    liisa.post("helpline.close", {}, _expected_status=303, public_id=conversation.public_id)
    page = liisa.get("helpline.chat", public_id=conversation.public_id)
    assert page.select_one("#resident-information") is None and views_logged(app, aino_id) == 2  # ended: no more


def views_logged(app: Flask, person_id: int) -> int:
    with app.app_context():
        query = select(func.count()).where(
            AuditEvent.action == "helpline_chat_view", AuditEvent.subject_person_id == person_id
        )
        return db.session.scalar(query) or 0


# --- the organiser's help-line hours -------------------------------------------------------------------------------


def test_the_organiser_sets_the_hours_and_a_mistake_keeps_what_was_typed(app):
    olli = Browser(app, "olli.jarjestaja")
    page = olli.get("helpline.hours")
    assert page.select_one("input[name=day_0]")["value"] == "08:00–16:00"
    assert page.select_one("label[for=day_0]").text.strip() == "Monday"
    assert page.select_one("input[name=day_6]").get("value", "") == ""
    assert page.select_one("nav.sub-nav a[aria-current=page]")["href"] == "/helpline/hours"

    form = {f"day_{day}": "08:00–16:00" for day in range(5)}
    wrong = {**form, "day_1": "8-16", "exceptions": "2026-12-24\n24.12.2026 10-12", "answer_within_hours": "4",
             "handle_minutes": "6"}  # fmt: skip
    page = olli.post("helpline.hours", wrong, _expected_status=400)
    summary = text_of(page.select_one(".error-summary"))
    assert "such as 08:00–16:00" in summary and "Line 2: write a date as 2026-12-24" in summary
    assert page.select_one("input[name=day_1]")["value"] == "8-16"
    assert "24.12.2026 10-12" in page.select_one("textarea[name=exceptions]").text

    page = olli.post("helpline.hours", {**form, "day_2": "17:00–09:00", "answer_within_hours": "0",
                                         "handle_minutes": "6"}, _expected_status=400)  # fmt: skip
    assert "Enter a whole number of hours from 1 to 168." in text_of(page.select_one(".error-summary"))

    saved = {**form, "day_5": "10.00 - 14.00", "exceptions": "2026-12-24\n2026-12-31 09:00–12:00",
             "answer_within_hours": "8", "handle_minutes": "5"}  # fmt: skip
    olli.post("helpline.hours", saved, _expected_status=303)
    with app.app_context():
        settings = load_chat_settings()
        assert settings.hours_on(date(2026, 12, 24)) is None
        assert f"{settings.hours_on(date(2026, 12, 31))[1]:%H:%M}" == "12:00"
        assert f"{settings.week[5][0]:%H:%M}" == "10:00" and 6 not in settings.week
        assert settings.answer_within_hours == 8 and settings.handle_minutes == 5
    assert olli.get("helpline.hours").select_one("input[name=day_5]")["value"] == "10:00–14:00"
    olli.post("helpline.hours", {**saved, "day_5": "10:00–14:00"}, _expected_status=303)
    assert "Nothing was changed." in text_of(olli.get("helpline.hours").select_one("main"))

    liisa = Browser(app, "liisa.neuvoja")
    liisa.get("helpline.hours", _expected_status=403)
    olli.get("helpline.console", _expected_status=403)  # the console is the help line's


def test_staff_find_their_pages_from_the_front_page(app):
    liisa = Browser(app, "liisa.neuvoja")
    assert liisa.get("main.home").select_one("main a[href='/helpline/']") is not None
    olli = Browser(app, "olli.jarjestaja")
    assert olli.get("main.home").select_one("main a[href='/helpline/hours']") is not None
