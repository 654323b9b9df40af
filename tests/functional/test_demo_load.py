from datetime import UTC, date

from sqlalchemy import func, select

from adapters.ptv.hours import HELSINKI
from portal.choice.rules import load_rules
from portal.demo.feedback import ISSUER as RESPONDENTS
from portal.demo.load import load_demo_data
from portal.extensions import db
from portal.models import CatalogueLocation, Choice, Feedback, Person


def test_demo_load_is_idempotent_and_fills_the_catalogue(app):
    with app.app_context():
        first = list(load_demo_data(date(2026, 11, 22)))
        people = db.session.scalar(select(func.count()).select_from(Person))
        locations = db.session.scalar(select(func.count()).select_from(CatalogueLocation))
        second = list(load_demo_data(date(2026, 11, 22)))
        respondents = db.session.scalar(select(func.count()).select_from(Person).filter_by(oidc_issuer=RESPONDENTS))
        assert people - respondents == 5 and respondents == 15 and locations >= 40  # the personas, who log in
        assert db.session.scalar(select(func.count()).select_from(Person)) == people
        assert "0 added, 0 changed" in second[1] and "0 added" not in first[1]
        assert all(p.last_login_at is None for p in db.session.scalars(select(Person)))
        # The four demo listings, once; Helmi's switch also left the listing it ended.
        assert db.session.scalar(select(func.count()).select_from(Choice)) == 5
        assert "Demo listings: 4 added for the demo residents." in first
        assert "Demo listings: 0 added for the demo residents." in second
        assert db.session.scalar(select(func.count()).select_from(Feedback)) == 19
        assert any(line.startswith("Demo feedback: 0 answers added") for line in second)


def test_the_demo_history_is_as_consistent_as_real_choices(app):
    """Each demo choice was chosen on a past day, took effect on the day the rules give for it, had its take-effect
    messages written that morning, and a switch ended the listing before it: the history page showed "chosen today"
    for listings that took effect a year ago."""
    today = date(2026, 12, 1)
    with app.app_context():
        list(load_demo_data(today))
        rules = load_rules()
        choices = db.session.scalars(select(Choice).order_by(Choice.id)).all()
        for choice in choices:
            chosen_on = choice.chosen_at.replace(tzinfo=UTC).astimezone(HELSINKI).date()
            took_effect = choice.took_effect_at.replace(tzinfo=UTC).astimezone(HELSINKI)
            assert chosen_on < today and rules.effective_on(chosen_on) == choice.effective_on <= today
            assert took_effect.date() == choice.effective_on
            assert choice.cancelled_at is None
        helmi = [c for c in choices if c.person.oidc_subject == "helmi.nieminen"]
        assert len(helmi) == 2 and helmi[1].previous_choice_id == helmi[0].id
        assert helmi[0].ended_on == helmi[1].effective_on and helmi[1].ended_on is None
        assert helmi[0].location_id != helmi[1].location_id
        aino = {c.kind: c for c in choices if c.person.oidc_subject == "aino.virtanen"}
        assert aino["sote_centre"].effective_on == date(2025, 10, 1)  # fourteen months ago: she can switch
        assert aino["dental_unit"].effective_on == date(2026, 10, 1)  # two months ago: too early to switch
