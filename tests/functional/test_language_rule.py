"""Which language a logged-in person sees (docs/translations.md, "Language selection"): a pick lasts for the visit,
only a language the person saves outlives it, and otherwise the identity provider's language applies at each login.

Erik's identity provider gives Swedish (`locale: sv`); Aino's gives no language."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.i18n import login_language, provider_language
from portal.models import Person
from tests.functional.conftest import login


def html_lang(client: FlaskClient) -> str:
    return BeautifulSoup(client.get("/").data, "html.parser").html["lang"]


def saved(app: Flask, sub: str) -> str | None:
    with app.app_context():
        return db.session.scalar(select(Person.language).filter_by(oidc_subject=sub))


def log_out(client: FlaskClient) -> None:
    page = BeautifulSoup(client.get("/").data, "html.parser")
    client.post("/logout", data={"csrf_token": page.select_one("input[name=csrf_token]")["value"]})


def save_language(client: FlaskClient, **form: str) -> None:
    page = BeautifulSoup(client.get("/").data, "html.parser")
    token = page.select_one("input[name=csrf_token]")["value"]
    assert client.post("/language", data={"csrf_token": token, **form}).status_code == 302


def test_the_identity_providers_language_applies_and_is_not_stored(app, client):
    login(client, "erik.lindqvist")
    assert html_lang(client) == "sv"
    assert saved(app, "erik.lindqvist") is None  # read at each login, so a change at the provider shows next time


def test_a_pick_on_this_visit_wins_at_login_and_is_forgotten_after_it(app, client):
    client.get("/units?lang=en")  # picked before logging in
    login(client, "erik.lindqvist")
    assert html_lang(client) == "en"
    assert saved(app, "erik.lindqvist") is None  # never saved as a side effect
    log_out(client)
    next_visit = app.test_client()  # the browser closed: the pick (a cookie for the visit) is gone
    login(next_visit, "erik.lindqvist")
    assert html_lang(next_visit) == "sv"


def test_a_saved_language_opens_every_login_until_it_is_forgotten(app, client):
    login(client, "erik.lindqvist")
    client.get("/?lang=fi")
    save_language(client, lang="fi")
    assert saved(app, "erik.lindqvist") == "fi"
    elsewhere = app.test_client()
    login(elsewhere, "erik.lindqvist")
    assert html_lang(elsewhere) == "fi"  # saved beats the provider's Swedish
    picked = app.test_client()
    picked.get("/?lang=en")
    login(picked, "erik.lindqvist")
    assert html_lang(picked) == "en"  # and a pick on this visit beats what is saved, for this visit
    save_language(picked, forget="1")
    assert saved(app, "erik.lindqvist") is None
    later = app.test_client()
    login(later, "erik.lindqvist")
    assert html_lang(later) == "sv"


def test_the_front_page_offers_to_save_the_language_in_use(app, client):
    login(client, "aino.virtanen")
    page = BeautifulSoup(client.get("/?lang=sv").data, "html.parser")
    form = page.select_one("#saved-language-heading").find_next("form")
    assert form["action"] == "/language" and form.select_one("input[name=lang]")["value"] == "sv"
    assert form.select_one("button span[lang=sv]").text == "Svenska"
    save_language(client, lang="sv")
    page = BeautifulSoup(client.get("/").data, "html.parser")
    assert page.select_one("#saved-language-heading").find_next("form").select_one("input[name=forget]")


def test_the_language_cookie_lasts_for_the_visit_and_logout_removes_it(app, client):
    response = client.get("/?lang=sv")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("valinta_lang=sv") and "Expires" not in cookie and "Max-Age" not in cookie
    login(client, "aino.virtanen")
    page = BeautifulSoup(client.get("/").data, "html.parser")
    response = client.post("/logout", data={"csrf_token": page.select_one("input[name=csrf_token]")["value"]})
    assert client.get_cookie("valinta_lang") is None  # the next person at this browser starts afresh
    # The provider's logout, then back to the logged-out page, which names the session's language.
    target = urlsplit(parse_qs(urlsplit(response.headers["Location"]).query)["post_logout_redirect_uri"][0])
    assert target.path == "/logged-out" and target.query == "lang=sv"
    logged_out = client.get(f"{target.path}?{target.query}")
    assert '<html lang="sv">' in logged_out.get_data(as_text=True)  # still shown in the language of the session
    assert client.get_cookie("valinta_lang") is None  # without remembering it


@pytest.mark.parametrize(
    ("pick", "saved_language", "claims", "expected"),
    [
        ("en", "fi", {"locale": "sv"}, "en"),
        (None, "fi", {"locale": "sv"}, "fi"),
        (None, None, {"locale": "sv-FI"}, "sv"),
        (None, None, {"locale": "de"}, None),
        (None, None, {}, None),
        ("selko", None, {"locale": "sv"}, "selko"),
        ("xx", None, {"locale": "en_GB"}, "en"),
    ],
)
def test_login_language_order(pick, saved_language, claims, expected):
    assert login_language(pick, saved_language, claims) == expected


def test_provider_language_reads_only_what_it_knows():
    assert [provider_language(x) for x in ("fi", "SV", "en-US", "selko", 7, None, "")] == [
        "fi",
        "sv",
        "en",
        None,
        None,
        None,
        None,
    ]
