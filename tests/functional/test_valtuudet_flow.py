"""The Suomi.fi-valtuudet flow end to end: a relative logs in through the demo OpenID Connect provider, goes to the
fake mandate service over real HTTP, picks a person, and comes back acting for them with exactly the scopes whose
mandate theme the service allowed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from adapters.valtuudet_fake import RunningFake, run_fake_in_thread
from portal.demo.idp import DemoProviders
from portal.demo.personas import PERSONAS, temporary_hetu
from tests.conftest import empty_tables, make_app
from tests.functional.conftest import login

CLIENT_ID, API_KEY, OAUTH_SECRET = "valinta-test", "test-api-key-0123456789", "test-oauth-secret"
SOCIAL, HEALTH = "urn:valinta:theme:social-welfare", "urn:valinta:theme:health-care"
THEMES = {"balances": SOCIAL, "flags": SOCIAL, "choice": HEALTH}
HETU = "urn:oid:1.2.246.21"
STRANGER = temporary_hetu("010150", "-", 990)  # a person the portal has never seen


def code(sub: str) -> str:
    return str(PERSONAS[sub].claims[HETU])


DELEGATIONS = {
    code("sari.nieminen"): [
        {"principal_code": code("helmi.nieminen"), "name": "Helmi Nieminen", "themes": [SOCIAL]},
        {"principal_code": code("erik.lindqvist"), "name": "Erik Lindqvist", "themes": [SOCIAL, HEALTH]},
        {"principal_code": code("aino.virtanen"), "name": "Aino Virtanen", "themes": []},
        {"principal_code": STRANGER, "name": "Outi Outolainen", "themes": [SOCIAL]},
    ]
}


@pytest.fixture
def fake() -> Iterator[RunningFake]:
    with run_fake_in_thread(DELEGATIONS, client_id=CLIENT_ID, api_key=API_KEY, oauth_secret=OAUTH_SECRET) as running:
        yield running


@pytest.fixture
def app(database_url: str, demo_providers: DemoProviders, fake: RunningFake) -> Iterator[Flask]:
    """The portal with the feature on, pointed at the fake (the plain test app has VALTUUDET_URL empty)."""
    application = make_app(
        database_url,
        demo_providers,
        VALTUUDET_URL=fake.url,
        VALTUUDET_CLIENT_ID=CLIENT_ID,
        VALTUUDET_API_KEY=API_KEY,
        VALTUUDET_OAUTH_SECRET=OAUTH_SECRET,
        VALTUUDET_TIMEOUT_SECONDS=5,
        VALTUUDET_THEMES=THEMES,
    )
    empty_tables(application)
    yield application
    empty_tables(application)


@pytest.fixture
def known(app: Flask) -> None:
    """Helmi, Erik and Aino are the portal's clients (as after logging in once); the stranger is not."""
    from portal.auth.services import resident_from_claims
    from portal.extensions import db

    with app.test_request_context():
        for sub in ("helmi.nieminen", "erik.lindqvist", "aino.virtanen"):
            resident_from_claims({**PERSONAS[sub].claims, "sub": sub}, "https://issuer.test", logging_in=False)
        db.session.commit()


@pytest.fixture
def sari(client: FlaskClient, login_as, known) -> FlaskClient:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login_as("sari.nieminen")
    return client


def start(client: FlaskClient, fake: RunningFake) -> str:
    response = client.get("/acting/valtuudet/start")
    assert response.status_code == 302, response.data[:400]
    location = response.headers["Location"]
    assert location.startswith(fake.url + "/oauth/authorize?")
    assert parse_qs(urlsplit(location).query)["lang"] == ["en"]
    return location


def pick(authorize_url: str, name: str | None) -> str:
    """The relative on the service's page presses the button with `name` (None: cancel); the portal URL she is
    sent back to, as a path with its query."""
    page = BeautifulSoup(requests.get(authorize_url, timeout=5).text, "html.parser")
    form = page.select_one("form")
    assert form is not None
    data = {field["name"]: field["value"] for field in form.select("input[type=hidden]")}
    if name is None:
        data["action"] = "cancel"
    else:
        data["principal"] = next(b["value"] for b in form.select("button[name=principal]") if b.text.strip() == name)
    parts = urlsplit(authorize_url)
    answer = requests.post(
        f"{parts.scheme}://{parts.netloc}{form['action']}", data=data, timeout=5, allow_redirects=False
    )
    assert answer.status_code == 302, answer.text[:300]
    back = urlsplit(answer.headers["Location"])
    assert back.path == "/acting/valtuudet/return"
    return f"{back.path}?{back.query}"


def mandates(app: Flask) -> list:
    from portal.extensions import db
    from portal.models import Mandate

    with app.app_context():
        rows = db.session.scalars(db.select(Mandate).order_by(Mandate.id)).all()
        return [(m.principal.display_name, m.scopes, m.source, m.document, m.revoked_at is None) for m in rows]


def acting_for(client: FlaskClient) -> str | None:
    banner = BeautifulSoup(client.get("/").data, "html.parser").select_one(".acting-banner")
    return banner.get_text(" ", strip=True) if banner else None


def text_of(page: BeautifulSoup, selector: str) -> str:
    element = page.select_one(selector)
    assert element is not None, f"no {selector} on the page"
    return element.get_text(" ", strip=True)


def heading(response) -> str:
    return text_of(BeautifulSoup(response.data, "html.parser"), "h1")


def test_the_relative_ends_up_acting_with_exactly_the_allowed_scopes(app: Flask, sari: FlaskClient, fake: RunningFake):
    back = pick(start(sari, fake), "Helmi Nieminen")
    response = sari.get(back)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    # Helmi gave the social-welfare theme only: balances and flags, not the choice of units (health care).
    assert mandates(app) == [("Helmi Nieminen", "balances flags", "valtuudet", "Suomi.fi-valtuudet", True)]
    home = BeautifulSoup(sari.get("/").data, "html.parser")
    assert "You are now acting for Helmi Nieminen." in text_of(home, "[role=status]")
    assert "Helmi Nieminen" in text_of(home, ".acting-banner")
    assert len(fake.fake.unregistered) == 1 and fake.fake.open_sessions == 0  # the service's session was ended
    with sari.session_transaction() as stored:
        assert "valtuudet_flow" not in stored

    # The acting context enforces the scopes from the stored mandate.
    from portal.extensions import db
    from portal.mandates.acting import _acting
    from portal.models import Mandate, Person

    with app.app_context():
        mandate = db.session.scalar(db.select(Mandate))
        sari_id = db.session.scalar(db.select(Person.id).filter_by(given_name="Sari"))
        acting = _acting(sari_id, mandate.public_id)
        assert acting is not None and acting.scopes == frozenset({"balances", "flags"})
        assert mandate.valid_from == mandate.valid_to  # valid for the day of the check only

    # The access log says what happened, and no identity code is in it.
    from portal.models import AuditEvent

    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
        actions = [event.action for event in events]
        assert {"valtuudet_started", "mandate_checked", "acting_started"} <= set(actions)
        for event in events:
            assert code("sari.nieminen") not in event.detail and code("helmi.nieminen") not in event.detail

    # Doing it again the same day reuses the mandate instead of storing another.
    assert sari.get(pick(start(sari, fake), "Helmi Nieminen")).status_code == 302
    assert mandates(app) == [("Helmi Nieminen", "balances flags", "valtuudet", "Suomi.fi-valtuudet", True)]


def test_every_theme_allowed_gives_every_scope(app: Flask, sari: FlaskClient, fake: RunningFake):
    assert sari.get(pick(start(sari, fake), "Erik Lindqvist")).status_code == 302
    assert mandates(app) == [("Erik Lindqvist", "balances flags choice", "valtuudet", "Suomi.fi-valtuudet", True)]
    assert "Erik Lindqvist" in (acting_for(sari) or "")


def test_a_narrower_answer_later_the_same_day_replaces_the_mandate(app: Flask, sari: FlaskClient, fake: RunningFake):
    assert sari.get(pick(start(sari, fake), "Erik Lindqvist")).status_code == 302
    fake.fake.delegations[code("sari.nieminen")][1]["themes"] = [SOCIAL]  # Erik took back the health-care theme
    assert sari.get(pick(start(sari, fake), "Erik Lindqvist")).status_code == 302
    assert mandates(app) == [
        ("Erik Lindqvist", "balances flags choice", "valtuudet", "Suomi.fi-valtuudet", False),
        ("Erik Lindqvist", "balances flags", "valtuudet", "Suomi.fi-valtuudet", True),
    ]


def test_disallowed_for_every_theme_says_no_mandate_was_found(app: Flask, sari: FlaskClient, fake: RunningFake):
    response = sari.get(pick(start(sari, fake), "Aino Virtanen"))
    assert response.status_code == 200
    assert heading(response) == "No mandate was found"
    assert mandates(app) == []
    assert acting_for(sari) is None
    assert fake.fake.open_sessions == 0


def test_a_person_the_portal_does_not_know_is_named_as_such(app: Flask, sari: FlaskClient, fake: RunningFake):
    response = sari.get(pick(start(sari, fake), "Outi Outolainen"))
    assert response.status_code == 200
    assert heading(response) == "This person is not a client known to Valinta"
    assert "Outi Outolainen is not a client known to Valinta" in response.get_data(as_text=True)
    assert STRANGER not in response.get_data(as_text=True)
    assert mandates(app) == [] and acting_for(sari) is None


def test_a_state_that_does_not_match_is_refused(app: Flask, sari: FlaskClient, fake: RunningFake):
    back = pick(start(sari, fake), "Helmi Nieminen")
    forged = back.replace("state=", "state=x")
    response = sari.get(forged)
    assert response.status_code == 400
    assert heading(response) == "This link is no longer valid"
    assert mandates(app) == [] and acting_for(sari) is None
    assert fake.fake.open_sessions == 0  # the started session was ended at the service
    # The real answer, now too late, is refused as well: the flow was used up.
    assert sari.get(back).status_code == 400
    assert mandates(app) == []


def test_a_return_without_a_started_flow_is_refused(app: Flask, sari: FlaskClient):
    response = sari.get("/acting/valtuudet/return?code=abc&state=def")
    assert response.status_code == 400 and mandates(app) == []


def test_cancelling_at_the_service(app: Flask, sari: FlaskClient, fake: RunningFake):
    response = sari.get(pick(start(sari, fake), None))
    assert response.status_code == 200
    assert heading(response) == "You did not choose anyone"
    assert mandates(app) == [] and fake.fake.open_sessions == 0


def test_a_service_that_is_down_gives_a_clear_page(app: Flask, sari: FlaskClient):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app.config["VALTUUDET_URL"] = f"http://127.0.0.1:{port}"
    response = sari.get("/acting/valtuudet/start")
    assert response.status_code == 503
    assert heading(response) == "Suomi.fi e-Authorizations could not be used"
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "register" not in text and code("sari.nieminen") not in text


def test_the_agent_code_is_sealed_in_the_session_and_gone_at_logout(app: Flask, sari: FlaskClient):
    from portal.extensions import db
    from portal.models import WebSession

    with sari.session_transaction() as stored:
        sealed = stored.get("valtuudet_agent")
    assert sealed and code("sari.nieminen") not in sealed
    with app.app_context():
        rows = [row.data for row in db.session.scalars(db.select(WebSession))]
    assert rows and not any(code("sari.nieminen") in data for data in rows)

    field = BeautifulSoup(sari.get("/").data, "html.parser").select_one("input[name=csrf_token]")
    assert field is not None
    assert sari.post("/logout", data={"csrf_token": field["value"]}).status_code == 302
    with app.app_context():
        assert not any("valtuudet_agent" in row.data for row in db.session.scalars(db.select(WebSession)))


def test_without_the_sealed_code_the_relative_is_asked_to_log_in_again(app: Flask, sari: FlaskClient):
    with sari.session_transaction() as stored:
        stored.pop("valtuudet_agent")
    response = sari.get("/acting/valtuudet/start")
    assert response.status_code == 200
    assert heading(response) == "Please log in again to use Suomi.fi mandates"


def test_the_feature_off_hides_the_pages_and_keeps_no_code(database_url: str, demo_providers: DemoProviders, known):
    from portal.extensions import db
    from portal.models import WebSession

    off = make_app(database_url, demo_providers)  # the test configuration: VALTUUDET_URL empty
    client = off.test_client()
    login(client, "sari.nieminen")
    assert "/acting/valtuudet" not in client.get("/acting/").get_data(as_text=True)
    assert client.get("/acting/valtuudet/start").status_code == 404
    assert client.get("/acting/valtuudet/return?code=a&state=b").status_code == 404
    with off.app_context():
        assert not any("valtuudet_agent" in row.data for row in db.session.scalars(db.select(WebSession)))
