"""The whole login flow against the local OpenID Connect provider, over real HTTP."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from portal.auth.identity import lookup_hash
from portal.demo.personas import PERSONAS, RESIDENTS, STAFF
from portal.models import AuditEvent, Person, StaffUser, WebSession
from tests.conftest import translated
from tests.functional.conftest import authenticate_at_provider, follow_callback, provider_redirect


@pytest.mark.parametrize("persona", RESIDENTS, ids=lambda p: p.sub)
def test_resident_logs_in_and_is_stored_without_the_identity_code(app, client, login_as, persona, caplog):
    caplog.set_level(logging.DEBUG)
    response = login_as(persona.sub)
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert f"{persona.claims['given_name']} {persona.claims['family_name']}" in page

    hetu = persona.claims["urn:oid:1.2.246.21"]
    with app.app_context():
        person = Person.query.one()
        assert person.hetu_hash == lookup_hash(hetu, app.config["HETU_HASH_KEY"])
        assert person.hetu_masked == hetu[:7] + "****"
        assert person.home_municipality_code == persona.claims["urn:oid:1.2.246.517.2002.2.18"]
        events = AuditEvent.query.all()
        assert [event.action for event in events] == ["login"]
        rows = WebSession.query.all()
        assert len(rows) == 1 and rows[0].user_key == f"resident:{person.id}"
        stored = " ".join(f"{event.detail} {row.data}" for event in events for row in rows)
    assert hetu not in stored
    assert hetu not in caplog.text


@pytest.mark.parametrize("persona", STAFF, ids=lambda p: p.sub)
def test_staff_log_in_through_the_staff_provider_with_roles_from_the_claim(app, client, login_as, persona):
    login_as(persona.sub)
    with app.app_context():
        staff = StaffUser.query.one()
        assert staff.name == persona.claims["name"]
        assert not Person.query.count()
    admin_page = client.get("/admin/roles")
    assert admin_page.status_code == (200 if "admin" in persona.claims["roles"] else 403)


def test_login_keeps_the_page_the_person_was_going_to(client):
    response = client.get("/admin/roles")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    authorize = provider_redirect(client, "staff", next="/admin/roles")
    response = follow_callback(client, authenticate_at_provider(authorize, "anna.yllapitaja"))
    assert response.headers["Location"] == "/admin/roles"


def test_login_refuses_an_outside_next_url(client):
    authorize = provider_redirect(client, "resident", next="//evil.example/")
    response = follow_callback(client, authenticate_at_provider(authorize, "aino.virtanen"))
    assert response.headers["Location"] == "/"


def test_authorization_request_uses_pkce_and_nonce(client):
    query = parse_qs(urlsplit(provider_redirect(client, "resident")).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert len(query["nonce"][0]) >= 20
    assert len(query["state"][0]) >= 20
    assert query["response_type"] == ["code"]


def test_a_new_session_token_is_issued_at_login(app, client):
    client.get("/?lang=sv")  # a language choice is a cookie: it opens no session
    assert client.get_cookie(app.config["SESSION_COOKIE_NAME"]) is None
    authorize_url = provider_redirect(client, "resident")  # starting a login does
    before = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    follow_callback(client, authenticate_at_provider(authorize_url, "aino.virtanen"))
    after = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    assert before != after
    assert '<html lang="sv">' in client.get("/").get_data(as_text=True)  # the pick of this visit survived


def _no_session_user(app):
    with app.app_context():
        return all(row.user_key is None for row in WebSession.query.all())


def test_state_mismatch_ends_on_an_error_page_and_creates_no_session(app, client):
    callback = authenticate_at_provider(provider_redirect(client, "resident"), "aino.virtanen")
    forged = callback.replace("state=", "state=forged")
    response = follow_callback(client, forged)
    assert response.status_code == 400
    assert translated(app, "fi", "Login did not succeed") in response.get_data(as_text=True)
    assert _no_session_user(app)
    with app.app_context():
        assert AuditEvent.query.filter_by(action="login_failed").count() == 1


def test_a_replayed_code_is_refused(app, client, demo_providers):
    callback = authenticate_at_provider(provider_redirect(client, "resident"), "aino.virtanen")
    assert follow_callback(client, callback).status_code == 302
    # An attacker who saw the callback URL replays it in their own browser.
    attacker = app.test_client()
    response = follow_callback(attacker, callback)
    assert response.status_code == 400
    # And the victim's own browser cannot use it twice either.
    assert follow_callback(client, callback).status_code == 400
    with app.app_context():
        assert WebSession.query.filter(WebSession.user_key.isnot(None)).count() == 1


def test_a_code_exchanged_with_a_different_nonce_is_refused(app, client):
    callback = authenticate_at_provider(provider_redirect(client, "resident"), "aino.virtanen")
    with client.session_transaction() as session:
        for key, value in session.items():
            if key.startswith("_state_resident_"):
                value["data"]["nonce"] = "not-the-nonce-we-sent"
                session[key] = value
    response = follow_callback(client, callback)
    assert response.status_code == 400
    assert _no_session_user(app)


def test_provider_error_is_explained(app, client):
    callback = authenticate_at_provider(provider_redirect(client, "resident"), "", action="deny")
    response = follow_callback(client, callback)
    assert response.status_code == 400
    assert translated(app, "fi", "The identification was cancelled. You have not been logged in.") in response.get_data(
        as_text=True
    )
    assert _no_session_user(app)


def test_provider_down_is_explained_in_the_users_language(database_url, demo_providers):
    from tests.conftest import make_app

    app = make_app(database_url, demo_providers, RESIDENT_OIDC_ISSUER="http://127.0.0.1:9", OIDC_TIMEOUT_SECONDS=2)
    client = app.test_client()
    response = client.get("/login/resident?lang=sv")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert 'lang="sv"' in page
    assert translated(app, "sv", "Login did not succeed") in page
    assert _no_session_user(app)


def test_weak_assurance_is_refused(app, client, demo_providers):
    claims = {**PERSONAS["aino.virtanen"].claims, "acr": "http://ftn.ficora.fi/2017/loa1"}
    requests.put(f"{demo_providers.resident_issuer}/users/weak.assurance", json=claims, timeout=5).raise_for_status()
    callback = authenticate_at_provider(provider_redirect(client, "resident"), "weak.assurance")
    response = follow_callback(client, callback)
    assert response.status_code == 400
    with app.app_context():
        assert not Person.query.count()
        event = AuditEvent.query.filter_by(action="login_failed").one()
        assert json.loads(event.detail)["detail"] == "assurance"


def test_logout_ends_the_local_session_then_the_providers(app, client, login_as, demo_providers):
    login_as("aino.virtanen")
    token = _csrf(client)
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == demo_providers.resident_issuer
    query = parse_qs(location.query)
    assert query["post_logout_redirect_uri"][0].startswith("http://localhost/logged-out")
    # The demo provider's ID token is a readable JWS with the identity code in it: never in a URL.
    assert "id_token_hint" not in query
    assert query["client_id"] == [app.config["RESIDENT_OIDC_CLIENT_ID"]]
    with app.app_context():
        assert WebSession.query.filter(WebSession.user_key.isnot(None)).count() == 0
        assert [e.action for e in AuditEvent.query.order_by(AuditEvent.id)] == ["login", "logout"]
    assert client.get("/admin/roles").status_code == 302


def test_logout_needs_the_csrf_token(app, client, login_as):
    login_as("aino.virtanen")
    response = client.post("/logout")
    assert response.status_code == 400
    assert translated(app, "fi", "The form had expired") in response.get_data(as_text=True)
    assert "Aino Virtanen" in client.get("/").get_data(as_text=True)


def test_htmx_requests_carry_the_csrf_token_in_a_header(client, login_as):
    login_as("aino.virtanen")
    page = client.get("/").get_data(as_text=True)
    assert 'hx-headers=\'{"X-CSRFToken": "' in page
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    response = client.post("/logout", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 302


def _csrf(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]
