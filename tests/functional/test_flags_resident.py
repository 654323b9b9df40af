"""The resident's flag pages on both databases: the form (own providers and the catalogue search), check, send,
receipt; bad input kept and refused; a double submit; the timeline, adding information, disputing once; a relative
flagging for the person she helps; someone else's flag."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.auth.services import CurrentUser
from portal.compare.units import today_in_helsinki
from portal.demo.listings import load_demo_listings
from portal.demo.ptv_feed import DEFAULT_SEED, channel_id
from portal.extensions import db
from portal.flags import services
from portal.models import AuditEvent, Flag, StaffUser
from tests.functional.test_acting import add_mandate
from tests.wallet_data import UNKNOWN_PROVIDER, make_wallet, person

S_JARVENPAA = channel_id(DEFAULT_SEED, "s-jarvenpaa")
S_PORNAINEN = channel_id(DEFAULT_SEED, "s-pornainen")
TEXT = "Lähete <script>alert(1)</script> ei mennyt perille 🙁\n\nToinen kappale: äöå ÄÖÅ.  "


@pytest.fixture
def aino(catalogue, client_request, login_as):
    """Aino logged in, in English, with her demo listings and a dental voucher (one provider outside the catalogue)."""
    login_as("aino.virtanen")
    make_wallet(catalogue, today_in_helsinki())
    with catalogue.app_context():
        load_demo_listings(today_in_helsinki(), subjects={"aino.virtanen"})
    client_request.get("main.home", lang="en")
    return client_request


def answers(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "category": "referral_lost",
        "providers": [S_JARVENPAA, S_PORNAINEN],
        "happened_on": "2026-03-14",
        "description": TEXT,
        "contact_method": "email",
        "contact_email": "aino@example.fi",
        "contact_phone": "",
        "consent_share": "y",
        "action": "check",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def checkbox_values(page, name: str) -> dict[str, str]:
    return {box["value"]: box.find_next("label").get_text(strip=True) for box in page.select(f"input[name={name}]")}


def typed(page) -> str:
    """The description box's text as a browser reads it (the line break after <textarea> is not part of it)."""
    text = page.select_one("textarea[name=description]").text
    return text[2:] if text.startswith("\r\n") else text.removeprefix("\n")


def hidden(page) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for element in page.select("form[action$='/flags/send'] input[type=hidden]"):
        found.setdefault(element["name"], []).append(element.get("value", ""))
    return found


def staff_user(app) -> CurrentUser:
    with app.app_context():
        row = StaffUser(oidc_issuer="test", oidc_subject="olli.flags", name="Olli")
        db.session.add(row)
        db.session.commit()
        return CurrentUser("staff", row.id, "Olli", roles=frozenset({"organiser"}))


def send_via_pages(client_request, **changes: object):
    check = client_request.post("flags.new", answers(**changes), _expected_status=200)
    fields = hidden(check)
    data = {name: values if len(values) > 1 else values[0] for name, values in fields.items()}
    client_request.post("flags.send", data, _expected_status=303)
    return client_request.last_response.headers["Location"], data


def test_a_resident_flags_two_providers_one_found_in_the_catalogue(aino, app):
    form = aino.get("flags.new")
    offered = checkbox_values(form, "providers")
    assert S_JARVENPAA in offered  # her own listing
    assert UNKNOWN_PROVIDER in offered and offered[UNKNOWN_PROVIDER] == "Hammas Oy"  # her voucher's provider
    assert S_PORNAINEN not in offered
    assert len(form.select("fieldset.flag-step")) == 6  # one page, every question (one step each with JavaScript)
    assert form.select_one("script[src$='js/flag-steps.js'][defer]") is not None

    # The catalogue search re-renders the same form with the units found added, keeping what was typed.
    searching = answers(providers=[S_JARVENPAA], search="Pornaisten", action="search")
    found = aino.post("flags.new", searching, _expected_status=200)
    offered = checkbox_values(found, "providers")
    assert "Pornaisten sote-keskus" in offered.get(S_PORNAINEN, "")
    assert found.select_one(f"input[name=providers][value='{S_JARVENPAA}']").has_attr("checked")
    assert typed(found) == TEXT
    assert found.select_one("input[name=contact_email]")["value"] == "aino@example.fi"
    assert found.select_one("input[name=category][value=referral_lost]").has_attr("checked")
    # With htmx only the providers block comes back.
    fragment = aino.client.post(
        aino.url("flags.new"), data={**searching, "csrf_token": aino.csrf_token()}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200 and b"<html" not in fragment.data and b"Pornaisten" in fragment.data

    # Check your answers: every answer, escaped, with a Change button back to the form and a request key.
    check = aino.post("flags.new", answers(), _expected_status=200)
    text = check.get_text(" ", strip=True)
    assert "A referral or follow-up was lost" in text and "Pornaisten sote-keskus" in text
    assert check.select_one("#check-description").text == TEXT  # shown escaped: the tag is text, not markup
    assert check.select_one("#check-description script") is None
    assert len(check.select("button[value=change]")) == 6
    assert len(hidden(check)["request_key"][0]) >= 16
    back = aino.post("flags.new", {**hidden(check), "action": "change"}, _expected_status=200)
    assert typed(back) == TEXT
    assert back.select_one(".error-summary") is None

    location, _ = send_via_pages(aino)
    reference = location.rstrip("/").split("/")[-2]
    receipt = aino.get("flags.sent", reference=reference)
    assert reference in receipt.select_one("#reference").text
    assert receipt.select_one(f"a[href$='/flags/{reference}']") is not None
    with app.app_context():
        flag = db.session.scalar(select(Flag).filter_by(reference=reference))
        assert flag is not None
        assert flag.description == TEXT  # exactly as typed: spaces, line breaks, the tag, emoji, Finnish letters
        assert [p.provider_id for p in flag.providers] == [S_JARVENPAA, S_PORNAINEN]
        assert flag.category == "referral_lost" and flag.contact_email == "aino@example.fi" and flag.consent_share
        assert flag.person_id == flag.flagger_id == person("aino.virtanen").id and flag.basis is None
        assert flag.language == "en" and str(flag.happened_on) == "2026-03-14"
    page = aino.get("flags.show", reference=reference)
    assert page.select_one("#flag-description").text == TEXT
    assert b"<script>alert(1)" not in aino.last_response.data


def test_a_refused_form_keeps_everything_typed(aino):
    page = aino.post(
        "flags.new",
        answers(category=None, contact_email="not an address", happened_on="14.3.2026"),
        _expected_status=400,
    )
    summary = page.select_one(".error-summary")
    assert summary is not None
    messages = summary.get_text(" ", strip=True)
    assert "Choose what went wrong" in messages
    assert "name@example.fi" in messages
    assert "year-month-day" in messages
    assert page.select_one("#category .field__error") is not None  # each message at its question
    assert typed(page) == TEXT
    assert page.select_one("input[name=contact_email]")["value"] == "not an address"
    assert page.select_one("input[name=happened_on]")["value"] == "14.3.2026"
    assert page.select_one(f"input[name=providers][value='{S_PORNAINEN}']").has_attr("checked")
    assert page.select_one("input[name=consent_share]").has_attr("checked")

    phone = aino.post("flags.new", answers(contact_method="phone", contact_phone=""), _expected_status=400)
    assert "Enter your phone number" in phone.select_one(".error-summary").get_text()
    none = aino.post("flags.new", answers(providers=[]), _expected_status=400)
    assert "Choose at least one provider" in none.select_one(".error-summary").get_text()
    forged = aino.post("flags.new", answers(providers=["not-a-provider"]), _expected_status=400)
    assert "Choose one of the options" in forged.select_one(".error-summary").get_text()


def test_too_long_text_is_refused_with_a_clear_message_and_kept(aino):
    long_text = "ä" * 4001
    page = aino.post("flags.new", answers(description=long_text), _expected_status=400)
    message = page.select_one("#description-error").get_text()
    assert "at most 4000 characters" in message and "4001" in message
    assert typed(page) == long_text
    aino.post("flags.new", answers(description="ä" * 4000), _expected_status=200)
    control = aino.post("flags.new", answers(description="a\x07b"), _expected_status=400)
    assert "special characters" in control.select_one("#description-error").get_text()


def test_a_double_submit_makes_one_flag(aino, app):
    check = aino.post("flags.new", answers(), _expected_status=200)
    data = {name: values if len(values) > 1 else values[0] for name, values in hidden(check).items()}
    aino.post("flags.send", data, _expected_status=303)
    first = aino.last_response.headers["Location"]
    aino.post("flags.send", data, _expected_status=303)
    assert aino.last_response.headers["Location"] == first
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Flag)) == 1
    # A tampered send is refused, not stored.
    aino.post("flags.send", {**data, "request_key": "short"}, _expected_status=400)
    aino.post("flags.send", {**data, "category": "nonsense", "request_key": "x" * 32}, _expected_status=400)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Flag)) == 1


def test_the_list_the_timeline_adding_information_and_disputing_once(aino, app):
    location, _ = send_via_pages(aino)
    reference = location.rstrip("/").split("/")[-2]
    staff = staff_user(app)
    with app.app_context():
        flag = services.flag_by_reference(reference)
        assert flag is not None
        services.change_status(flag, "in_review", staff, reply="Kiitos, selvitämme asiaa.")
    listing = aino.get("flags.index")
    row = listing.select_one("#flags tbody tr")
    assert reference in row.get_text() and "Being reviewed" in row.get_text() and "1 new" in row.get_text()
    home = aino.get("main.home")
    assert "(1 new)" in home.get_text()

    page = aino.get("flags.show", reference=reference)
    timeline = page.select_one(".flag-timeline").get_text(" ", strip=True)
    assert "Report sent" in timeline and "Status: Being reviewed" in timeline and "Kiitos, selvitämme" in timeline
    assert page.select_one(f"form[action$='/flags/{reference}/dispute']") is None  # not closed: nothing to dispute
    assert "1 new" not in aino.get("flags.index").select_one("#flags tbody tr").get_text()  # read now

    refused = aino.post("flags.more_info", {"text": ""}, reference=reference, _expected_status=400)
    assert "Write the information" in refused.select_one(".error-summary").get_text()
    aino.post("flags.more_info", {"text": "Lisätieto <b>\nrivi"}, reference=reference, _expected_status=303)
    page = aino.get("flags.show", reference=reference)
    assert "More information added" in page.get_text() and "Lisätieto <b>\nrivi" in page.get_text()

    # Not disputable while open; once closed as not resolved, once with a reason, then never again.
    aino.post("flags.disagree", {"reason": "Ei käy"}, reference=reference, _expected_status=409)
    with app.app_context():
        flag = services.flag_by_reference(reference)
        assert flag is not None
        services.change_status(flag, "closed_unresolved", staff, reply="Emme voi tehdä enempää.")
    page = aino.get("flags.show", reference=reference)
    assert page.select_one(f"form[action$='/flags/{reference}/dispute']") is not None
    assert page.select_one(f"form[action$='/flags/{reference}/info']") is None
    closed = aino.post("flags.more_info", {"text": "Vielä yksi"}, reference=reference, _expected_status=409)
    assert "closed" in closed.select_one(".notice--error").get_text()
    assert closed.select_one("#info-kept").text == "Vielä yksi"  # what was typed is not lost
    empty = aino.post("flags.disagree", {"reason": "  "}, reference=reference, _expected_status=400)
    assert "why you disagree" in empty.select_one(".error-summary").get_text()
    aino.post("flags.disagree", {"reason": "Lähete katosi taas."}, reference=reference, _expected_status=303)
    page = aino.get("flags.show", reference=reference)
    assert "Your disagreement is being reviewed" in page.select_one("#flag-status").get_text()
    assert "Lähete katosi taas." in page.get_text()
    with app.app_context():
        flag = services.flag_by_reference(reference)
        assert flag is not None
        services.change_status(flag, "forwarded", staff, forwarded_to="Potilasasiavastaava")
    page = aino.get("flags.show", reference=reference)
    assert page.select_one(f"form[action$='/flags/{reference}/dispute']") is None  # disputed once already
    again = aino.post("flags.disagree", {"reason": "Uudestaan"}, reference=reference, _expected_status=409)
    assert "already disagreed" in again.select_one(".notice--error").get_text()
    assert again.select_one("#dispute-kept").text == "Uudestaan"


def test_a_resolved_flag_offers_feedback_only_when_the_feedback_page_exists(aino, app):
    location, _ = send_via_pages(aino, providers=[S_JARVENPAA, UNKNOWN_PROVIDER])
    reference = location.rstrip("/").split("/")[-2]
    with app.app_context():
        flag = services.flag_by_reference(reference)
        assert flag is not None
        services.change_status(flag, "resolved", staff_user(app), reply="Korjattu.")
    page = aino.get("flags.show", reference=reference)
    links = [a.get_text() for a in page.select("a") if "Give feedback about" in a.get_text()]
    if "feedback.give" in app.view_functions:
        assert len(links) == 1 and "Järvenpää" in links[0]  # the catalogue unit, not the provider outside it
    else:
        assert links == []


def test_a_relative_flags_for_the_person_she_helps(catalogue, client_request, login_as, app):
    mandate = add_mandate(catalogue, scopes="flags")
    login_as("sari.nieminen")
    client_request.get("main.home", lang="en")
    client_request.post("mandates.start", public_id=mandate)
    home = client_request.get("main.home")
    assert home.select_one("a[href='/flags/new']") is not None and home.select_one("a[href='/flags/']") is not None
    form = client_request.get("flags.new")
    assert "You are reporting for Helmi Nieminen" in form.get_text()
    location, _ = send_via_pages(client_request, providers=[S_PORNAINEN], contact_method="portal")
    reference = location.rstrip("/").split("/")[-2]
    client_request.get("flags.show", reference=reference)
    with app.app_context():
        flag = db.session.scalar(select(Flag).filter_by(reference=reference))
        assert flag is not None
        assert flag.person_id == person("helmi.nieminen").id and flag.flagger_id == person("sari.nieminen").id
        assert flag.basis == f"mandate:{mandate}"
        sent = db.session.scalars(select(AuditEvent).filter_by(action="flag_sent")).all()
        assert [row.subject_person_id for row in sent] == [person("helmi.nieminen").id]
        assert sent[0].basis == f"mandate:{mandate}"
        viewed = db.session.scalars(select(AuditEvent).filter_by(action="flags_viewed")).all()
        assert viewed and all(row.subject_person_id == person("helmi.nieminen").id for row in viewed)
    # Helmi sees the report made for her.
    client_request.post("mandates.stop")
    assert reference not in client_request.get("flags.index").get_text()  # Sari's own reports: not Helmi's
    login_as("helmi.nieminen")
    assert reference in client_request.get("flags.index").get_text()


def test_without_the_flags_scope_the_relative_is_refused(catalogue, client_request, login_as):
    mandate = add_mandate(catalogue, scopes="balances")
    login_as("sari.nieminen")
    client_request.get("main.home", lang="en")
    client_request.post("mandates.start", public_id=mandate)
    client_request.get("flags.new", _expected_status=403)
    client_request.get("flags.index", _expected_status=403)
    client_request.post("flags.new", answers(), _expected_status=403)
    client_request.post("flags.send", {**answers(), "request_key": "k" * 32}, _expected_status=403)


def test_someone_elses_flag_is_not_found(aino, login_as, client_request):
    location, _ = send_via_pages(aino)
    reference = location.rstrip("/").split("/")[-2]
    login_as("erik.lindqvist")
    client_request.get("flags.show", reference=reference, _expected_status=404)
    client_request.get("flags.sent", reference=reference, _expected_status=404)
    client_request.post("flags.more_info", {"text": "x"}, reference=reference, _expected_status=404)
    client_request.post("flags.disagree", {"reason": "x"}, reference=reference, _expected_status=404)
    assert reference not in client_request.get("flags.index").get_text()
