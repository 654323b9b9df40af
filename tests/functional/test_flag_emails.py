"""The flagger's e-mails (portal/flags/notify.py) to a real SMTP server, on both databases: one short notice per
change they see, in their language, with the reference and link and never what the flag says."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from portal.auth.services import CurrentUser
from portal.extensions import db
from portal.flags import services
from portal.flags.notify import EmailCounts, compose, send_pending_emails
from portal.models import FlagNotification, StaffUser
from portal.models._types import utcnow
from tests.smtp_server import SmtpServer, free_port, smtp_server
from tests.wallet_data import person

DESCRIPTION = "Hammaslääkäri ei nähnyt terveysaseman diabetesdiagnoosia eikä lääkelistaa, vaikka annoin luvan."
REPLY = "Olemme pyytäneet molemmilta palveluntuottajilta selvityksen tietojen siirrosta."
NOTE = "Sisäinen: soita hammashoitolan esimiehelle."
SV_DESCRIPTION = "Remissen till fysioterapin försvann mellan hälsostationen och sjukhuset."


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def mail_app(app, server: SmtpServer):
    app.config.update(MAIL_URL=server.url, MAIL_FROM="valinta@hyvinvointialue.example", MAIL_TIMEOUT_SECONDS=5)
    return app


@pytest.fixture
def staff(app) -> CurrentUser:
    with app.app_context():
        row = StaffUser(oidc_issuer="test", oidc_subject="olli", name="Olli")
        db.session.add(row)
        db.session.commit()
        return CurrentUser("staff", row.id, "Olli", roles=frozenset({"organiser"}))


def send(sub: str, description: str = DESCRIPTION, *, language: str = "fi", email: str | None = None):
    found = person(sub)
    who = CurrentUser("resident", found.id, found.display_name)
    draft = services.FlagDraft(
        category="information_not_moved",
        providers=[("p-1", "Kuutamo Terveys Kamppi"), ("p-2", "Hymy Hammas Oy")],
        description=description,
        contact_method="email" if email else "portal",
        contact_email=email,
        consent_share=True,
    )
    return services.submit_flag(
        draft,
        person_id=found.id,
        flagger=who,
        basis=None,
        language=language,
        request_key=services.new_request_key(),
    )


def notifications(flag_id: int) -> list[FlagNotification]:
    query = select(FlagNotification).filter_by(flag_id=flag_id).order_by(FlagNotification.id)
    return list(db.session.scalars(query))


def test_a_status_change_sends_one_e_mail_with_the_reference_and_link_only(mail_app, staff, server):
    with mail_app.app_context():
        flag = send("aino.virtanen", email="aino.virtanen@example.fi")
        services.change_status(flag, "in_review", staff, reply=REPLY)

        assert send_pending_emails() == EmailCounts(sent=1)
        assert send_pending_emails() == EmailCounts()  # sent once, not again

        [received] = server.received
        message = received.message
        assert received.recipients == ["aino.virtanen@example.fi"]
        assert message["To"] == "aino.virtanen@example.fi" and message["From"] == "valinta@hyvinvointialue.example"
        with force_locale("fi"):
            assert message["Subject"] == gettext("News about your report %(reference)s", reference=flag.reference)
        text = received.text
        assert flag.reference in message["Subject"] and flag.reference in text
        assert f"http://localhost/flags/{flag.reference}" in text
        for secret in (DESCRIPTION, "diabetes", REPLY, "Kuutamo", "Hymy", "information_not_moved", "in_review"):
            assert secret not in text and secret not in message["Subject"]
        [row] = notifications(flag.id)
        assert (row.email_status, row.email_attempts, row.email_error) == ("sent", 1, None)


def test_a_swedish_flag_gets_its_e_mail_in_swedish(mail_app, staff, server):
    with mail_app.app_context():
        flag = send("erik.lindqvist", SV_DESCRIPTION, language="sv", email="erik.lindqvist@example.fi")
        services.change_status(flag, "closed_unresolved", staff, reply="Vi kunde inte reda ut saken.")
        assert send_pending_emails().sent == 1

        expected_subject, expected_body = compose(flag.reference, "sv", f"http://localhost/flags/{flag.reference}")
        finnish_subject, _ = compose(flag.reference, "fi", "x")
        [received] = server.received
        assert received.message["Subject"] == expected_subject
        assert received.text.replace("\r\n", "\n") == expected_body
        assert SV_DESCRIPTION not in received.text and "fysioterapi" not in received.text
        with force_locale("sv"):  # once the catalogue has it, the Swedish subject is not the Finnish one
            if gettext("News about your report %(reference)s", reference="X") != "News about your report X":
                assert expected_subject != finnish_subject


def test_a_flagger_who_chose_the_portal_gets_no_e_mail(mail_app, staff, server):
    with mail_app.app_context():
        flag = send("aino.virtanen")
        services.change_status(flag, "in_review", staff, reply=REPLY)
        services.reply(flag, "Lisätietoa tulossa.", staff)

        assert send_pending_emails() == EmailCounts()
        assert server.received == []
        assert {row.email_status for row in notifications(flag.id)} == {"none"}


def test_an_internal_note_sends_nothing(mail_app, staff, server):
    with mail_app.app_context():
        flag = send("aino.virtanen", email="aino.virtanen@example.fi")
        services.add_note(flag, NOTE, staff)
        services.assign(flag, staff.id, staff)

        assert notifications(flag.id) == []
        assert send_pending_emails() == EmailCounts()
        assert server.received == []


def test_each_visible_change_is_one_e_mail(mail_app, staff, server):
    with mail_app.app_context():
        flag = send("aino.virtanen", email="aino.virtanen@example.fi")
        services.change_status(flag, "waiting_provider", staff, reply=REPLY)
        services.record_response(flag, flag.providers[0].id, "Tiedot siirretty 3.11.", staff)

        assert send_pending_emails() == EmailCounts(sent=2)
        assert len(server.received) == 2
        assert all("Tiedot siirretty" not in received.text for received in server.received)


def test_a_server_that_is_down_leaves_it_pending_then_failed_after_the_maximum(app, staff):
    app.config.update(
        MAIL_URL=f"smtp://127.0.0.1:{free_port()}", MAIL_FROM="valinta@hyvinvointialue.example", MAIL_MAX_ATTEMPTS=3
    )
    with app.app_context():
        flag = send("aino.virtanen", email="aino.virtanen@example.fi")
        services.change_status(flag, "in_review", staff, reply=REPLY)

        assert send_pending_emails() == EmailCounts(retrying=1)
        [row] = notifications(flag.id)
        assert (row.email_status, row.email_attempts) == ("pending", 1)
        assert "could not connect" in (row.email_error or "")
        assert send_pending_emails() == EmailCounts()  # not due again until the backoff has passed

        later = utcnow() + timedelta(hours=1)
        assert send_pending_emails(now=later) == EmailCounts(retrying=1)
        assert send_pending_emails(now=later) == EmailCounts(failed=1)
        db.session.refresh(row)
        assert (row.email_status, row.email_attempts) == ("failed", 3)
        assert DESCRIPTION not in (row.email_error or "")
        assert send_pending_emails(now=later + timedelta(days=1)) == EmailCounts()


def test_a_refused_recipient_fails_at_once_and_a_later_change_still_goes(mail_app, staff, server):
    with mail_app.app_context():
        flag = send("aino.virtanen", email="aino.virtanen@example.fi")
        services.change_status(flag, "in_review", staff, reply=REPLY)
        server.recorder.reply = "550 5.1.1 No such mailbox"
        assert send_pending_emails() == EmailCounts(failed=1)
        [row] = notifications(flag.id)
        assert row.email_status == "failed" and "550" in (row.email_error or "")

        server.recorder.reply = None
        services.change_status(flag, "resolved", staff, reply="Asia on korjattu.")
        assert send_pending_emails() == EmailCounts(sent=1)


def test_e_mail_off_touches_nothing(app, staff):
    with app.app_context():  # TestConfig: MAIL_URL is empty
        flag = send("aino.virtanen", email="aino.virtanen@example.fi")
        services.change_status(flag, "in_review", staff, reply=REPLY)

        assert send_pending_emails() == EmailCounts()
        [row] = notifications(flag.id)
        assert (row.email_status, row.email_attempts) == ("pending", 0)


def test_the_cli_sends_to_the_file_sink(app, staff, tmp_path: Path):
    folder = tmp_path / "mail"
    app.config.update(MAIL_URL=folder.as_uri(), MAIL_FROM="valinta@demo.invalid")
    with app.app_context():
        flag = send("aino.virtanen", email="aino.virtanen@example.fi")
        services.change_status(flag, "in_review", staff, reply=REPLY)
        reference = flag.reference

    result = app.test_cli_runner().invoke(args=["flags", "send-email"])

    assert result.exit_code == 0, result.output
    assert "sent: 1, retrying: 0, failed: 0" in result.output
    [eml] = folder.glob("*.eml")
    content = eml.read_bytes()
    assert reference.encode() in content and b"diabetes" not in content
