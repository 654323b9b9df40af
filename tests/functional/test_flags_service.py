"""The flag service on its own: sending once per request key, what the flagger may do afterwards, what the
organiser's actions write (timeline, notifications, access log), and the suggestions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.auth.services import CurrentUser
from portal.extensions import db
from portal.flags import services
from portal.flags.settings import DEFAULT_KEYWORDS
from portal.flags.suggest import similar_flags, suggest_category
from portal.models import AuditEvent, Flag, FlagNotification
from tests.wallet_data import person

STAFF = CurrentUser("staff", 1, "Olli", roles=frozenset({"organiser"}))


def resident(sub: str) -> CurrentUser:
    found = person(sub)
    return CurrentUser("resident", found.id, found.display_name)


def send(sub: str, text: str, providers=(("p-1", "Kuutamo Terveys"), ("p-2", "Hammas Oy")), **fields) -> Flag:
    who = resident(sub)
    draft = services.FlagDraft(
        category=fields.pop("category", "information_not_moved"),
        providers=list(providers),
        description=text,
        contact_method=fields.pop("contact_method", "portal"),
        contact_email=fields.pop("contact_email", None),
    )
    return services.submit_flag(
        draft,
        person_id=fields.pop("person_id", who.id),
        flagger=who,
        basis=fields.pop("basis", None),
        language=fields.pop("language", "fi"),
        request_key=fields.pop("request_key", services.new_request_key()),
    )


@pytest.fixture
def staff(app):
    from portal.models import StaffUser

    with app.app_context():
        row = StaffUser(oidc_issuer="test", oidc_subject="olli", name="Olli")
        db.session.add(row)
        db.session.commit()
        return CurrentUser("staff", row.id, "Olli", roles=frozenset({"organiser"}))


def test_a_request_key_sends_one_flag_and_the_text_is_kept_exactly(app):
    with app.app_context():
        text = "  Lähete <script>alert(1)</script> ei mennyt perille 🙁\n\nToinen kappale.  "
        first = send("aino.virtanen", text, request_key="k" * 32)
        again = send("aino.virtanen", "something else", request_key="k" * 32)
        assert again.id == first.id
        assert db.session.scalar(select(func.count()).select_from(Flag)) == 1
        assert first.description == text
        assert [p.provider_id for p in first.providers] == ["p-1", "p-2"]
        assert first.reference.startswith("F") and first.status == "new"


def test_dispute_only_after_closing_unresolved_or_forwarding_and_only_once(app, staff):
    with app.app_context():
        flag = send("aino.virtanen", "Tieto ei siirtynyt")
        aino = resident("aino.virtanen")
        with pytest.raises(services.FlagRefused, match="not_disputable"):
            services.dispute(flag, "En hyväksy", aino)
        with pytest.raises(services.FlagRefused, match="forwarded_to_required"):
            services.change_status(flag, "forwarded", staff, forwarded_to=" ")
        services.change_status(flag, "forwarded", staff, reply="Välitetty", forwarded_to="Potilasasiavastaava")
        assert flag.closed_at is not None and flag.forwarded_to == "Potilasasiavastaava"
        services.dispute(flag, "Asia kuuluu teille", aino)
        assert flag.status == "disputed" and flag.closed_at is None
        services.change_status(flag, "closed_unresolved", staff)
        with pytest.raises(services.FlagRefused, match="already_disputed"):
            services.dispute(flag, "Taas", aino)


def test_only_what_the_flagger_sees_notifies_and_only_email_contact_is_mailed(app, staff):
    with app.app_context():
        flag = send("aino.virtanen", "x", contact_method="email", contact_email="aino@example.invalid")
        services.add_note(flag, "internal", staff)
        services.assign(flag, staff.id, staff)
        services.set_priority(flag, 1, staff)
        assert db.session.scalar(select(func.count()).select_from(FlagNotification)) == 0
        services.change_status(flag, "in_review", staff, reply="Otettu käsittelyyn")
        services.record_response(flag, flag.providers[0].id, "Tiedot lähetetty uudelleen", staff)
        rows = db.session.scalars(select(FlagNotification)).all()
        assert len(rows) == 2 and {row.email_status for row in rows} == {"pending"}
        visible = services.timeline(flag, for_flagger=True)
        assert "note" not in {event.kind for event in visible}
        assert {"note", "assigned", "priority"} <= {event.kind for event in services.timeline(flag, for_flagger=False)}
        looks = db.session.scalars(select(AuditEvent).where(AuditEvent.actor_kind == "staff")).all()
        assert looks and all(row.subject_person_id == flag.person_id and row.basis for row in looks)


def test_a_relatives_flag_is_about_the_person_and_logged(app):
    with app.app_context():
        helmi = person("helmi.nieminen")
        flag = send("sari.nieminen", "Maksu perittiin", person_id=helmi.id, basis="mandate:abc")
        assert flag.person_id == helmi.id and flag.flagger_id != helmi.id and flag.basis == "mandate:abc"
        row = db.session.scalar(select(AuditEvent).filter_by(action="flag_sent"))
        assert row.subject_person_id == helmi.id and row.basis == "mandate:abc"


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Lähetettä ei koskaan tullut perille ja jatkohoito jäi", "fi", "referral_lost"),
        ("Minulta laskutettiin maksu vaikka minulla oli asiakasseteli", "fi", "fee_charged"),
        ("Remissen kom aldrig fram och uppföljningen uteblev", "sv", "referral_lost"),
        ("They charged me a fee and sent an invoice", "en", "fee_charged"),
        ("Kukaan ei vastannut", "fi", None),
    ],
)
def test_a_category_is_suggested_from_the_words_in_the_flags_language(text, language, expected):
    assert suggest_category(text, DEFAULT_KEYWORDS, language) == expected


def test_similar_flags_share_providers_or_person_and_words(app):
    with app.app_context():
        first = send("aino.virtanen", "Hammaslääkäri ei saanut tietoja sote-keskuksesta, röntgenkuvat puuttuivat")
        send("erik.lindqvist", "Hammaslääkäri ei saanut tietoja sote-keskuksesta ja röntgenkuvat puuttuivat taas")
        send("erik.lindqvist", "Taksi ei tullut ajoissa", providers=(("p-9", "Taksi Oy"),))
        found = similar_flags(first)
        assert len(found) == 1 and found[0].shared_providers == 2 and found[0].score >= 80
