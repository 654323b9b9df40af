"""Pages, languages, headers, sessions and health checks, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import update

from portal.extensions import db
from portal.models import StaffRoleGrant, WebSession
from portal.models._types import utcnow
from tests.conftest import translated

LANGUAGES = {"fi": "fi", "sv": "sv", "selko": "fi", "en": "en"}


@pytest.mark.parametrize(("language", "html_lang"), LANGUAGES.items())
def test_home_page_in_each_language(app, client_request, language, html_lang):
    page = client_request.get("main.home", lang=language)
    assert page.html["lang"] == html_lang
    heading = page.select_one("h1").text.strip()
    assert heading == translated(app, language, "Choose your health and social care")
    current = page.select_one(".language-switcher a[aria-current]")
    assert current["href"].endswith(f"lang={language}")


def test_plain_language_differs_from_standard_finnish(app):
    message = (
        "Log in to choose your health and social care centre and your dental care unit, or to switch to another one."
    )
    assert translated(app, "selko", message) != translated(app, "fi", message)


def test_language_choice_is_remembered_in_the_session(client_request):
    client_request.get("main.home", lang="sv")
    assert client_request.get("main.home").html["lang"] == "sv"


def test_a_language_link_while_logged_in_lasts_for_the_visit(app, client, client_request, login_as):
    """A link changes the language of this session, and saves nothing: the next login elsewhere is as before (the
    rest of the rule: tests/functional/test_language_rule.py)."""
    login_as("aino.virtanen")
    client_request.get("main.home", lang="en")
    assert client_request.get("main.home").html["lang"] == "en"
    client.post("/logout", data={"csrf_token": client_request.csrf_token()})
    other = app.test_client()
    from tests.functional.conftest import login

    login(other, "aino.virtanen")
    assert '<html lang="fi">' in other.get("/").get_data(as_text=True)


def test_swedish_speaker_gets_swedish_from_the_login_claims(client, login_as):
    login_as("erik.lindqvist")
    assert '<html lang="sv">' in client.get("/").get_data(as_text=True)


def test_language_switch_keeps_the_search_and_nothing_else(client, client_request):
    response = client.get("/units?lang=fi&q=hammas&hetu=010280-952L&endpoint=x&_method=x&_external=1")
    page = BeautifulSoup(response.data, "html.parser")
    links = [a["href"] for a in page.select(".language-switcher a")]
    assert all(link.startswith("/units?q=hammas&lang=") for link in links)
    assert not any("952L" in link or "_method" in link or "endpoint" in link for link in links)
    assert {link.split("lang=")[1].split("&")[0] for link in links} == set(LANGUAGES)
    home = client_request.get("main.home", q="hammas", next="/x")
    assert [a["href"] for a in home.select(".language-switcher a")] == [f"/?lang={code}" for code in LANGUAGES]


@pytest.mark.parametrize("language", LANGUAGES)
def test_not_found_page_in_each_language(app, client, language):
    response = client.get(f"/no-such-page?lang={language}")
    assert response.status_code == 404
    assert translated(app, language, "Page not found") in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("aino.virtanen", 403), ("liisa.neuvoja", 403), ("olli.jarjestaja", 403), ("anna.yllapitaja", 200)],
)
def test_staff_roles_page_is_for_admins_only(app, client, login_as, persona, expected):
    login_as(persona)
    response = client.get("/admin/roles?lang=sv")
    assert response.status_code == expected
    if expected == 403:
        assert translated(app, "sv", "You do not have access to this page") in response.get_data(as_text=True)


def test_home_page_tells_each_kind_of_user_what_they_can_do(app, client, login_as):
    login_as("liisa.neuvoja")
    page = BeautifulSoup(client.get("/?lang=en").data, "html.parser")
    links = {" ".join(a.text.split()): a["href"] for a in page.select(".task-list a")}
    assert links == {
        "Help-line chats: answer residents who asked for a person": "/helpline/",
        "Help a phone caller: find them and, with their consent, choose or report a problem for them": (
            "/helpline/callers"
        ),
        "Compare units, to answer a caller's questions about them.": "/units",
    }
    assert page.select_one("#coming-heading") is None  # nothing of theirs is still to come
    assert "Manage staff roles" not in page.text


def test_admin_grants_and_revokes_a_role(app, client, client_request, login_as):
    login_as("anna.yllapitaja")
    client_request.post("admin.roles", {"subject": "uusi.tyontekija", "role": "organiser"})
    page = client_request.get("admin.roles")
    assert "uusi.tyontekija" in page.select_one("table").text
    with app.app_context():
        grant_id = db.session.scalar(db.select(StaffRoleGrant.id))
    client_request.post("admin.revoke_role", grant_id=grant_id)
    assert not any("uusi.tyontekija" in table.text for table in client_request.get("admin.roles").select("table"))


def test_a_granted_role_applies_without_a_claim(app, client, login_as):
    with app.app_context():
        db.session.add(StaffRoleGrant(subject="liisa.neuvoja", role="admin"))
        db.session.commit()
    login_as("liisa.neuvoja")
    assert client.get("/admin/roles").status_code == 200


def test_role_form_keeps_what_was_typed_and_says_why(app, client_request, login_as):
    login_as("anna.yllapitaja")
    page = client_request.post("admin.roles", {"subject": "  ", "role": "admin"}, _expected_status=400)
    assert page.select_one(".error-summary a").text == translated(app, "fi", "Enter the staff member's user id.")
    assert page.select_one("#role option[selected]")["value"] == "admin"


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "HX-Request" in response.headers["Vary"]


def test_session_cookie_flags(app, client, login_as):
    login_as("aino.virtanen")
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def _age_sessions(app, **delta: int) -> None:
    with app.app_context():
        past = utcnow() - timedelta(**delta)
        column = "created_at" if "hours" in delta else "last_seen_at"
        db.session.execute(update(WebSession).values({column: past}))
        db.session.commit()


@pytest.mark.parametrize("age", [{"minutes": 21}, {"hours": 9}], ids=["idle", "absolute"])
def test_sessions_end_after_idle_time_and_absolute_lifetime(app, client, login_as, age):
    login_as("aino.virtanen")
    _age_sessions(app, **age)
    page = client.get("/").get_data(as_text=True)
    assert "Aino Virtanen" not in page
    assert translated(app, "fi", "Your session ended because you were away for a while. Please log in again.") in page
    with app.app_context():
        assert WebSession.query.count() == 0


def test_healthz_needs_no_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_reports_a_migrated_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "ready" and response.json["migrations"] == "at_head"


def test_readyz_refuses_an_unmigrated_database(tmp_path):
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'empty.sqlite3'}", None)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["migrations"] == "behind"


def test_readyz_refuses_an_unreachable_database():
    from tests.conftest import make_app

    app = make_app("postgresql://nobody@127.0.0.1:9/none?connect_timeout=2", None)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
