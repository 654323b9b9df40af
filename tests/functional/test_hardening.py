"""Regression tests for what a hostile probe found (issue 9, section 1), one or more per defect, on both engines."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import text

from portal.auth.logout_hint import seal, unseal
from portal.demo.personas import PERSONAS
from portal.extensions import db
from portal.models import AuditEvent, OrganiserSetting, Person, RateLimitCounter, StaffUser, WebSession
from tests.conftest import make_app, translated
from tests.functional.conftest import authenticate_at_provider, follow_callback, provider_redirect
from tests.functional.test_organiser_listings import rules_form

AINO = PERSONAS["aino.virtanen"]
AINO_HETU = AINO.claims["urn:oid:1.2.246.21"]


def assert_security_headers(response) -> None:
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
        assert name in response.headers, f"{name} missing on {response.status_code}"
    assert response.headers["Cache-Control"] == "no-store"


# 1. The personal identity code never leaves in the ID token --------------------------------------------------------


def test_the_session_row_keeps_no_readable_id_token(app, client, login_as):
    login_as("aino.virtanen")
    with app.app_context():
        (row,) = WebSession.query.filter(WebSession.user_key.isnot(None)).all()
    assert AINO_HETU not in row.data and "1.2.246.21" not in row.data
    data = json.loads(row.data)
    assert "id_token" not in data and data["logout_hint"] is None  # a JWS is never kept, not even sealed
    assert not any(isinstance(value, str) and value.count(".") == 2 for value in data.values())


def test_an_encrypted_id_token_is_kept_sealed_and_sent_back_as_the_hint(app):
    jwe = "eyJhbGciOiJSU0EtT0FFUCJ9.a2V5.aXY.Y2lwaGVydGV4dA.dGFn"  # five parts: unreadable without our key
    sealed = seal(jwe, "secret")
    assert sealed and jwe not in sealed and "Y2lwaGVydGV4dA" not in sealed
    assert unseal(sealed, "secret") == jwe
    assert unseal(sealed, "another secret") is None
    assert seal("eyJhbGciOiJSUzI1NiJ9.eyJ1cm46b2lkOjEuMi4yNDYuMjEiOiIxIn0.c2ln", "secret") is None
    with app.test_request_context():
        client = app.extensions["oidc_clients"]["resident"]
        query = parse_qs(urlsplit(client.logout_url(jwe, "http://localhost/logged-out")).query)
    assert query["id_token_hint"] == [jwe]


# 2. Behind the TLS-terminating proxy -------------------------------------------------------------------------------


def test_forwarded_https_is_trusted_only_from_the_configured_proxies(database_url, demo_providers):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Host": "valinta.fi"}
    behind = make_app(database_url, demo_providers, PROXY_COUNT=1, TRUSTED_HOSTS=["valinta.fi"]).test_client()
    response = behind.get("/", headers=forwarded)
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    login = behind.get("/login/resident", headers=forwarded)
    redirect_uri = parse_qs(urlsplit(login.headers["Location"]).query)["redirect_uri"][0]
    assert redirect_uri == "https://valinta.fi/auth/callback/resident"

    direct = make_app(database_url, demo_providers).test_client()
    response = direct.get("/", headers=forwarded)
    assert "Strict-Transport-Security" not in response.headers  # a client's own X-Forwarded-Proto counts for nothing
    login = direct.get("/login/resident", headers=forwarded)
    assert "valinta.fi" not in login.headers["Location"]


def test_a_host_that_is_not_trusted_gets_the_400_page(database_url, demo_providers):
    client = make_app(database_url, demo_providers, TRUSTED_HOSTS=["valinta.fi"]).test_client()
    assert client.get("/", headers={"Host": "valinta.fi"}).status_code == 200
    response = client.get("/?lang=en", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "evil.example" not in response.get_data(as_text=True)
    assert_security_headers(response)


# 3. Log and audit injection ----------------------------------------------------------------------------------------


def test_a_forged_callback_error_writes_one_bounded_line(app, client, caplog):
    forged = "x\r\n2026-12-01 INFO admin logged in\x1b[31m" + "A" * 60_000
    with caplog.at_level(logging.WARNING):
        response = client.get("/auth/callback/resident", query_string={"state": "y", "error": forged})
    assert response.status_code == 400
    assert_security_headers(response)
    lines = [record.getMessage() for record in caplog.records if "login_failed" in record.getMessage()]
    assert len(lines) == 1 and "\n" not in lines[0] and "\r" not in lines[0] and "\x1b" not in lines[0]
    assert len(lines[0]) < 1_000
    assert json.loads(lines[0])["event"] == "login_failed"
    with app.app_context():
        (event,) = AuditEvent.query.filter_by(action="login_failed").all()
    assert len(event.detail) < 1_000 and "\r" not in json.loads(event.detail)["detail"]


# 4 and 5. Hostile input is a 400 or 404 page in the user's language, with the headers -----------------------------

HOSTILE_GETS = [
    ("/?endpoint=x&lang=en", 200),
    ("/units?_method=x&lang=en", 200),
    ("/units?location_id=x&_external=1&lang=en", 200),
    ("/units?page=%C2%B2&lang=en", 200),
    ("/units?page=" + "9" * 5000 + "&lang=en", 200),
    ("/units?within=" + "9" * 5000 + "&lang=en", 200),
    ("/units?within=%D9%A3&lang=en", 200),
    ("/units/%00abc?lang=en", 400),
    ("/units?q=%00&lang=en", 400),
    ("/login?next=/%0d%0aSet-Cookie:x=1&lang=en", 200),
    ("/organiser/outbox/2147483648?lang=en", 404),
]


@pytest.mark.parametrize(("path", "status"), HOSTILE_GETS)
def test_hostile_query_and_path_values(app, client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert_security_headers(response)
    if status != 200:
        assert translated(app, "en", "Valinta") in response.get_data(as_text=True)
        assert '<html lang="en"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    ["/organiser/outbox/2147483648/retry", "/admin/roles/%C2%B2/revoke", "/admin/roles/" + "9" * 5000 + "/revoke"],
)
def test_ids_out_of_range_are_not_found(app, client, login_as, path):
    login_as("anna.yllapitaja")
    response = client.post(path + "?lang=en")
    assert response.status_code == 404
    assert_security_headers(response)


def test_a_huge_host_header_is_a_400_page(app, client):
    response = client.get("/?lang=en", headers={"Host": "a" * 8000})
    assert response.status_code == 400
    assert translated(app, "en", "Something was wrong with the request") in response.get_data(as_text=True)
    assert_security_headers(response)


def test_cr_lf_in_next_never_reaches_a_header(app, client, login_as):
    response = client.get("/login/resident?next=/%0d%0aSet-Cookie:%20x=1")
    assert response.status_code == 302 and "Set-Cookie: x" not in str(response.headers)
    login_as("aino.virtanen")
    token = client.get("/").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/\r\nX-Evil: 1"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_nul_bytes_in_forms_are_refused_before_the_database(app, client, client_request, catalogue, login_as):
    login_as("olli.jarjestaja")
    token = client_request.csrf_token()
    response = client.post(
        "/organiser/overrides",
        data={"csrf_token": token, "identity_code": AINO_HETU, "kind": "sote_centre", "reason": "moved\x00"},
    )
    assert response.status_code == 400
    assert_security_headers(response)


def test_a_huge_version_number_is_a_400_not_a_database_error(app, client, catalogue, login_as):
    login_as("aino.virtanen")
    token = client.get("/").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    for version in ("9" * 5000, "2147483648", "²", "-1"):
        response = client.post(
            "/choices/sote_centre/confirm",
            data={"csrf_token": token, "unit": "x", "version": version, "request_key": "k" * 20},
        )
        assert response.status_code == 400, version


# 6. A database error does not log the bound values -----------------------------------------------------------------


def test_database_errors_hide_their_parameters(app, caplog):
    with app.app_context():
        db.session.add(RateLimitCounter(key="secret-reason-xyz", count=1, expires_at=db.func.now()))
        db.session.commit()
        with pytest.raises(Exception) as error:
            db.session.execute(
                text("INSERT INTO rate_limit_counter (key, count, expires_at) VALUES (:key, 1, CURRENT_TIMESTAMP)"),
                {"key": "secret-reason-xyz"},
            )
        db.session.rollback()
    assert "SQL parameters hidden" in str(error.value)

    @app.route("/test-duplicate")
    def duplicate():
        db.session.execute(
            text("INSERT INTO rate_limit_counter (key, count, expires_at) VALUES (:key, 1, CURRENT_TIMESTAMP)"),
            {"key": "secret-reason-xyz"},
        )

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/test-duplicate")
    assert response.status_code == 500
    assert "database error" in caplog.text and "secret-reason-xyz" not in caplog.text  # PostgreSQL's DETAIL quotes it


# 7. The anonymous page cache ---------------------------------------------------------------------------------------


def test_the_page_cache_ignores_unknown_parameters_and_holds_no_host(app, client, catalogue):
    for number in range(40):
        assert client.get(f"/units?junk{number}=x&_external=1").status_code == 200
    cache = app.extensions["compare_page_cache"]
    assert len(cache) == 1
    poisoned = client.get("/units?_external=1", headers={"Host": "evil.example"})
    assert "evil.example" not in poisoned.get_data(as_text=True)


def test_a_long_query_string_does_not_make_a_long_page(app, client, catalogue):
    plain = len(client.get("/units").data)
    padded = client.get("/units?zz=" + "A" * 60_000 + "&q=" + "B" * 60_000)
    assert padded.status_code == 200
    assert len(padded.data) < plain + 5_000  # q is kept to 200 characters, zz not at all


def test_the_page_cache_is_bounded_by_bytes(app, client, catalogue):
    from portal.compare.page_cache import CachedPage, PageCache

    cache = PageCache(size=100, max_bytes=10_000)
    for number in range(50):
        cache.put((number,), CachedPage(b"x" * 1_000, ()))
    assert cache.bytes <= 10_000 and len(cache) == 10
    cache.put(("huge",), CachedPage(b"x" * 5_000, ()))  # more than an eighth of the whole: not kept
    assert cache.get(("huge",)) is None


# 8. Rate limits, session growth ------------------------------------------------------------------------------------


@pytest.fixture
def limited_app(database_url, demo_providers):
    from tests.conftest import empty_tables

    application = make_app(
        database_url,
        demo_providers,
        RATE_LIMITS_ENABLED=True,
        RATE_LIMITS={"login": "3/60", "search": "5/60", "post": "4/60", "post_account": "2/60"},
    )
    empty_tables(application)
    yield application
    empty_tables(application)


def test_logins_are_limited_per_client_with_a_429_page(limited_app):
    client = limited_app.test_client()
    statuses = [client.get("/login/resident?lang=en").status_code for _ in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    response = client.get("/login/resident?lang=en")
    assert translated(limited_app, "en", "Too many requests") in response.get_data(as_text=True)
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    assert_security_headers(response)
    other = limited_app.test_client()
    blocked = other.get("/login/resident", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert blocked.status_code == 429  # counted per address, in the database, not per browser
    elsewhere = other.get("/login/resident", environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert elsewhere.status_code == 302
    with limited_app.app_context():
        assert not any("127.0.0.1" in row.key for row in RateLimitCounter.query.all())  # addresses are hashed


def test_searches_are_limited_per_client(limited_app, tmp_path):
    from tests.conftest import load_demo_catalogue

    load_demo_catalogue(limited_app, tmp_path)
    client = limited_app.test_client()
    statuses = [client.get(f"/units?q=terveys{number}").status_code for number in range(7)]
    assert statuses == [200] * 5 + [429] * 2


def test_forms_are_limited_per_account(limited_app):
    client = limited_app.test_client()
    callback = authenticate_at_provider(provider_redirect(client, "resident"), "aino.virtanen")
    follow_callback(client, callback)
    token = client.get("/").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    statuses = [client.post("/language", data={"csrf_token": token, "lang": "fi"}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]


def test_a_language_link_opens_no_session(app, client):
    for language in ("sv", "en", "selko"):
        assert client.get(f"/?lang={language}").status_code == 200
    with app.app_context():
        assert WebSession.query.count() == 0
    assert 'lang="en"' in client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="en"' in client.get("/").get_data(as_text=True)  # remembered by the cookie


def test_pending_logins_per_session_are_capped(app, client):
    for _ in range(25):
        assert client.get("/login/resident").status_code == 302
    with app.app_context():
        (row,) = WebSession.query.all()
    pending = [key for key in json.loads(row.data) if key.startswith("_state_")]
    assert len(pending) == app.config["MAX_PENDING_LOGINS"]
    assert len(row.data) < 5_000


# 9. Request bodies -------------------------------------------------------------------------------------------------


def test_a_huge_form_body_is_a_413_page(app, client):
    response = client.post("/compare/add?lang=en", data={"location_id": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert translated(app, "en", "What you sent was too large") in response.get_data(as_text=True)
    assert_security_headers(response)


# 10. A GET changes no stored data ----------------------------------------------------------------------------------


def test_a_language_link_does_not_rewrite_the_stored_preference(app, client, login_as):
    login_as("aino.virtanen")
    with app.app_context():
        before = db.session.scalar(db.select(Person.language).filter_by(oidc_subject="aino.virtanen"))
    assert client.get("/units?lang=en").status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(Person.language).filter_by(oidc_subject="aino.virtanen")) == before
    token = client.get("/").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/language", data={"csrf_token": token, "lang": "en"})
    with app.app_context():
        assert db.session.scalar(db.select(Person.language).filter_by(oidc_subject="aino.virtanen")) == "en"


# 11. Settings refuse control characters and digits that are not ASCII ----------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("organiser_name", "Keski\x07Uusimaa"),
        ("organiser_name", "Keski\u202eUusimaa"),
        ("helpline_phone", "09\t555 0000"),
        ("helpline_phone", "٠٩ ٥٥٥"),
        ("interval_months", "٣"),
        ("interval_months", "9" * 5000),
        ("age_bands", "7, ١٨, 65"),
    ],
)
def test_rules_refuse_control_characters_and_foreign_digits(app, client_request, catalogue, login_as, field, value):
    login_as("olli.jarjestaja")
    page = client_request.post("organiser.rules", rules_form(**{field: value}), _expected_status=400)
    assert page.select_one(".error-summary")
    assert page.select_one(f"[name={field}]")["value"] == value  # kept as typed
    with app.app_context():
        assert OrganiserSetting.query.count() == 0


def test_the_override_reason_and_admin_subject_refuse_control_characters(app, client_request, catalogue, login_as):
    login_as("olli.jarjestaja")
    page = client_request.post(
        "organiser.overrides",
        {"identity_code": AINO_HETU, "kind": "sote_centre", "reason": "moved\x1b[2J"},
        _expected_status=400,
    )
    assert page.select_one(".error-summary")
    login_as("anna.yllapitaja")
    page = client_request.post("admin.roles", {"subject": "new\x0bperson", "role": "helpline"}, _expected_status=400)
    assert page.select_one(".error-summary")


# 12. Roles from the staff provider's claim -------------------------------------------------------------------------


def test_the_admin_sees_claim_roles_and_can_log_the_person_out(app, client, client_request, login_as):
    from flask.testing import FlaskClient

    organiser = FlaskClient(app)
    follow_callback(organiser, authenticate_at_provider(provider_redirect(organiser, "staff"), "olli.jarjestaja"))
    assert organiser.get("/organiser/outbox").status_code == 200
    login_as("anna.yllapitaja")
    page = client_request.get("admin.roles")
    row = next(tr for tr in page.select("tr") if "olli.jarjestaja" in tr.text)
    assert translated(app, "fi", "Organiser") in row.text
    with app.app_context():
        olli = db.session.scalar(db.select(StaffUser).filter_by(oidc_subject="olli.jarjestaja"))
    client_request.post("admin.end_sessions", staff_id=olli.id)
    assert organiser.get("/organiser/outbox").status_code == 302  # logged out: to the login page
    with app.app_context():
        assert AuditEvent.query.filter_by(action="staff_sessions_ended").count() == 1


# 13. Small disclosures ---------------------------------------------------------------------------------------------


def test_readyz_names_no_revisions(client):
    body = client.get("/readyz").get_json()
    assert body == {"status": "ready", "database": "ok", "migrations": "at_head"}


# Found while mapping ASVS (docs/security.md) -------------------------------------------------------------------------


def test_a_provider_whose_metadata_names_another_issuer_is_refused(database_url, demo_providers, httpserver):
    # A real HTTP server that answers discovery for another issuer (an OIDC mix-up, ASVS 10.5.3).
    metadata = {
        "issuer": "https://evil.example",
        "authorization_endpoint": httpserver.url_for("/authorize"),
        "token_endpoint": httpserver.url_for("/token"),
        "jwks_uri": httpserver.url_for("/jwks"),
    }
    httpserver.expect_request("/.well-known/openid-configuration").respond_with_json(metadata)
    app = make_app(database_url, demo_providers, RESIDENT_OIDC_ISSUER=httpserver.url_for("/").rstrip("/"))
    response = app.test_client().get("/login/resident?lang=en")
    assert response.status_code == 503
    assert "Location" not in response.headers


def test_logout_clears_the_browser_storage(client, login_as):
    login_as("aino.virtanen")
    token = client.get("/").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/logout", data={"csrf_token": token})
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert '"historyCacheSize": 0' in client.get("/").get_data(as_text=True)  # htmx keeps no page snapshots


def test_the_language_cookie_is_host_only_over_https(database_url, demo_providers):
    app = make_app(database_url, demo_providers, SESSION_COOKIE_SECURE=True)
    response = app.test_client().get("/?lang=sv", base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-valinta_lang=sv") and "Secure" in cookie and "HttpOnly" in cookie


# Headers on every error path ----------------------------------------------------------------------------------------


def test_every_error_path_carries_the_security_headers(app, client):
    @app.route("/test-crash")
    def crash():
        raise RuntimeError("a bug")

    answers = {
        400: client.post("/logout", data={"csrf_token": "forged"}),  # the CSRF refusal
        404: client.get("/no-such-page"),
        405: client.get("/logout"),
        413: client.post("/language", data={"lang": "x" * (1024 * 1024)}),
        500: client.get("/test-crash"),
    }
    for status, response in answers.items():
        assert response.status_code == status
        assert_security_headers(response)
    assert "GET" not in answers[405].headers["Allow"] and "POST" in answers[405].headers["Allow"]
