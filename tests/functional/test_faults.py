"""Faults, made real: the database gone and back, a database that never answers, a hung identity provider, a hung
outbox receiver. On SQLite and PostgreSQL; nothing is mocked, and no app is restarted to recover.

PostgreSQL is reached through a TCP forwarder (tests/faults.py) that is cut and restored; SQLite's folder is renamed
away and back; the identity provider is the demo one, and the receiver the reference one, each behind a forwarder
that can accept connections and never answer. The apps with the database taken away run with
PROPAGATE_EXCEPTIONS off, as in production, so what nobody handled shows as the 500 page a person would get, not
as an exception in the test.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from adapters.outbox_receiver import RunningReceiver, run_receiver_in_thread
from portal.demo.idp import DemoProviders
from portal.extensions import db
from portal.models import OutboxMessage, WebSession
from portal.models._types import utcnow
from portal.outbox.dispatch import dispatch_once
from tests.conftest import empty_tables, make_app
from tests.faults import Forwarder, postgres_target, through
from tests.functional.conftest import authenticate_at_provider, follow_callback, login, provider_redirect
from tests.functional.test_choice_rules import S_JARVENPAA, choose, make_person

CONNECT_TIMEOUT = 2  # seconds; libpq's connect_timeout takes no less
OIDC_TIMEOUT = 0.5
OUTBOX_TIMEOUT = 0.5
UNAVAILABLE_TITLE = "The service is temporarily unavailable"
LOGIN_UNAVAILABLE = (
    "The identification service did not answer. You have not been logged in. Please try again in a moment."
)
OUTBOX_SECRET = "outbox-test-secret-of-32-characters-or-more"


class Database:
    """The test database under an app that keeps running: taken away, made to hang, brought back.

    PostgreSQL: the app connects through a forwarder to the real server. SQLite: the app uses a copy of the migrated
    database in a folder of its own, renamed away and back.
    """

    def __init__(self, url: str, tmp_path: Path) -> None:
        self.forwarder: Forwarder | None = None
        if url.startswith("postgresql"):
            self.forwarder = Forwarder(postgres_target(url))
            self.url = through(url, self.forwarder)
            return
        self.folder, self.away = tmp_path / "database", tmp_path / "database-away"
        self.folder.mkdir()
        copy = self.folder / "valinta.sqlite3"
        source, target = sqlite3.connect(url.removeprefix("sqlite:///")), sqlite3.connect(copy)
        source.backup(target)
        source.close()
        target.close()
        self.url = f"sqlite:///{copy}"

    def down(self, app: Flask) -> None:
        if self.forwarder is not None:
            self.forwarder.down()
            return
        self.folder.rename(self.away)
        # An open SQLite connection keeps the moved file; a new one, as a pool makes, finds nothing at the path.
        with app.app_context():
            db.engine.dispose()

    def hang(self) -> None:
        assert self.forwarder is not None, "only a server can hang"
        self.forwarder.hang()

    def up(self) -> None:
        if self.forwarder is not None:
            self.forwarder.up()
        elif self.away.exists():
            self.away.rename(self.folder)

    def close(self) -> None:
        self.up()
        if self.forwarder is not None:
            self.forwarder.close()


@pytest.fixture
def database(database_url: str, tmp_path: Path) -> Iterator[Database]:
    outage = Database(database_url, tmp_path)
    yield outage
    outage.close()


@pytest.fixture
def fault_app(database: Database, demo_providers: DemoProviders) -> Iterator[Flask]:
    app = make_app(
        database.url,
        demo_providers,
        PROPAGATE_EXCEPTIONS=False,
        DATABASE_CONNECT_TIMEOUT_SECONDS=CONNECT_TIMEOUT,
        RATE_LIMITS_ENABLED=False,  # so starting a login reaches the session write (the limit would fail first)
    )
    empty_tables(app)
    yield app
    database.up()
    empty_tables(app)


def in_language(app: Flask, language: str, message: str) -> str:
    """`message` as the app shows it in `language` (new strings may not be translated yet)."""
    from flask import g
    from flask_babel import gettext

    with app.test_request_context(f"/?lang={language}"):
        app.preprocess_request()
        text = gettext(message)
        g.pop("ui_language", None)
    return text


def assert_unavailable_page(response, title: str, html_lang: str = "fi") -> None:
    assert response.status_code == 503, f"{response.request.path}: {response.status_code} {response.data[:300]!r}"
    assert int(response.headers["Retry-After"]) > 0
    page = BeautifulSoup(response.data, "html.parser")
    assert page.html["lang"] == html_lang
    assert page.select_one("h1").text.strip() == title
    assert page.title.text.strip().endswith("Valinta")


def timed(call, *args, **kwargs):
    started = time.monotonic()
    result = call(*args, **kwargs)
    return result, time.monotonic() - started


# Every kind of page a logged-in resident's browser may ask for: public, their own, forbidden to them, unknown.
PAGES = [
    "/",
    "/accessibility",
    "/login",
    "/logged-out",
    "/units",
    "/compare",
    "/choices/",
    "/choices/history",
    "/choices/sote_centre/check",
    "/organiser/outbox",
    "/admin/roles",
    "/no-such-page",
]


def test_while_the_database_is_down_every_page_says_so_and_the_app_recovers(fault_app, database):
    client = fault_app.test_client()
    login(client, "aino.virtanen")
    page = BeautifulSoup(client.get("/choices/").data, "html.parser")
    csrf_token = page.select_one("input[name=csrf_token]")["value"]
    titles = {language: in_language(fault_app, language, UNAVAILABLE_TITLE) for language in ("fi", "sv", "en")}

    database.down(fault_app)

    for path in PAGES:
        assert_unavailable_page(client.get(path), titles["fi"])
    assert_unavailable_page(client.get("/choices/?lang=sv"), titles["sv"], "sv")
    assert_unavailable_page(client.get("/units", headers={"Accept-Language": "en"}), titles["en"], "en")
    # A form sent now gets the same answer, not "the form had expired": the session was not read, not lost.
    for path, data in [("/logout", {"csrf_token": csrf_token}), ("/language", {"csrf_token": csrf_token})]:
        response = client.post(path, data=data)
        assert_unavailable_page(response, titles["fi"])
        assert "set-cookie" not in {name.lower() for name, _ in response.headers}  # the cookie stays
    assert client.get("/healthz").status_code == 200  # the process is alive
    ready, took = timed(client.get, "/readyz")
    assert ready.status_code == 503 and ready.json["database"] == "unreachable"
    assert took < 5 * CONNECT_TIMEOUT

    database.up()

    assert client.get("/readyz").status_code == 200
    page = client.get("/choices/")
    assert page.status_code == 200
    assert "Aino" in page.get_data(as_text=True)  # still logged in: the same session, read again
    assert client.post("/logout", data={"csrf_token": csrf_token}).status_code == 302


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # a moved SQLite file cuts nothing open
def test_a_connection_cut_during_a_request_still_gets_its_page_and_the_next_request_works(fault_app, database):
    """A database restart drops connections in use: ending the request's transaction then fails too, and that must
    not escape the app and reach the WSGI server, which would answer with its bare 500 instead of the page."""

    @fault_app.get("/_cut-during-the-request")
    def cut() -> str:
        db.session.execute(select(1))  # a transaction is open on a connection from the pool
        database.down(fault_app)  # the restart: that connection is cut under the request
        return "answered"

    client = fault_app.test_client()
    response = client.get("/_cut-during-the-request")
    assert response.status_code == 200 and response.get_data(as_text=True) == "answered"

    database.up()

    assert client.get("/readyz").status_code == 200  # the cut connection was thrown away, not handed out again


def test_without_a_session_a_page_that_needs_the_database_says_so_and_nothing_half_done_goes_out(fault_app, database):
    client = fault_app.test_client()
    title = in_language(fault_app, "fi", UNAVAILABLE_TITLE)

    database.down(fault_app)

    assert_unavailable_page(client.get("/units"), title)  # the search itself fails
    # Starting a login needs a session to keep the state in: it cannot be written, so no trip to the provider
    # with a state this portal would not recognise on the way back.
    response = client.get("/login/resident")
    assert_unavailable_page(response, title)
    assert "Location" not in response.headers

    database.up()

    assert client.get("/units").status_code == 200
    assert client.get("/login/resident").status_code == 302
    with fault_app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(WebSession)) == 1


# PostgreSQL only: "never answers" needs a server; a SQLite file is there or it is not.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_database_that_never_answers_fails_fast_and_the_app_recovers(fault_app, database):
    client = fault_app.test_client()
    login(client, "aino.virtanen")
    title = in_language(fault_app, "fi", UNAVAILABLE_TITLE)

    probe = fault_app.test_client()  # as a load balancer asks: no session cookie

    database.hang()

    ready, took = timed(probe.get, "/readyz")
    assert ready.status_code == 503 and ready.json["database"] == "unreachable"
    assert took < 5 * CONNECT_TIMEOUT  # did not hang: libpq's connect timeout, not the operating system's minutes
    response, took = timed(client.get, "/choices/")
    assert_unavailable_page(response, title)
    assert took < 5 * CONNECT_TIMEOUT

    database.up()

    assert probe.get("/readyz").status_code == 200
    assert "Aino" in client.get("/choices/").get_data(as_text=True)


# A hung identity provider: the demo provider behind a forwarder that accepts connections and never answers.


@pytest.fixture
def hung_idp(demo_providers: DemoProviders) -> Iterator[Forwarder]:
    host, _, port = demo_providers.resident_issuer.removeprefix("http://").partition(":")
    with Forwarder((host, int(port))) as forwarder:
        yield forwarder


@pytest.fixture
def idp_app(database_url: str, demo_providers: DemoProviders, hung_idp: Forwarder) -> Iterator[Flask]:
    app = make_app(database_url, demo_providers, RESIDENT_OIDC_ISSUER=hung_idp.url, OIDC_TIMEOUT_SECONDS=OIDC_TIMEOUT)
    empty_tables(app)
    yield app
    empty_tables(app)


def assert_login_unavailable(app: Flask, response, language: str = "fi") -> None:
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert in_language(app, language, LOGIN_UNAVAILABLE) in text
    assert f'lang="{language}"' in text


def logged_in(client: FlaskClient) -> bool:
    return "Aino" in client.get("/choices/").get_data(as_text=True)


def test_a_hung_provider_ends_the_login_start_within_the_timeout(idp_app, hung_idp):
    client = idp_app.test_client()
    hung_idp.hang()  # the discovery document never comes

    response, took = timed(client.get, "/login/resident?lang=sv")

    assert_login_unavailable(idp_app, response, "sv")
    assert took < 5 * OIDC_TIMEOUT
    hung_idp.up()  # and back: nothing was cached from the failure
    assert provider_redirect(client, "resident").startswith(hung_idp.url)


def test_a_hung_token_endpoint_ends_the_login_within_the_timeout(idp_app, hung_idp):
    client = idp_app.test_client()
    callback = authenticate_at_provider(provider_redirect(client, "resident"), "aino.virtanen")
    hung_idp.hang()  # the person is back from the provider; the code exchange never gets an answer

    response, took = timed(follow_callback, client, callback)

    assert_login_unavailable(idp_app, response)
    assert took < 5 * OIDC_TIMEOUT
    assert not logged_in(client)
    hung_idp.up()
    login(client, "aino.virtanen")
    assert logged_in(client)


# A hung outbox receiver: the reference receiver behind a forwarder.


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[RunningReceiver]:
    with run_receiver_in_thread(OUTBOX_SECRET, tmp_path / "receiver.sqlite3") as running:
        yield running


@pytest.fixture
def hung_receiver(receiver: RunningReceiver) -> Iterator[Forwarder]:
    with Forwarder(("127.0.0.1", receiver.server.server_port)) as forwarder:
        yield forwarder


def test_a_hung_receiver_times_out_and_the_message_waits_for_its_retry(catalogue, receiver, hung_receiver):
    catalogue.config.update(
        OUTBOX_ENDPOINTS={
            "register": f"{hung_receiver.url}/register",
            "provider": f"{hung_receiver.url}/p/{{organisation_id}}",
        },
        OUTBOX_SECRET=OUTBOX_SECRET,
        OUTBOX_TIMEOUT_SECONDS=OUTBOX_TIMEOUT,
        OUTBOX_BACKOFF_SECONDS=60.0,
    )
    with catalogue.app_context():
        choose(make_person(), S_JARVENPAA)
        db.session.remove()
        keys = list(db.session.scalars(select(OutboxMessage.idempotency_key).order_by(OutboxMessage.id)))
        hung_receiver.hang()
        started = utcnow()

        result, took = timed(dispatch_once, now=started)

        assert (result.retrying, result.delivered, result.dead) == (len(keys), 0, 0)
        assert took < 5 * OUTBOX_TIMEOUT * len(keys)  # each send gave up after its timeout; none held the rest
        db.session.expire_all()
        for message in db.session.scalars(select(OutboxMessage)):
            assert (message.status, message.attempts) == ("pending", 1)
            assert message.last_error == f"timed out waiting for {hung_receiver.address}"
            assert message.next_attempt_at > started  # waits for its retry
        assert dispatch_once(now=started).attempted == 0  # not before it is due

        hung_receiver.up()
        later = dispatch_once(now=started + timedelta(days=1))

        assert later.delivered == len(keys)
        assert sorted(receiver.receiver.applied()) == sorted(keys)
