"""The chat assistant: answers a question from the organiser's knowledge base, or says it is not sure and offers a
person (docs/assistant.md). Everything it says comes from the knowledge base, in the conversation's language.

    answer("milloin voin vaihtaa sote-keskusta", "fi", facts_for(person_id)) -> Reply
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.assistant.facts import Facts, facts_for, public_facts
from portal.assistant.knowledge import (
    ACTIONS,
    LANGUAGES,
    SMALL_TALK_KEY,
    Entry,
    KnowledgeBase,
    KnowledgeError,
    knowledge_base,
)
from portal.assistant.match import HANDOVER, match_question
from portal.assistant.text import words

__all__ = [
    "DEFAULT_CONFIDENCE",
    "DEFAULT_MARGIN",
    "DEFAULT_SHORT_CONFIDENCE",
    "Facts",
    "KnowledgeError",
    "Reply",
    "answer",
    "facts_for",
]

# Chosen on the knowledge base's own questions, each matched against the others (docs/assistant.md, "Threshold").
DEFAULT_CONFIDENCE = 0.5
DEFAULT_MARGIN = 0.04  # a runner-up this close to the best makes the answer unsure: two entries fit about as well
# A question of this many content words or fewer ("mistä seteli", "min hälsocentral") says little: one shared word
# with the wrong entry scores high, so it is answered only from a higher score (ASSISTANT_SHORT_CONFIDENCE); chosen
# on the development questions (docs/assistant.md, "How the settings were chosen").
SHORT_QUESTION_WORDS = 3
SHORT_QUESTION_LANGUAGES = frozenset({"selko"})  # plain-language questions: short by design, and most often vague
DEFAULT_SHORT_CONFIDENCE = 0.55
MAX_QUESTION_CHARS = 500  # a question longer than this is matched on its beginning


@dataclass(frozen=True)
class Reply:
    entry_id: str | None  # the entry whose answer is said; None when unsure or when the person asked for a human
    title: str | None
    text: str  # what the assistant says, in the language: the answer, or "I am not sure..."
    action: str | None  # named action (knowledge.ACTIONS), or None
    action_endpoint: str | None  # Flask endpoint for url_for, or None
    action_label: str | None  # link text, in the language
    confidence: float
    runner_up: tuple[str, float] | None
    confident: bool
    handover: bool  # a person should be offered at once: asked for, or the entry hands over (medical questions)


def _settings() -> tuple[float, float, float]:
    """The threshold, the margin and the threshold for short questions."""
    from flask import current_app, has_app_context

    if has_app_context():
        config = current_app.config
        return (
            float(config.get("ASSISTANT_CONFIDENCE", DEFAULT_CONFIDENCE)),
            float(config.get("ASSISTANT_MARGIN", DEFAULT_MARGIN)),
            float(config.get("ASSISTANT_SHORT_CONFIDENCE", DEFAULT_SHORT_CONFIDENCE)),
        )
    return DEFAULT_CONFIDENCE, DEFAULT_MARGIN, DEFAULT_SHORT_CONFIDENCE


def answer(
    question: str,
    language: str,
    facts: Facts | None = None,
    *,
    base: KnowledgeBase | None = None,
    confidence: float | None = None,
) -> Reply:
    """The assistant's reply to `question` in `language` (fi, sv, selko, en). `facts` are the logged-in person's
    (`facts_for(person_id)`); without them only the organiser's public settings fill answers. `base` and
    `confidence` default to the configured knowledge base and ASSISTANT_CONFIDENCE."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; use one of {', '.join(LANGUAGES)}")
    base = base or knowledge_base()
    threshold, margin, short = _settings()
    found = match_question(base.indexes[language], question[:MAX_QUESTION_CHARS])
    if confidence is not None:  # the caller's threshold, for every question
        threshold = confidence
    elif language in SHORT_QUESTION_LANGUAGES and found.size <= SHORT_QUESTION_WORDS:
        threshold = max(threshold, short)
    if found.best is None:
        return _small_talk(base, question, language, 0.0, None) or _unsure(base, language, 0.0, None)
    key, score = found.best
    runner_up = found.runner_up
    sure = score >= threshold and (runner_up is None or score - runner_up[1] >= margin)
    if key == HANDOVER and sure:
        return Reply(None, None, base.handover_reply[language], None, None, None, score, runner_up, True, True)
    if key.startswith(SMALL_TALK_KEY) and sure:
        talk = base.small_talk[key.removeprefix(SMALL_TALK_KEY)]
        return Reply(None, None, talk.reply[language], None, None, None, score, runner_up, False, False)
    entry = base.entry(key)
    if entry is None or not sure:
        return _small_talk(base, question, language, score, runner_up) or _unsure(base, language, score, runner_up)
    return _reply(base, entry, language, facts or public_facts(), score, runner_up)


def _small_talk(
    base: KnowledgeBase, question: str, language: str, score: float, runner_up: tuple[str, float] | None
) -> Reply | None:
    """A greeting or thanks that is no question the assistant can answer: the polite reply, still not sure."""
    said = set(words(question, language))
    for talk in base.small_talk.values():
        if said & talk.words[language]:
            return Reply(None, None, talk.reply[language], None, None, None, score, runner_up, False, False)
    return None


def _unsure(base: KnowledgeBase, language: str, score: float, runner_up: tuple[str, float] | None) -> Reply:
    return Reply(None, None, base.fallback[language], None, None, None, score, runner_up, False, False)


def _reply(
    base: KnowledgeBase,
    entry: Entry,
    language: str,
    facts: Facts,
    score: float,
    runner_up: tuple[str, float] | None,
) -> Reply:
    text = entry.texts[language]
    template, values = text.answer, dict[str, str]()
    for fact in entry.facts:
        given = facts.values(fact, language)
        if given is None:  # not logged in, nothing to tell (no listing), or unreadable: the general answer
            template, values = text.answer_anonymous or text.answer, {}
            break
        values.update(given)
    said = template.format(**values)
    action = entry.action
    return Reply(
        entry_id=entry.id,
        title=text.title,
        text=said,
        action=action,
        action_endpoint=ACTIONS[action] if action else None,
        action_label=base.action_labels[action][language] if action else None,
        confidence=score,
        runner_up=runner_up,
        confident=True,
        handover=entry.handover,
    )
