"""The assistant's answers with a resident's own facts, on both databases: the next day they can switch, where they
are listed, the organiser's settings; and the general text for anyone not logged in or with nothing to tell."""

from __future__ import annotations

from datetime import date

from portal.assistant import answer, facts_for
from portal.assistant.knowledge import knowledge_base
from portal.choice.rules import save_settings
from portal.extensions import db
from portal.formatting import format_day
from portal.models import Choice
from tests.wallet_data import person

TODAY = date(2026, 11, 22)
SWITCH_SOTE = "milloin voin vaihtaa sote-keskukseni"


def _listed(person_id: int, kind: str, effective_on: date, name: str = "Terveysasema Kuutamo") -> None:
    db.session.add(
        Choice(
            reference=f"R{person_id}{kind[:1].upper()}{effective_on:%m%d}",
            request_key=f"key-{person_id}-{kind}-{effective_on}",
            person_id=person_id,
            kind=kind,
            location_id="00000000-0000-4000-8000-000000000001",
            organisation_id="00000000-0000-4000-8000-000000000002",
            unit_name_fi=name,
            unit_name_sv=f"{name} (sv)",
            effective_on=effective_on,
            actor_kind="resident",
            actor_id=person_id,
        )
    )
    db.session.commit()


def test_a_listed_resident_is_told_the_day_they_can_next_switch(app):
    with app.app_context():
        aino = person("aino.virtanen")
        _listed(aino.id, "sote_centre", date(2026, 9, 1))
        reply = answer(SWITCH_SOTE, "fi", facts_for(aino.id, today=TODAY))
        assert reply.entry_id == "switch-sote" and reply.confident
        next_switch = format_day(date(2027, 3, 1), "day", "fi")  # six months, the pilot's interval, after 1.9.
        assert reply.text.startswith(f"Voit seuraavan kerran vaihtaa sote-keskustasi {next_switch} alkaen.")

        english = answer("when can I switch my sote centre", "en", facts_for(aino.id, today=TODAY))
        assert format_day(date(2027, 3, 1), "day", "en") in english.text


def test_the_interval_is_the_organisers_setting_and_a_passed_date_is_today(app):
    with app.app_context():
        erik = person("erik.lindqvist")
        _listed(erik.id, "sote_centre", date(2026, 9, 1))
        save_settings({"interval_months": 12}, staff_id=None)
        reply = answer(SWITCH_SOTE, "fi", facts_for(erik.id, today=TODAY))
        assert format_day(date(2027, 9, 1), "day", "fi") in reply.text
        later = answer(SWITCH_SOTE, "fi", facts_for(erik.id, today=date(2027, 10, 5)))
        assert format_day(date(2027, 10, 5), "day", "fi") in later.text  # switching is allowed already: from today
        interval = answer("kuinka usein voin vaihtaa", "fi")
        assert interval.entry_id == "switch-interval" and "12 kuukautta" in interval.text


def test_a_waiting_choice_counts_from_the_day_it_takes_effect(app):
    with app.app_context():
        helmi = person("helmi.nieminen")
        _listed(helmi.id, "dental_unit", date(2026, 3, 1))
        _listed(helmi.id, "dental_unit", date(2026, 12, 1))
        reply = answer("milloin voin vaihtaa hammashoitolaa", "fi", facts_for(helmi.id, today=TODAY))
        assert reply.entry_id == "switch-dental"
        assert format_day(date(2027, 6, 1), "day", "fi") in reply.text


def test_where_the_resident_is_listed_in_their_language(app):
    with app.app_context():
        aino = person("aino.virtanen")
        _listed(aino.id, "sote_centre", date(2026, 9, 1))
        reply = answer("vilken är min hälsocentral nu", "sv", facts_for(aino.id, today=TODAY))
        assert reply.entry_id == "current-unit"
        assert "Terveysasema Kuutamo (sv)" in reply.text


def test_nobody_logged_in_or_nothing_to_tell_gets_the_general_text(app):
    with app.app_context():
        aino = person("aino.virtanen")
        _listed(aino.id, "sote_centre", date(2026, 9, 1))
        general = knowledge_base().entry("switch-sote").texts["fi"].answer_anonymous
        assert answer(SWITCH_SOTE, "fi").text == general  # no facts: nobody is logged in
        never_listed = person("erik.lindqvist")
        assert answer(SWITCH_SOTE, "fi", facts_for(never_listed.id, today=TODAY)).text == general


def test_the_help_line_number_is_the_organisers_for_anyone(app):
    with app.app_context():
        save_settings({"helpline_phone": "0800 123 456"}, staff_id=None)
        reply = answer("mikä on neuvontapuhelimen numero", "fi")
        assert reply.entry_id == "helpline"
        assert "0800\u00a0123\u00a0456" in reply.text
