"""A relative acting for the person she helps: the banner, the scope on every request, losing access at once, and
the person seeing that she looked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.compare.units import today_in_helsinki
from portal.extensions import db
from portal.models import AuditEvent, Mandate
from portal.models._types import utcnow
from tests.wallet_data import make_wallet, person


def add_mandate(app, scopes: str = "balances flags", **fields) -> str:
    with app.app_context():
        sari, helmi = person("sari.nieminen"), person("helmi.nieminen")
        today = today_in_helsinki()
        mandate = Mandate(
            agent_id=sari.id,
            principal_id=helmi.id,
            scopes=scopes,
            valid_from=fields.get("valid_from", today - timedelta(days=1)),
            valid_to=fields.get("valid_to", today + timedelta(days=30)),
            document="test",
        )
        db.session.add(mandate)
        db.session.commit()
        return mandate.public_id


@pytest.fixture
def sari(catalogue, client_request, login_as):
    wallet = make_wallet(catalogue, today_in_helsinki())
    mandate = add_mandate(catalogue)
    login_as("sari.nieminen")
    client_request.get("main.home", lang="en")
    return client_request, wallet, mandate


def test_acting_for_shows_the_banner_and_the_principals_wallet(sari, app):
    client_request, wallet, mandate = sari
    choose = client_request.get("mandates.choose")
    assert "Helmi Nieminen" in choose.get_text()
    client_request.post("mandates.start", public_id=mandate)
    home = client_request.get("main.home")
    banner = home.select_one(".acting-banner")
    assert banner is not None and "You are acting for Helmi Nieminen" in banner.get_text()
    page = client_request.get("wallet.budget", public_id=wallet["budget"])
    assert page.select_one(".acting-banner") is not None
    assert "6,740.00" in page.get_text()
    with app.app_context():
        looks = db.session.scalars(select(AuditEvent).filter_by(action="wallet_viewed")).all()
        assert looks and all(row.subject_person_id == person("helmi.nieminen").id for row in looks)
        assert looks[-1].basis == f"mandate:{mandate}"


def test_what_the_mandate_does_not_cover_is_refused_with_the_reason(sari, client):
    client_request, wallet, mandate = sari
    client_request.post("mandates.start", public_id=mandate)
    page = client_request.get("choice.overview", _expected_status=403)
    assert "does not cover choosing or switching" in page.get_text()
    fragment = client.get(client_request.url("choice.overview"), headers={"HX-Request": "true"})
    assert fragment.status_code == 403  # htmx requests are checked the same way
    refuse = client_request.get("wallet.refuse_item", kind="budgets", public_id=wallet["budget"], _expected_status=403)
    assert "Only the person themselves" in refuse.get_text()
    client_request.get("access_log.mine", _expected_status=403)


def test_a_revoked_mandate_loses_access_on_the_very_next_request(sari, app):
    client_request, wallet, mandate = sari
    client_request.post("mandates.start", public_id=mandate)
    client_request.get("wallet.budget", public_id=wallet["budget"])
    with app.app_context():
        db.session.execute(db.update(Mandate).filter_by(public_id=mandate).values(revoked_at=utcnow()))
        db.session.commit()
    page = client_request.get("wallet.budget", public_id=wallet["budget"], _expected_status=404)
    assert page.select_one(".acting-banner") is None
    assert "has ended" in page.get_text()


def test_an_expired_mandate_cannot_be_used(catalogue, client_request, login_as):
    today = today_in_helsinki()
    expired = add_mandate(catalogue, valid_from=today - timedelta(days=60), valid_to=today - timedelta(days=1))
    login_as("sari.nieminen")
    assert "Helmi" not in client_request.get("mandates.choose").get_text()
    client_request.post("mandates.start", public_id=expired, _expected_status=404)


def test_with_choice_in_scope_the_relative_sees_the_principals_listings(catalogue, client_request, login_as, app):
    mandate = add_mandate(catalogue, scopes="choice")
    login_as("sari.nieminen")
    client_request.get("main.home", lang="en")
    client_request.post("mandates.start", public_id=mandate)
    client_request.get("choice.overview")
    client_request.get("wallet.overview", _expected_status=403)
    with app.app_context():
        row = db.session.scalars(select(AuditEvent).filter_by(action="listing_viewed")).first()
        assert row is not None and row.subject_person_id == person("helmi.nieminen").id


def test_the_person_sees_that_her_daughter_looked(sari, client_request, login_as):
    relative, wallet, mandate = sari
    relative.post("mandates.start", public_id=mandate)
    relative.get("wallet.overview")
    relative.post("mandates.stop")
    login_as("helmi.nieminen")
    page = client_request.get("access_log.mine", lang="en")
    text = page.get_text(" ", strip=True)
    assert "Sari Nieminen" in text
    assert "Looked at your service vouchers or personal budget" in text
    assert "A mandate registered at the wellbeing services county" in text
    only_staff = client_request.get("access_log.mine", who="staff")
    assert "Sari Nieminen" not in only_staff.select_one("#results").get_text()


def test_a_workers_look_is_shown_with_the_role_that_allowed_it(catalogue, client_request, login_as, app):
    from portal.demo.personas import PERSONAS

    code = PERSONAS["aino.virtanen"].claims["urn:oid:1.2.246.21"]
    login_as("aino.virtanen")  # aino exists before the organiser finds her
    login_as("olli.jarjestaja")
    client_request.get("main.home", lang="en")
    client_request.post(
        "organiser.overrides", {"identity_code": code, "kind": "sote_centre", "reason": "Moved house to Kerava"}
    )
    client_request.get("organiser.overrides")  # the list names her: a look of its own
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.actor_kind == "staff")).all()
        about_aino = [row for row in rows if row.subject_person_id is not None]
        assert about_aino and all(row.basis == "role:organiser" for row in about_aino)
    login_as("aino.virtanen")
    page = client_request.get("access_log.mine", lang="en")
    text = page.select_one("#looks").get_text(" ", strip=True)
    assert "Olli Järjestäjä" in text and "Worker of the wellbeing services county" in text
    assert "Allowed you to switch before the minimum time" in text
    assert "Their work at the wellbeing services county" in text
    assert "Kerava" not in text  # the override's reason stays in its own table
