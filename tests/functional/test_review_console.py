"""The organiser's review console: the queue and its filters, ageing and escalation, triage on a flag's page
(status with a template reply in the flagger's language, replies, internal notes, assignment, priority, provider
responses), suggestions (duplicates, category), the access log of every look, and the settings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.auth.services import CurrentUser
from portal.extensions import db
from portal.flags.services import FlagDraft, new_request_key, submit_flag
from portal.flags.settings import DEFAULT_KEYWORDS, DEFAULTS
from portal.flags.suggest import suggest_category
from portal.models import AuditEvent, Flag, FlagEvent, FlagNotification, OrganiserSetting, Person, SettingChange
from portal.models._types import utcnow

SV_TEMPLATE = DEFAULTS["flag_templates"]["in_review"]["sv"]


def make_person(number: int, municipality: str = "186", given: str = "Testi", language: str | None = None) -> Person:
    person = Person(
        oidc_issuer="test",
        oidc_subject=f"review-{number}",
        hetu_hash=f"review-hash-{number}",
        hetu_masked="150385-****",
        birth_date=date(1985, 3, 15),
        given_name=given,
        family_name=f"Asukas{number}",
        home_municipality_code=municipality,
        language=language,
    )
    db.session.add(person)
    db.session.commit()
    return person


def make_flag(
    person: Person,
    *,
    category: str = "information_not_moved",
    providers: list[tuple[str, str]] | None = None,
    text: str = "Tiedot eivät siirtyneet terveysasemalta kotihoitoon.",
    language: str = "fi",
    days_ago: int = 0,
    flagger: Person | None = None,
    basis: str | None = None,
    contact_method: str = "portal",
) -> Flag:
    who = flagger or person
    draft = FlagDraft(
        category=category,
        providers=providers if providers is not None else [("ptv-1", "Terveysasema Keskusta")],
        description=text,
        contact_method=contact_method,
        contact_email="testi@example.invalid" if contact_method == "email" else None,
    )
    flag = submit_flag(
        draft,
        person_id=person.id,
        flagger=CurrentUser("resident", who.id, who.given_name),
        basis=basis,
        language=language,
        request_key=new_request_key(),
    )
    if days_ago:
        then = utcnow() - timedelta(days=days_ago)
        flag.created_at = then
        for event in flag.events:
            event.at = then
        db.session.commit()
    return flag


@pytest.fixture
def organiser(app, login_as, client_request):
    login_as("olli.jarjestaja")
    client_request.get("main.home", lang="en")  # the assertions read the English pages (the default is Finnish)
    return app


def references(page) -> list[str]:
    return [link.text.strip() for link in page.select("#flags tbody th a")]


def test_queue_filters_each_narrow_the_list(organiser, client_request):
    with organiser.test_request_context():
        aino, erik = make_person(1, "186"), make_person(2, "638")
        base = make_flag(aino)
        fee = make_flag(aino, category="fee_charged", providers=[("ptv-2", "Hammashoitola Oy")], text="Maksu")
        swedish = make_flag(erik, providers=[("ptv-3", "Borgå hälsocentral")], language="sv", text="Remissen")
        old = make_flag(erik, days_ago=40, providers=[("ptv-3", "Borgå hälsocentral")])
        done = make_flag(aino)
        done.status, done.priority = "resolved", 1
        fee.priority = 1
        db.session.commit()
        refs = {name: flag.reference for name, flag in
                {"base": base, "fee": fee, "swedish": swedish, "old": old, "done": done}.items()}  # fmt: skip

    page = client_request.get("review.queue")
    assert set(references(page)) == {refs["base"], refs["fee"], refs["swedish"], refs["old"]}  # open ones
    assert references(page)[0] != refs["old"]  # newest first
    assert references(client_request.get("review.queue", order="oldest"))[0] == refs["old"]
    assert set(references(client_request.get("review.queue", status="all"))) == set(refs.values())
    assert references(client_request.get("review.queue", status="resolved")) == [refs["done"]]
    assert references(client_request.get("review.queue", category="fee_charged")) == [refs["fee"]]
    assert references(client_request.get("review.queue", provider="ptv-2")) == [refs["fee"]]
    assert set(references(client_request.get("review.queue", provider="borgå"))) == {refs["swedish"], refs["old"]}
    assert set(references(client_request.get("review.queue", municipality="638"))) == {refs["swedish"], refs["old"]}
    assert references(client_request.get("review.queue", age="30")) == [refs["old"]]
    assert references(client_request.get("review.queue", age="target")) == [refs["old"]]
    assert references(client_request.get("review.queue", priority="1")) == [refs["fee"]]
    assert references(client_request.get("review.queue", assignee="me")) == []
    assert len(references(client_request.get("review.queue", assignee="unassigned"))) == 4
    # The municipality's name, never a person's: the queue holds no personal details.
    page = client_request.get("review.queue", status="all")
    assert "Porvoo" in page.select_one("#flags").text
    assert "Asukas" not in page.text and "Testi" not in page.text
    # htmx gets the results block alone.
    fragment = client_request.get("review.queue", _headers={"HX-Request": "true"}, category="fee_charged")
    assert fragment.select_one("#results") is not None and fragment.select_one("form.filters") is None
    # Hostile filter values are refused or ignored, never an error.
    client_request.get("review.queue", _expected_status=400, provider="a\x00b")
    assert len(references(client_request.get("review.queue", status="nonsense", page="x"))) == 4


def test_ageing_highlight_and_escalation(organiser, client_request):
    with organiser.test_request_context():
        person = make_person(1)
        fresh = make_flag(person).reference
        late = make_flag(person, days_ago=20).reference  # past the 14-day target, no answer in 7 days
        answered = make_flag(person, days_ago=10)  # not past the target, but answered 2 days ago
        db.session.add(
            FlagEvent(flag_id=answered.id, kind="reply", actor_kind="staff", actor_id=1, text="Hei",
                      at=utcnow() - timedelta(days=2))
        )  # fmt: skip
        silent = make_flag(person, days_ago=9).reference  # not past the target, but no answer in 7 days
        answered_ref = answered.reference
        db.session.commit()
    page = client_request.get("review.queue")
    rows = {row.select_one("th a").text.strip(): row for row in page.select("#flags tbody tr")}
    assert "queue-row--late" in rows[late].get("class", [])
    assert "Past the target" in rows[late].text and "Escalated" in rows[late].text
    assert "queue-row--late" not in rows[fresh].get("class", []) and "Escalated" not in rows[fresh].text
    assert "Escalated" not in rows[answered_ref].text
    assert "Escalated" in rows[silent].text and "Past the target" not in rows[silent].text
    assert set(references(client_request.get("review.queue", age="escalated"))) == {late, silent}


def post(client_request, endpoint, data, reference, expected=303, **values):
    return client_request.post(endpoint, data, _expected_status=expected, reference=reference, **values)


def test_triage_with_template_reply_in_the_flaggers_language(organiser, client_request):
    with organiser.test_request_context():
        erik = make_person(1, "638", given="Erik", language="sv")
        flag = make_flag(
            erik, language="sv", contact_method="email",
            providers=[("ptv-1", "Borgå hälsocentral"), ("ptv-2", "Hemvården Ab")],
        )  # fmt: skip
        reference, providers = flag.reference, [p.id for p in flag.providers]
        olli = db.session.scalar(select(Flag.assignee_id))  # None
        assert olli is None

    # The template for "in review", in Swedish, with Erik's name, even though the organiser reads in English.
    page = client_request.get("review.detail", reference=reference, template="in_review", lang="en")
    typed = page.select_one("#message").text.strip()
    assert typed == SV_TEMPLATE.format(name="Erik", reference=reference)
    fragment = client_request.get(
        "review.detail", reference=reference, template="in_review", _headers={"HX-Request": "true"}
    )
    assert fragment.select_one("form#status-form") is not None and fragment.select_one("h1") is None

    post(client_request, "review.change_status", {"status": "in_review", "message": typed}, reference)
    staff = client_request.get("review.detail", reference=reference)
    assign_options = {option.text.strip(): option["value"] for option in staff.select("#assignee option")}
    post(client_request, "review.assign", {"assignee": assign_options["Olli Järjestäjä"]}, reference)
    post(client_request, "review.priority", {"priority": "1"}, reference)
    post(client_request, "review.note", {"note": "Sisäinen: soita hemvårdenille"}, reference)
    post(client_request, "review.reply", {"reply": "Tack, vi återkommer."}, reference)
    post(client_request, "review.response", {f"provider-{providers[0]}-response": "Vi skickade uppgifterna."},
         reference, provider_row_id=providers[0])  # fmt: skip
    post(client_request, "review.response", {f"provider-{providers[1]}-response": "Vi fick inget."},
         reference, provider_row_id=providers[1])  # fmt: skip
    # Forwarded needs the body it went to; what was typed stays.
    refused = post(client_request, "review.change_status", {"status": "forwarded", "message": "Skickat <b>"},
                   reference, expected=400)  # fmt: skip
    assert refused.select_one("#message").text.strip() == "Skickat <b>"
    assert "Enter the body the flag was forwarded to." in refused.text
    post(client_request, "review.change_status", {"status": "forwarded", "forwarded_to": "Potilasasiamies"}, reference)

    with organiser.app_context():
        flag = db.session.scalar(select(Flag).filter_by(reference=reference))
        assert flag.status == "forwarded" and flag.forwarded_to == "Potilasasiamies"
        assert flag.priority == 1 and flag.assignee.name == "Olli Järjestäjä"
        kinds = [event.kind for event in flag.events]
        assert kinds == ["created", "status", "assigned", "priority", "note", "reply", "provider_response",
                         "provider_response", "status"]  # fmt: skip
        responses = [e.provider_id for e in flag.events if e.kind == "provider_response"]
        assert responses == ["ptv-1", "ptv-2"]
        assert flag.events[1].text == SV_TEMPLATE.format(name="Erik", reference=reference)
        # The flagger is told of what they see only: two statuses, the reply and two responses.
        notified = db.session.scalars(select(FlagNotification.event_id).filter_by(flag_id=flag.id)).all()
        visible = [e.id for e in flag.events if e.kind in ("status", "reply", "provider_response")]
        assert sorted(notified) == sorted(visible)
        assert all(e.visible_to_flagger is False for e in flag.events if e.kind in ("note", "assigned", "priority"))

    page = client_request.get("review.detail", reference=reference)
    timeline = page.select_one("ol.timeline").text
    assert "Vi skickade uppgifterna." in timeline and "Vi fick inget." in timeline
    note = next(item for item in page.select("ol.timeline li") if "soita" in item.text)
    assert "Internal" in note.text and "timeline__item--internal" in note["class"]


def test_internal_note_never_on_the_flaggers_page(organiser, client, client_request, login_as):
    from portal.flags.services import timeline

    with organiser.test_request_context():
        flag = make_flag(make_person(1))
        reference = flag.reference
    post(client_request, "review.note", {"note": "Vain meille"}, reference)
    post(client_request, "review.reply", {"reply": "Hei, katsomme asiaa."}, reference)
    with organiser.app_context():
        flag = db.session.scalar(select(Flag).filter_by(reference=reference))
        seen = [event.text for event in timeline(flag, for_flagger=True)]
        assert "Hei, katsomme asiaa." in seen and "Vain meille" not in seen


def test_refused_forms_keep_what_was_typed(organiser, client_request):
    with organiser.test_request_context():
        reference = make_flag(make_person(1)).reference
    long = "x" * 4001
    page = post(client_request, "review.reply", {"reply": long}, reference, expected=400)
    assert "at most 4000 characters" in page.text and page.select_one("#reply").text.strip() == long
    page = post(client_request, "review.note", {"note": "a\x07b"}, reference, expected=400)
    assert page.select_one(".error-summary a[href='#note']") is not None
    post(client_request, "review.priority", {"priority": "9"}, reference, expected=400)
    post(client_request, "review.assign", {"assignee": "99999"}, reference, expected=400)
    post(client_request, "review.response", {"x": "y"}, reference, expected=404, provider_row_id=999999)
    client_request.get("review.detail", _expected_status=404, reference="FXXXX-XXXX")


def test_duplicates_and_category_suggestions(organiser, client_request):
    with organiser.test_request_context():
        a, b, c = make_person(1), make_person(2), make_person(3)
        shared = [("ptv-1", "Terveysasema Keskusta"), ("ptv-2", "Kotihoito Oy")]
        text = "Lähete fysioterapiaan katosi terveysaseman ja kotihoidon välillä, kukaan ei soittanut."
        first = make_flag(a, category="other", providers=shared, text=text)
        twin = make_flag(b, category="referral_lost", providers=shared, text=text.replace("kukaan", "ei kukaan"))
        unrelated = make_flag(c, providers=[("ptv-9", "Muu Oy")], text="Laskutus oli väärin hammashoitolassa.")
        refs = first.reference, twin.reference, unrelated.reference
    page = client_request.get("review.detail", reference=refs[0])
    similar = [link.text.strip() for link in page.select("#similar tbody th a")]
    assert similar == [refs[1]]
    assert "A referral or follow-up was lost" in page.select_one("main").text  # the suggested category
    assert refs[2] not in page.text

    assert suggest_category("Lähetettä ei koskaan tullut, jatkohoito jäi", DEFAULT_KEYWORDS, "fi") == "referral_lost"
    assert suggest_category("Min remiss försvann och ingen uppföljning", DEFAULT_KEYWORDS, "sv") == "referral_lost"
    assert suggest_category("De tog en avgift och skickade en faktura", DEFAULT_KEYWORDS, "sv") == "fee_charged"


def test_every_look_is_in_the_access_log(organiser, client_request):
    with organiser.test_request_context():
        person = make_person(1)
        reference = make_flag(person).reference
        person_id = person.id

    def looks() -> int:
        with organiser.app_context():
            return db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .filter_by(action="flag_viewed", subject_person_id=person_id)
            )

    client_request.get("review.queue")
    assert looks() == 0  # the queue is no look at personal data
    client_request.get("review.detail", reference=reference)
    client_request.get("review.detail", reference=reference)
    assert looks() == 2
    with organiser.app_context():
        row = db.session.scalar(select(AuditEvent).filter_by(action="flag_viewed"))
        assert row.actor_kind == "staff" and row.basis == "role:organiser" and reference in row.detail


def test_detail_shows_who_and_the_mandate(organiser, client_request):
    from portal.models import Mandate

    with organiser.test_request_context():
        helmi, sari = make_person(1, given="Helmi"), make_person(2, given="Sari")
        mandate = Mandate(agent_id=sari.id, principal_id=helmi.id, scopes="flags", valid_from=date(2026, 1, 1))
        db.session.add(mandate)
        db.session.commit()
        text = "Rivi 1\n  sisennetty <b>ei lihavoitu</b>"
        reference = make_flag(helmi, flagger=sari, basis=f"mandate:{mandate.public_id}", text=text).reference
    page = client_request.get("review.detail", reference=reference)
    main = page.select_one("main").text
    assert "Helmi Asukas1" in main and "150385-****" in main and "Sari Asukas2, a relative" in main
    description = page.select_one(".typed-text")
    assert description.text == text and description.select_one("b") is None


def test_settings_refuse_an_unknown_placeholder_and_keep_what_was_typed(organiser, client_request):
    page = client_request.get("review.settings")
    form = {field["name"]: field.get("value", "") for field in page.select("form[method=post] input")}
    form.update({area["name"]: area.text.lstrip("\n") for area in page.select("form[method=post] textarea")})
    typed = "Hej {name}, {förnamn} ärende {reference}"
    bad = {**form, "template_in_review_sv": typed, "target_days": "21"}
    refused = client_request.post("review.settings", bad, _expected_status=400)
    assert "Remove {förnamn}." in refused.text
    assert refused.select_one("#template_in_review_sv").text.strip() == typed
    assert refused.select_one("#target_days")["value"] == "21"
    client_request.post("review.settings", {**form, "target_days": "0"}, _expected_status=400)
    with organiser.app_context():
        assert db.session.scalar(select(func.count()).select_from(SettingChange)) == 0

    # Saving the form as shown changes nothing; a change is stored and recorded.
    client_request.post("review.settings", form, _expected_status=303)
    with organiser.app_context():
        assert db.session.scalar(select(func.count()).select_from(OrganiserSetting)) == 0
    good = {**form, "target_days": "21", "keywords_fee_charged_sv": "avgift\nkostnad"}
    client_request.post("review.settings", good, _expected_status=303)
    with organiser.app_context():
        changes = {change.key for change in db.session.scalars(select(SettingChange))}
        assert changes == {"flag_target_days", "flag_keywords"}
        from portal.flags.settings import load_flag_settings

        settings = load_flag_settings()
        assert settings.target_days == 21 and settings.keywords["fee_charged"]["sv"] == ["avgift", "kostnad"]


@pytest.mark.parametrize("sub", ["aino.virtanen", "liisa.neuvoja"])
def test_residents_and_the_help_line_are_refused(app, login_as, client_request, sub):
    with app.test_request_context():
        reference = make_flag(make_person(1)).reference
    login_as(sub)
    client_request.get("review.queue", _expected_status=403)
    client_request.get("review.detail", _expected_status=403, reference=reference)
    client_request.get("review.settings", _expected_status=403)
    client_request.post("review.note", {"note": "x"}, _expected_status=403, reference=reference)
