"""The staff's register of mandates: organisers and admins register a mandate from a signed document (both people found
by identity code in the POST body), see the register, and revoke a mandate with a reason."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any, TypeVar

import pytest
from sqlalchemy import select

from portal.auth.services import HETU_CLAIM, resident_from_claims
from portal.demo.personas import PERSONAS, RESIDENTS, temporary_hetu
from portal.extensions import db
from portal.models import AuditEvent, Mandate, Person, WebSession

TODAY = date(2026, 11, 22)
SARI = PERSONAS["sari.nieminen"].claims[HETU_CLAIM]
HELMI = PERSONAS["helmi.nieminen"].claims[HETU_CLAIM]
UNKNOWN = temporary_hetu("020202", "A", 990)
OLLI = PERSONAS["olli.jarjestaja"].claims["name"]
T = TypeVar("T")


@pytest.fixture
def residents(app):
    """The demo residents, ready before their first login, as `make run` makes them (portal.demo.load)."""
    with app.app_context():
        for persona in RESIDENTS:
            resident_from_claims(
                {"sub": persona.sub, **persona.claims}, app.config["RESIDENT_OIDC_ISSUER"], logging_in=False
            )
        db.session.commit()
    return app


@pytest.fixture
def organiser(residents, login_as, client_request, monkeypatch):
    monkeypatch.setattr("portal.mandates.staff_views.today_in_helsinki", lambda: TODAY)
    login_as("olli.jarjestaja")
    client_request.get("main.home", lang="en")
    return residents


def text(element) -> str:
    return " ".join(element.get_text(" ").split())


def table_rows(page) -> list[list[str]]:
    return [[text(cell) for cell in row.select("th, td")] for row in page.select("#mandates tbody tr")]


def mandate_form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "agent_code": SARI,
        "principal_code": HELMI,
        "scopes": ["balances", "flags"],
        "valid_from": "2026-11-22",
        "valid_to": "",
        "document": "Signed form 20 Nov 2026, archive 2026/123",
    }
    data.update(changes)
    return data


def person_id(sub: str) -> int:
    return the(db.session.scalar(select(Person.id).filter_by(oidc_subject=sub)))


def the(row: T | None) -> T:
    assert row is not None
    return row


def the_mandate() -> Mandate:
    return the(db.session.scalar(select(Mandate)))


def the_event(action: str) -> AuditEvent:
    return the(db.session.scalar(select(AuditEvent).filter_by(action=action)))


def everything_stored(app) -> str:
    """Every audit row and every stored session, as text."""
    with app.app_context():
        audit = [
            json.dumps([row.action, row.actor_kind, row.actor_id, row.subject_person_id, row.detail], default=str)
            for row in db.session.scalars(select(AuditEvent))
        ]
        sessions = [row.data for row in db.session.scalars(select(WebSession))]
    return "\n".join(audit + sessions)


# --- who may ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["aino.virtanen", "liisa.neuvoja"])
def test_residents_and_the_help_line_are_refused(client_request, residents, login_as, persona):
    login_as(persona)
    client_request.get("mandates.staff_register", _expected_status=403)
    client_request.post("mandates.staff_register", mandate_form(), _expected_status=403)
    with residents.app_context():
        agent, principal = person_id("sari.nieminen"), person_id("helmi.nieminen")
        mandate = Mandate(agent_id=agent, principal_id=principal, scopes="balances", valid_from=TODAY)
        db.session.add(mandate)
        db.session.commit()
        public_id = mandate.public_id
    client_request.get("mandates.staff_revoke", _expected_status=403, public_id=public_id)
    client_request.post("mandates.staff_revoke", {"reason": "x"}, _expected_status=403, public_id=public_id)
    with residents.app_context():
        assert [row.public_id for row in db.session.scalars(select(Mandate))] == [public_id]
        assert the_mandate().revoked_at is None
        denied = db.session.scalars(select(AuditEvent).filter_by(action="access_denied")).all()
        assert len(denied) == 4


@pytest.mark.parametrize("persona", ["olli.jarjestaja", "anna.yllapitaja"])
def test_organisers_and_admins_get_in_from_their_front_page(client_request, residents, login_as, persona):
    login_as(persona)
    home = client_request.get("main.home", lang="en")
    link = home.select_one(f"main a[href='{client_request.url('mandates.staff_register')}']")
    assert link is not None and text(link) == "Mandates: who may act for another person"
    page = client_request.get("mandates.staff_register")
    assert text(page.select_one("nav.sub-nav a[aria-current=page]")) == "Mandates"


def test_anonymous_is_sent_to_log_in(client_request, residents):
    response = client_request.get("mandates.staff_register", _expected_status=302)
    assert response.headers["Location"].startswith(client_request.url("auth.login"))


# --- registering ---------------------------------------------------------------------------------------------------


def test_the_form_starts_today_and_is_never_filled_from_the_url(client_request, organiser):
    page = client_request.get("mandates.staff_register", agent_code=SARI, principal_code=HELMI, document="x")
    assert page.select_one("#valid_from")["value"] == "2026-11-22"
    assert not page.select_one("#agent_code").get("value") and not page.select_one("#principal_code").get("value")
    assert not page.select_one("#document").get("value")
    assert SARI not in str(page) and HELMI not in str(page)
    assert [text(label) for label in page.select("#scopes label")] == [
        "See service vouchers and personal budgets",
        "Report problems with care",
        "Choose and switch the health and social care centre and dental care unit",
    ]
    assert "No mandates have been registered." in text(page.select_one("main"))


def test_a_mandate_is_registered_without_its_codes_being_kept_anywhere(client_request, client, organiser, caplog):
    caplog.set_level(logging.DEBUG)
    response = client_request.post("mandates.staff_register", mandate_form(agent_code=SARI.lower()))
    location = response.headers["Location"]
    assert location == client_request.url("mandates.staff_register")
    with client.session_transaction() as stored:  # the notice waiting in the session names people by masked code
        assert SARI not in json.dumps(dict(stored), default=str) and HELMI not in json.dumps(dict(stored), default=str)

    page = client_request.get("mandates.staff_register")
    html = str(page)
    for code in (SARI, HELMI):
        assert code not in html and code.lower() not in html
    notice = text(page.select_one(".notice--success"))
    assert notice == "Mandate registered: Sari Nieminen (110868-****) may act for Helmi Nieminen (030442-****)."
    assert not page.select_one("#agent_code").get("value")
    [row] = table_rows(page)
    assert row[:6] == [
        "Sari Nieminen 110868-****",
        "Helmi Nieminen 030442-****",
        "See service vouchers and personal budgets Report problems with care",
        "From 22 Nov 2026 until revoked",
        "Registered by staff",
        "Signed form 20 Nov 2026, archive 2026/123",
    ]
    assert row[6].startswith(OLLI) and row[7:] == ["In force", "Revoke the mandate of Sari Nieminen for Helmi Nieminen"]
    # On a phone each cell keeps its column's name.
    assert [cell.get("data-label") for cell in page.select("#mandates tbody td")][:2] == [
        "Person represented",
        "Covers",
    ]

    with organiser.app_context():
        mandate = the_mandate()
        assert (mandate.agent_id, mandate.principal_id) == (person_id("sari.nieminen"), person_id("helmi.nieminen"))
        assert mandate.scopes == "balances flags" and mandate.source == "portal"
        assert (mandate.valid_from, mandate.valid_to) == (TODAY, None)
        assert the(mandate.created_by).name == OLLI
        registered = the_event("mandate_registered")
        assert registered.subject_person_id == mandate.principal_id and mandate.public_id in registered.detail
        listed = db.session.scalars(select(AuditEvent).filter_by(action="mandates_listed")).all()
        assert len(listed) == 1  # one row per look at the register, about no one in particular
        assert listed[0].actor_kind == "staff" and listed[0].subject_person_id is None
    stored = everything_stored(organiser)
    for code in (SARI, HELMI):
        assert code not in stored and code.lower() not in stored and code[:6] + code[7:] not in stored
    assert SARI not in caplog.text and HELMI not in caplog.text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"agent_code": UNKNOWN},
            "agent_code",
            "No resident with this identity code was found. A resident appears here after logging in once.",
        ),
        (
            {"principal_code": UNKNOWN},
            "principal_code",
            "No resident with this identity code was found. A resident appears here after logging in once.",
        ),
        (
            {"principal_code": SARI.lower()},
            "agent_code",
            "The relative and the person represented must be two different people.",
        ),
        ({"scopes": []}, "scopes", "Choose at least one thing the mandate covers."),
        ({"valid_to": "2026-11-21"}, "valid_to", "The end date cannot be before the start date."),
        ({"agent_code": SARI[:-1] + "0"}, "agent_code", "it is not a valid personal identity code"),
        ({"valid_from": "22.11.2026"}, "valid_from", "Enter a date as year-month-day"),
        ({"valid_to": "soon"}, "valid_to", "Enter a date as year-month-day"),
        ({"document": " "}, "document", "Enter the document the mandate rests on."),
        ({"document": "x" * 201}, "document", "at most 200 characters"),
        ({"document": "Form\u202eevil"}, "document", "Remove the invisible formatting characters"),
        ({"scopes": ["balances", "everything"]}, "scopes", "Choose one of the options."),
    ],
)
def test_a_refused_mandate_is_explained_at_its_field_and_what_was_typed_is_kept(
    client_request, organiser, changes, field, message
):
    data = mandate_form(**changes)
    page = client_request.post("mandates.staff_register", data, _expected_status=400)
    assert message in text(page.select_one(".error-summary"))
    assert message in text(page.select_one(f"#{field}-error"))
    assert page.select_one(".error-summary a")["href"] == f"#{field}"
    for name in ("agent_code", "principal_code", "valid_from", "valid_to", "document"):
        assert page.select_one(f"#{name}").get("value", "") == data[name], name
    checked = [box["value"] for box in page.select("#scopes input[checked]")]
    assert checked == [scope for scope in ("balances", "flags", "choice") if scope in data["scopes"]]
    with organiser.app_context():
        assert db.session.scalar(select(Mandate)) is None
        assert db.session.scalar(select(AuditEvent).filter_by(action="mandate_registered")) is None


def in_language(app, language: str, message: str) -> str:
    """`message` as Babel gives it in `language` (the lead's catalogues may not have it yet: then it is English)."""
    from flask import g
    from flask_babel import gettext

    with app.test_request_context(f"/?lang={language}"):
        app.preprocess_request()
        said = gettext(message)
        g.pop("ui_language", None)
    return said


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_refusal_is_in_the_users_language(client_request, organiser, language):
    client_request.get("main.home", lang=language)
    page = client_request.post("mandates.staff_register", mandate_form(scopes=[]), _expected_status=400)
    assert page.html["lang"] == language
    expected = in_language(organiser, language, "Choose at least one thing the mandate covers.")
    assert text(page.select_one("#scopes-error")) == expected
    assert page.select_one("#agent_code")["value"] == SARI


def test_the_register_shows_every_status_newest_first(client_request, organiser):
    client_request.post("mandates.staff_register", mandate_form(valid_from="2025-01-01", valid_to="2025-12-31"))
    client_request.post("mandates.staff_register", mandate_form(valid_from="2027-01-01", scopes=["choice"]))
    page = client_request.get("mandates.staff_register")
    rows = table_rows(page)
    assert [row[3] for row in rows] == ["From 1 Jan 2027 until revoked", "1 Jan 2025 to 31 Dec 2025"]
    assert [row[7] for row in rows] == ["Not yet in force", "Expired"]
    assert rows[0][2] == "Choose and switch the health and social care centre and dental care unit"
    assert rows[0][8] == "Revoke the mandate of Sari Nieminen for Helmi Nieminen" and rows[1][8] == ""


# --- revoking ------------------------------------------------------------------------------------------------------


def test_a_mandate_is_revoked_with_a_reason(client_request, organiser):
    client_request.post("mandates.staff_register", mandate_form())
    page = client_request.get("mandates.staff_register")
    href = page.select_one("#mandates tbody a.button")["href"]
    with organiser.app_context():
        public_id = db.session.scalar(select(Mandate.public_id))
    assert href == client_request.url("mandates.staff_revoke", public_id=public_id)

    confirm = client_request.get("mandates.staff_revoke", public_id=public_id)
    assert "Sari Nieminen 110868-****" in text(confirm.select_one(".summary"))
    assert confirm.select_one("main form[method=post]")["action"] == href
    refused = client_request.post("mandates.staff_revoke", {"reason": "  "}, _expected_status=400, public_id=public_id)
    assert "Enter the reason for revoking the mandate." in text(refused.select_one("#reason-error"))
    too_long = client_request.post(
        "mandates.staff_revoke", {"reason": "y" * 201}, _expected_status=400, public_id=public_id
    )
    assert text(too_long.select_one("#reason")) == "y" * 201
    with organiser.app_context():
        assert the_mandate().revoked_at is None

    client_request.post("mandates.staff_revoke", {"reason": "Withdrawn in writing"}, public_id=public_id)
    page = client_request.get("mandates.staff_register")
    assert text(page.select_one(".notice--success")) == (
        "Mandate revoked: Sari Nieminen may no longer act for Helmi Nieminen."
    )
    row = table_rows(page)[0]
    assert row[7].startswith("Revoked on ") and row[7].endswith(": Withdrawn in writing") and row[8] == ""
    with organiser.app_context():
        mandate = the_mandate()
        assert mandate.revoked_at is not None and mandate.revoked_reason == "Withdrawn in writing"
        assert mandate.revoked_by_id is not None
        revoked = the_event("mandate_revoked")
        assert revoked.subject_person_id == mandate.principal_id and revoked.actor_kind == "staff"
        viewed = db.session.scalars(select(AuditEvent).filter_by(action="mandate_viewed")).all()
        assert {event.subject_person_id for event in viewed} == {mandate.principal_id}

    # Revoked is revoked: asking again changes nothing and says so.
    again = client_request.post("mandates.staff_revoke", {"reason": "Twice"}, public_id=public_id)
    assert again.headers["Location"] == client_request.url("mandates.staff_register")
    with organiser.app_context():
        assert the_mandate().revoked_reason == "Withdrawn in writing"


def test_an_unknown_mandate_is_not_found(client_request, organiser):
    client_request.get("mandates.staff_revoke", _expected_status=404, public_id="nosuchmandate")
    client_request.post("mandates.staff_revoke", {"reason": "x"}, _expected_status=404, public_id="nosuchmandate")
