"""The chat assistant without a database: its knowledge base's validation and reloading, its text normalisation,
its matching on the real knowledge base, its CLI, and its accuracy on the evaluation set."""

from __future__ import annotations

import copy
import json
import logging
import os
from pathlib import Path

import pytest
import yaml

from bench.chat import DEV_PATH, QUESTIONS_PATH, evaluate, load_questions
from portal import create_app
from portal.assistant import answer
from portal.assistant import knowledge as knowledge_module
from portal.assistant.knowledge import DEFAULT_PATH, KnowledgeError, knowledge_base, load_knowledge, parse_knowledge
from portal.assistant.text import normalise, stems

LANGUAGES = ("fi", "sv", "selko", "en")


def _text(word: str, **extra: str) -> dict:
    return {"title": f"{word} title", "answer": f"{word} answer.", "questions": [f"{word} one", f"{word} two"], **extra}


def _minimal() -> dict:
    """The smallest valid knowledge base: two entries, every top-level section."""
    per_language = {language: f"{language} text" for language in LANGUAGES}
    return {
        "fallback": dict(per_language),
        "handover_reply": dict(per_language),
        "handover_phrases": {language: ["talk to a human"] for language in LANGUAGES},
        "action_labels": {"wallet": dict(per_language)},
        "entries": [
            {
                "id": "vouchers",
                "topic": "vouchers",
                "action": "wallet",
                **{language: _text("voucher") for language in LANGUAGES},
            },
            {
                "id": "switch-sote",
                "topic": "switching",
                "fact": "next_switch_sote",
                **{
                    lang: _text("switch", answer="Switch from {date}.", answer_anonymous="Switch later.")
                    for lang in LANGUAGES
                },
            },
        ],
    }


def _problems(data: dict) -> list[str]:
    with pytest.raises(KnowledgeError) as error:
        parse_knowledge(yaml.safe_dump(data, allow_unicode=True))
    return error.value.problems


@pytest.fixture(scope="module")
def app():
    config = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "RESIDENT_OIDC_ISSUER": "", "STAFF_OIDC_ISSUER": ""}
    application = create_app(config)
    with application.app_context():
        from portal.extensions import db

        db.create_all()  # an empty database: the organiser's settings are their defaults
        yield application


# -- the knowledge base ---------------------------------------------------------------------------------------


def test_the_shipped_knowledge_base_is_valid_and_complete():
    base = load_knowledge(DEFAULT_PATH)
    assert len(base.entries) >= 44
    topics = {entry.topic for entry in base.entries}
    assert {"listing", "switching", "vouchers", "budgets", "relatives", "flags", "login", "accessibility"} <= topics
    assert "contact" in topics
    for entry in base.entries:
        for language in LANGUAGES:
            assert len(entry.texts[language].questions) >= 4, (entry.id, language)


def test_the_minimal_knowledge_base_loads():
    base = parse_knowledge(yaml.safe_dump(_minimal()))
    assert [entry.id for entry in base.entries] == ["vouchers", "switch-sote"]
    assert base.entry("switch-sote").facts == ("next_switch_sote",)


def test_a_missing_language_names_the_entry_and_the_language():
    data = _minimal()
    del data["entries"][0]["sv"]
    assert "entry 'vouchers': language 'sv' is missing" in _problems(data)


def test_a_missing_answer_names_the_entry_language_and_field():
    data = _minimal()
    del data["entries"][1]["sv"]["answer"]
    assert "entry 'switch-sote': language 'sv' has no answer" in _problems(data)


def test_duplicate_ids_unknown_action_topic_and_fact_are_each_named():
    data = _minimal()
    data["entries"].append(copy.deepcopy(data["entries"][0]))
    data["entries"][0]["action"] = "teleport"
    data["entries"][0]["topic"] = "weather"
    data["entries"][1]["fact"] = "shoe_size"
    problems = _problems(data)
    assert "entry 'vouchers': the id is used by an earlier entry too" in problems
    assert any(p.startswith("entry 'vouchers': unknown action 'teleport'") for p in problems)
    assert any(p.startswith("entry 'vouchers': unknown topic 'weather'") for p in problems)
    assert any(p.startswith("entry 'switch-sote': unknown fact 'shoe_size'") for p in problems)


def test_placeholders_must_be_the_facts_own():
    data = _minimal()
    data["entries"][1]["en"]["answer"] = "Switch from {day}."
    data["entries"][0]["fi"]["answer"] = "Hello {name}."
    problems = _problems(data)
    switch, vouchers = "entry 'switch-sote': language 'en': the answer", "entry 'vouchers': language 'fi': the answer"
    assert f"{switch} has a placeholder {{day}} that its facts do not give" in problems
    assert f"{switch} does not use {{date}}, which its facts give" in problems
    assert f"{vouchers} has a placeholder {{name}} that its facts do not give" in problems


def test_a_fact_needs_a_general_answer_and_an_entry_two_questions():
    data = _minimal()
    del data["entries"][1]["selko"]["answer_anonymous"]
    data["entries"][0]["en"]["questions"] = ["only one"]
    problems = _problems(data)
    assert "entry 'switch-sote': language 'selko' has no answer_anonymous (said when the facts cannot be told)" in (
        problems
    )
    assert "entry 'vouchers': language 'en' has 1 questions; give at least 2" in problems


def test_unknown_fields_and_missing_sections_are_named():
    data = _minimal()
    data["entries"][1]["fi"]["anwser"] = "typo"
    del data["fallback"]["selko"]
    del data["action_labels"]["wallet"]["en"]
    problems = _problems(data)
    assert "entry 'switch-sote': language 'fi': unknown field 'anwser'" in problems
    assert "'fallback': language 'selko' has no text" in problems
    assert "'action_labels' of 'wallet': language 'en' has no text" in problems


def test_yaml_syntax_errors_are_reported_not_raised():
    with pytest.raises(KnowledgeError) as error:
        parse_knowledge("entries: [unclosed")
    assert error.value.problems[0].startswith("not valid YAML")


def _write(path: Path, data: dict, mtime: int) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    os.utime(path, ns=(mtime, mtime))


def test_reloaded_when_the_file_changes_and_a_broken_file_keeps_the_last_good_one(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(knowledge_module, "CHECK_INTERVAL_SECONDS", 0.0)
    path = tmp_path / "knowledge.yaml"
    data = _minimal()
    _write(path, data, 1_000_000_000_000_000_000)
    assert knowledge_base(path).entry("vouchers").texts["en"].title == "voucher title"

    data["entries"][0]["en"]["title"] = "Vouchers, edited"
    _write(path, data, 1_000_000_002_000_000_000)
    assert knowledge_base(path).entry("vouchers").texts["en"].title == "Vouchers, edited"

    broken = copy.deepcopy(data)
    del broken["entries"][0]["sv"]
    _write(path, broken, 1_000_000_004_000_000_000)
    with caplog.at_level(logging.ERROR, logger="portal.assistant.knowledge"):
        kept = knowledge_base(path)
    assert kept.entry("vouchers").texts["en"].title == "Vouchers, edited"
    assert "entry 'vouchers': language 'sv' is missing" in caplog.text
    assert "last good one stays in use" in caplog.text


def test_a_broken_file_with_no_good_one_before_raises(tmp_path, monkeypatch):
    monkeypatch.setattr(knowledge_module, "CHECK_INTERVAL_SECONDS", 0.0)
    path = tmp_path / "knowledge.yaml"
    path.write_text("entries: []\n", encoding="utf-8")
    with pytest.raises(KnowledgeError):
        knowledge_base(path)


# -- text -----------------------------------------------------------------------------------------------------


def test_inflected_finnish_and_swedish_words_share_stems():
    assert stems("vaihdan hammaslääkäriä", "fi") == stems("hammaslääkäri vaihdan", "fi")[::-1]
    assert stems("hammaslaakaria", "fi") == stems("hammaslääkäriä", "fi")  # typed without diacritics
    assert stems("tandläkaren", "sv") == stems("tandläkare", "sv")
    assert stems("sote-keskukseni", "fi")[0] == "sotekesku"  # the possessive suffix -ni goes with the ending
    assert stems("vaihdan", "selko") == stems("vaihdan", "fi")


def test_hyphenated_compounds_are_kept_and_split_and_stop_words_dropped():
    assert normalise("Sote-keskus!", "fi") == "sotekeskus sote keskus"
    assert stems("mä haluun vaihtaa", "fi") == stems("haluan vaihtaa", "fi")  # spoken forms, a subject pronoun
    assert stems("what's the weather", "en") == ["what", "weather"]


def test_unknown_language_is_refused():
    with pytest.raises(ValueError):
        stems("hello", "de")


# -- answering ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        ("mite mä vaihan terveyskeskusta", "fi", "switch-sote"),
        ("hammaslaakarin vaihtaminen", "fi", "switch-dental"),
        ("milloin voin vaihtaa sote-keskukseni", "fi", "switch-sote"),
        ("sote-keskuksen vaihto", "fi", "switch-sote"),
        ("hur byter jag tandläkaren", "sv", "switch-dental"),
        ("how do i change my dentsit", "en", "switch-dental"),  # a typing error
        ("when can i swicth my helth centre", "en", "switch-sote"),
        ("mikä on palvelusetelli", "selko", "what-is-voucher"),
    ],
)
def test_typos_and_inflections_find_the_entry(app, question, language, expected):
    reply = answer(question, language)
    assert reply.entry_id == expected and reply.confident, reply


def test_a_confident_answer_offers_its_action_in_the_language(app):
    reply = answer("paljonko setelissäni on jäljellä", "fi")
    assert reply.entry_id == "voucher-balance"
    assert (reply.action, reply.action_endpoint, reply.action_label) == (
        "wallet",
        "wallet.overview",
        "Palvelusetelit ja budjetti",
    )
    assert reply.runner_up is not None and reply.runner_up[1] < reply.confidence


def test_asking_for_a_person_hands_over(app):
    for question, language in (("haluan puhua ihmisen kanssa", "fi"), ("can I talk to a real person", "en")):
        reply = answer(question, language)
        assert reply.handover and reply.entry_id is None, reply
        assert reply.text == knowledge_base().handover_reply[language]


def test_medical_questions_are_answered_with_where_to_turn_and_handed_over(app):
    reply = answer("minulla on kova kuume mitä teen", "fi")
    assert reply.entry_id == "medical-advice" and reply.handover
    assert "112" in reply.text and "116117" in reply.text


def test_off_topic_is_unsure_and_offers_a_person(app):
    reply = answer("what is the weather like in Lapland tomorrow", "en")
    assert not reply.confident and not reply.handover and reply.entry_id is None
    assert reply.text == knowledge_base().fallback["en"]


def test_the_threshold_decides(app):
    sure = answer("how do I log in", "en")
    assert sure.confident
    strict = answer("how do I log in", "en", confidence=sure.confidence + 0.01)
    assert not strict.confident and strict.entry_id is None and strict.confidence == sure.confidence


def test_without_a_person_facts_the_general_text_and_the_organisers_phone(app):
    switch = answer("milloin voin vaihtaa sote-keskusta", "fi")
    assert switch.text == knowledge_base().entry("switch-sote").texts["fi"].answer_anonymous
    helpline = answer("what is the help line's phone number", "en")
    assert helpline.entry_id == "helpline" and "09\u00a0123\u00a04567" in helpline.text  # the default setting


def test_greetings_and_thanks_get_a_polite_reply(app):
    reply = answer("kiitos avusta", "fi")
    assert reply.text == knowledge_base().small_talk["thanks"].reply["fi"] and not reply.confident
    assert answer("hei", "fi").text == knowledge_base().small_talk["greeting"].reply["fi"]


def test_an_answer_takes_well_under_the_budget(app):
    import time

    answer("warm up", "fi")
    started = time.perf_counter()
    for _ in range(20):
        answer("kuinka usein voin vaihtaa hammashoitolaa tai sote-keskusta", "fi")
    assert (time.perf_counter() - started) / 20 < 0.5  # generous: bench/chat.py measures the real figure


def test_every_action_is_a_page_without_arguments(app):
    from flask import url_for

    from portal.assistant.knowledge import ACTIONS

    with app.test_request_context():
        for action, endpoint in ACTIONS.items():
            assert url_for(endpoint), action
    base = load_knowledge(DEFAULT_PATH)
    assert {entry.action for entry in base.entries if entry.action} <= set(base.action_labels)


# -- the CLI --------------------------------------------------------------------------------------------------


def test_cli_ask_prints_the_choice_as_json(app):
    result = app.test_cli_runner().invoke(args=["assistant", "ask", "--language", "fi", "vaihdan hammaslääkäriä"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["id"] == "switch-dental" and shown["confident"] is True and shown["handover"] is False
    assert 0 < shown["confidence"] <= 1 and shown["title"]
    assert set(shown["runner_up"]) == {"id", "confidence"}


def test_cli_check_reports_ok_or_every_problem(app, tmp_path):
    good = app.test_cli_runner().invoke(args=["assistant", "check"])
    assert good.exit_code == 0 and good.output.strip().endswith("entries, OK")
    data = _minimal()
    del data["entries"][0]["sv"]["answer"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    bad = app.test_cli_runner().invoke(args=["assistant", "check", str(path)])
    assert bad.exit_code == 1
    assert "entry 'vouchers': language 'sv' has no answer" in bad.output


# -- the evaluation set ---------------------------------------------------------------------------------------


def test_evaluation_and_development_questions_are_not_copies_of_the_knowledge_base():
    base = load_knowledge(DEFAULT_PATH)
    evaluation, development = load_questions(QUESTIONS_PATH), load_questions(DEV_PATH)
    for language in LANGUAGES:
        known = {normalise(q, language) for entry in base.entries for q in entry.texts[language].questions}
        known |= {normalise(entry.texts[language].title, language) for entry in base.entries}
        known |= {normalise(phrase, language) for phrase in base.handover_phrases[language]}
        for question, _ in evaluation[language] + development[language]:
            assert normalise(question, language) not in known, (language, question)
        apart = {normalise(q, language) for q, _ in development[language]}
        assert not apart & {normalise(q, language) for q, _ in evaluation[language]}


def test_evaluation_set_size_and_expected_entries():
    base = load_knowledge(DEFAULT_PATH)
    ids = {entry.id for entry in base.entries} | {"handover"}
    for language, items in load_questions(QUESTIONS_PATH).items():
        assert len(items) >= 65, language
        handovers = sum(1 for _, expected in items if expected == "handover")
        assert 0.1 <= handovers / len(items) <= 0.15, language
        assert {expected for _, expected in items} <= ids, language


@pytest.fixture(scope="module")
def evaluation(app):
    return evaluate(repeat=0).figures()


def test_accuracy_has_not_fallen(evaluation):
    """What the assistant reaches now (docs/assistant.md, "How accuracy is measured"): a guard against getting worse."""
    for language in LANGUAGES:
        assert evaluation[f"chat_answer_accuracy_{language}"] >= 0.81, language
        assert evaluation[f"chat_confident_wrong_{language}"] <= 0.04, language


@pytest.mark.xfail(reason="targets not reached yet: fi 0.83, sv 0.84 and plain language 0.82 answered right")
def test_accuracy_meets_the_targets(evaluation):
    for language in LANGUAGES:
        assert evaluation[f"chat_answer_accuracy_{language}"] >= 0.85, language
        assert evaluation[f"chat_confident_wrong_{language}"] <= 0.05, language
