"""adapters/smtp.py against a real SMTP server (aiosmtpd on a free loopback port) and the demo's file sink."""

from __future__ import annotations

import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from adapters.smtp import MailConfigError, MailError, MailSettings, send_mail
from tests.smtp_server import SmtpServer, free_port, smtp_server

SENDER = "valinta@hyvinvointialue.example"
TO = "aino.virtanen@example.fi"
SUBJECT = "Uutisia ilmoituksestasi FABCD-EFHJ"
BODY = "Ilmoitukseesi FABCD-EFHJ on uutisia Valinnassa.\nLue se: https://valinta.example/flags/FABCD-EFHJ\n"


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


def settings(url: str, **overrides: object) -> MailSettings:
    values: dict = {"url": url, "sender": SENDER, "timeout": 5.0} | overrides
    return MailSettings(**values)


def test_a_message_reaches_the_server_with_its_headers(server: SmtpServer) -> None:
    message_id = send_mail(settings(server.url), TO, SUBJECT, BODY)

    [received] = server.received
    assert received.sender == SENDER and received.recipients == [TO]
    message = received.message
    assert message["From"] == SENDER and message["To"] == TO and message["Subject"] == SUBJECT
    assert message["Message-ID"] == message_id and message_id.endswith("@hyvinvointialue.example>")
    assert message["Date"]
    assert message.get_content_type() == "text/plain"
    assert received.text.replace("\r\n", "\n") == BODY


def test_non_ascii_subject_and_body_arrive_intact(server: SmtpServer) -> None:
    send_mail(settings(server.url), TO, "Nyheter om din anmälan FABCD-EFHJ", "Läs den på Valinta: å ä ö\n")

    [received] = server.received
    assert received.message["Subject"] == "Nyheter om din anmälan FABCD-EFHJ"
    assert received.text.replace("\r\n", "\n") == "Läs den på Valinta: å ä ö\n"


def test_a_5xx_reply_is_permanent_and_the_error_holds_no_message(server: SmtpServer) -> None:
    server.recorder.reply = "550 5.1.1 Mailbox unavailable"

    with pytest.raises(MailError) as raised:
        send_mail(settings(server.url), TO, SUBJECT, BODY)

    assert raised.value.temporary is False
    text = str(raised.value)
    assert "550" in text and f"127.0.0.1:{server.port}" in text
    assert BODY.splitlines()[0] not in text and SUBJECT not in text


def test_a_4xx_reply_is_temporary(server: SmtpServer) -> None:
    server.recorder.reply = "451 4.3.0 Try again later"

    with pytest.raises(MailError) as raised:
        send_mail(settings(server.url), TO, SUBJECT, BODY)

    assert raised.value.temporary is True and "451" in str(raised.value)


def test_a_server_that_is_down_is_temporary() -> None:
    port = free_port()  # nothing listens there

    with pytest.raises(MailError) as raised:
        send_mail(settings(f"smtp://127.0.0.1:{port}"), TO, SUBJECT, BODY)

    assert raised.value.temporary is True
    assert "could not connect" in str(raised.value)


def test_the_timeout_is_respected(server: SmtpServer) -> None:
    server.recorder.delay = 3.0  # the server sits on the message longer than the client waits

    started = time.monotonic()
    with pytest.raises(MailError) as raised:
        send_mail(settings(server.url, timeout=0.5), TO, SUBJECT, BODY)

    assert time.monotonic() - started < 2.5
    assert raised.value.temporary is True and "timed out" in str(raised.value)
    assert BODY.splitlines()[0] not in str(raised.value)


def test_login_and_a_refused_login_never_shows_the_password() -> None:
    with smtp_server(password="kissa-123-salasana") as running:
        send_mail(settings(running.url, username="valinta", password="kissa-123-salasana"), TO, SUBJECT, BODY)
        assert len(running.received) == 1

        wrong = settings(running.url, username="valinta", password="wrong-password-42")
        with pytest.raises(MailError) as raised:
            send_mail(wrong, TO, SUBJECT, BODY)
        with pytest.raises(MailError) as not_ascii:  # smtplib cannot send it: a clear error, not a crash
            send_mail(settings(running.url, username="valinta", password="väärä"), TO, SUBJECT, BODY)

    assert raised.value.temporary is True  # the setting needs fixing; the message itself is fine
    assert "535" in str(raised.value) and "wrong-password-42" not in str(raised.value)
    assert "wrong-password-42" not in repr(wrong)
    assert "väärä" not in str(not_ascii.value) and "not ASCII" in str(not_ascii.value)
    assert len(running.received) == 1


def test_a_header_with_a_line_break_is_refused_before_sending(server: SmtpServer) -> None:
    with pytest.raises(MailError) as raised:
        send_mail(settings(server.url), "a@example.fi\r\nBcc: b@example.fi", SUBJECT, BODY)

    assert raised.value.temporary is False
    assert server.received == []


def test_the_file_sink_writes_one_eml_per_message(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    sink = settings(folder.as_uri())

    first = send_mail(sink, TO, SUBJECT, BODY)
    second = send_mail(sink, "erik.lindqvist@example.fi", "Nyheter om din anmälan FABCD-EFHJ", "Hej\n")

    files = sorted(folder.glob("*.eml"))
    assert len(files) == 2 and not list(folder.glob(".*"))  # no temporary file left behind
    messages = [message_from_bytes(path.read_bytes(), policy=policy.default) for path in files]
    assert {m["Message-ID"] for m in messages} == {first, second}
    assert {m["To"] for m in messages} == {TO, "erik.lindqvist@example.fi"}


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"MAIL_URL": "http://mail.example", "MAIL_FROM": SENDER}, "MAIL_URL must start"),
        ({"MAIL_URL": "smtp://user:secret@mail.example", "MAIL_FROM": SENDER}, "user name or password"),
        ({"MAIL_URL": "smtp://mail.example"}, "MAIL_FROM"),
        ({"MAIL_URL": "smtps://mail.example", "MAIL_FROM": SENDER, "MAIL_TIMEOUT_SECONDS": -1}, "TIMEOUT"),
    ],
)
def test_settings_that_cannot_work_are_refused(values: dict, problem: str) -> None:
    with pytest.raises(MailConfigError, match=problem) as raised:
        MailSettings.from_config(values)
    assert "secret" not in str(raised.value)


def test_an_empty_url_means_e_mail_is_off() -> None:
    off = MailSettings.from_config({"MAIL_URL": ""})

    assert off.enabled is False
    with pytest.raises(MailError):
        send_mail(off, TO, SUBJECT, BODY)
