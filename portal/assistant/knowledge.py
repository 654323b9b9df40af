"""The knowledge base: the organiser's YAML file of questions and answers, checked whole before it is used.

`load_knowledge(path)` parses and validates a file and builds its match indexes, or raises `KnowledgeError` with
every problem found, each naming the entry, the language and the field. `knowledge_base()` is what the assistant
reads: the file named by ASSISTANT_KNOWLEDGE_BASE, reloaded when its modification time changes (looked at most
once a second), where a file that fails validation never replaces the last good one: the error is logged and the
last good one answers on. The format is described at the top of portal/data/assistant/knowledge.yaml and in
docs/assistant.md.
"""

from __future__ import annotations

import logging
import re
import string
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from portal.assistant.facts import FACTS
from portal.assistant.match import Index, build_index
from portal.assistant.text import words as words_of

log = logging.getLogger(__name__)

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "assistant" / "knowledge.yaml"
LANGUAGES = ("fi", "sv", "selko", "en")
TOPICS = ("listing", "switching", "vouchers", "budgets", "relatives", "flags", "login", "accessibility", "contact",
          "privacy", "chat", "general")  # fmt: skip
# The links an answer can offer: a name the organiser uses -> the page's endpoint (none takes arguments).
ACTIONS = {
    "compare": "compare.search",
    "listings": "choice.overview",
    "history": "choice.past_choices",
    "wallet": "wallet.overview",
    "rights": "wallet.rights",
    "flag": "flags.new",
    "flags": "flags.index",
    "access_log": "access_log.mine",
    "acting": "mandates.choose",
    "accessibility": "main.accessibility",
    "login": "auth.login",
    "home": "main.home",
}
MIN_QUESTIONS = 2
CHECK_INTERVAL_SECONDS = 1.0
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class KnowledgeError(Exception):
    """The file cannot be used; `problems` lists every reason, one sentence each."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


class _Text(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    title: str
    answer: str
    answer_anonymous: str | None = None
    questions: list[str]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    id: str
    topic: str
    action: str | None = None
    fact: str | list[str] | None = None
    handover: bool = False
    fi: _Text
    sv: _Text
    selko: _Text
    en: _Text


@dataclass(frozen=True)
class EntryText:
    title: str
    answer: str
    answer_anonymous: str | None
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    id: str
    topic: str
    action: str | None
    facts: tuple[str, ...]
    handover: bool  # answered, and a person offered too (medical questions: the assistant gives no advice)
    texts: Mapping[str, EntryText]


@dataclass(frozen=True)
class SmallTalk:
    phrases: Mapping[str, tuple[str, ...]]  # per language: matched like questions
    words: Mapping[str, frozenset[str]]  # per language: the one-word phrases, as portal.assistant.text.words gives them
    reply: Mapping[str, str]


@dataclass(frozen=True)
class KnowledgeBase:
    source: str
    entries: tuple[Entry, ...]
    fallback: Mapping[str, str]  # "I am not sure...", offering a person
    handover_reply: Mapping[str, str]  # said when the person asks for a human
    action_labels: Mapping[str, Mapping[str, str]]  # action -> language -> link text
    handover_phrases: Mapping[str, tuple[str, ...]]
    synonyms: Mapping[str, tuple[tuple[str, ...], ...]]  # per language: groups of words that mean the same here
    small_talk: Mapping[str, SmallTalk]  # "greeting", "thanks"
    indexes: Mapping[str, Index] = field(repr=False)

    def entry(self, entry_id: str) -> Entry | None:
        return next((entry for entry in self.entries if entry.id == entry_id), None)


# -- validation -----------------------------------------------------------------------------------------------


def _placeholders(text: str) -> tuple[set[str], list[str]]:
    """The {names} a text uses, and what is wrong with its braces."""
    names: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        return names, [f"has unbalanced braces ({error}); write {{{{ and }}}} for a brace itself"]
    wrong = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            wrong.append(f"has a placeholder {{{name}}} that is not a plain name")
        else:
            names.add(name)
    return names, wrong


def _pydantic_problems(where: str, error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        loc = [str(part) for part in item["loc"]]
        language = next((part for part in loc if part in LANGUAGES), None)
        name = loc[-1]
        inside = f"{where}: language '{language}'" if language else where
        if item["type"] == "missing" and name in LANGUAGES:
            problems.append(f"{where}: language '{name}' is missing")
        elif item["type"] == "missing":
            problems.append(f"{inside} has no {name}")
        elif item["type"] == "extra_forbidden":
            problems.append(f"{inside}: unknown field '{name}'")
        else:
            shown = ".".join(part for part in loc if part != language)
            problems.append(f"{inside}: field '{shown}': {item['msg']}")
    return problems


def _check_entry(raw: Any, number: int, seen: set[str]) -> tuple[Entry | None, list[str]]:
    label = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else f"number {number}"
    where = f"entry '{label}'"
    if not isinstance(raw, dict):
        return None, [f"entry number {number} is not a mapping of fields"]
    try:
        parsed = _Entry.model_validate(raw)
    except ValidationError as error:
        return None, _pydantic_problems(where, error)
    problems = []
    if not _SLUG.match(parsed.id):
        problems.append(f"{where}: the id must be lower-case letters, digits and single hyphens")
    if parsed.id in seen:
        problems.append(f"{where}: the id is used by an earlier entry too")
    seen.add(parsed.id)
    if parsed.topic not in TOPICS:
        problems.append(f"{where}: unknown topic '{parsed.topic}' (use one of {', '.join(TOPICS)})")
    if parsed.action is not None and parsed.action not in ACTIONS:
        problems.append(f"{where}: unknown action '{parsed.action}' (use one of {', '.join(ACTIONS)})")
    facts = (parsed.fact,) if isinstance(parsed.fact, str) else tuple(parsed.fact or ())
    for fact in facts:
        if fact not in FACTS:
            problems.append(f"{where}: unknown fact '{fact}' (use one of {', '.join(FACTS)})")
    offered = {name for fact in facts if fact in FACTS for name in FACTS[fact].placeholders}
    texts = {}
    for language in LANGUAGES:
        text: _Text = getattr(parsed, language)
        inside = f"{where}: language '{language}'"
        for name in ("title", "answer"):
            if not getattr(text, name):
                problems.append(f"{inside} has an empty {name}")
        questions = tuple(question for question in text.questions if question)
        if len(questions) < MIN_QUESTIONS:
            problems.append(f"{inside} has {len(questions)} questions; give at least {MIN_QUESTIONS}")
        used, wrong = _placeholders(text.answer)
        problems += [f"{inside}: the answer {problem}" for problem in wrong]
        for name in sorted(used - offered):
            problems.append(f"{inside}: the answer has a placeholder {{{name}}} that its facts do not give")
        for name in sorted(offered - used):
            problems.append(f"{inside}: the answer does not use {{{name}}}, which its facts give")
        if facts and not text.answer_anonymous:
            problems.append(f"{inside} has no answer_anonymous (said when the facts cannot be told)")
        if text.answer_anonymous:
            used, wrong = _placeholders(text.answer_anonymous)
            problems += [f"{inside}: answer_anonymous {problem}" for problem in wrong]
            if used:
                problems.append(f"{inside}: answer_anonymous cannot have placeholders ({', '.join(sorted(used))})")
        elif text.answer_anonymous is not None and not facts:
            problems.append(f"{inside}: answer_anonymous is empty")
        texts[language] = EntryText(text.title, text.answer, text.answer_anonymous or None, questions)
    if problems:
        return None, problems
    return Entry(parsed.id, parsed.topic, parsed.action, facts, parsed.handover, texts), []


def _per_language(value: Any, name: str, *, lists: bool = False) -> tuple[dict[str, Any], list[str]]:
    """A text (or a list of phrases) in each language; `name` says where, in the problems."""
    if not isinstance(value, dict):
        return {}, [f"{name} is missing: give it in each of {', '.join(LANGUAGES)}"]
    problems: list[str] = []
    found: dict[str, Any] = {}
    for language in LANGUAGES:
        item = value.get(language)
        if lists:
            items = tuple(str(x).strip() for x in item if str(x).strip()) if isinstance(item, list) else ()
            if not items:
                problems.append(f"{name}: language '{language}' has no phrases")
            found[language] = items
        elif not isinstance(item, str) or not item.strip():
            problems.append(f"{name}: language '{language}' has no text")
        else:
            found[language] = item.strip()
    problems += [f"{name}: unknown language '{extra}'" for extra in value if extra not in LANGUAGES]
    return found, problems


def _synonyms(value: Any) -> tuple[dict[str, tuple[tuple[str, ...], ...]], list[str]]:
    """Optional: per language, a list of groups, each a list of two or more words or phrases."""
    found: dict[str, tuple[tuple[str, ...], ...]] = dict.fromkeys(LANGUAGES, ())
    if value is None:
        return found, []
    if not isinstance(value, dict):
        return found, ["'synonyms' must map each language to a list of groups of words"]
    problems = [f"'synonyms': unknown language '{extra}'" for extra in value if extra not in LANGUAGES]
    for language in LANGUAGES:
        groups = value.get(language) or []
        if not isinstance(groups, list):
            problems.append(f"'synonyms': language '{language}' must be a list of groups")
            continue
        kept = []
        for number, group in enumerate(groups, start=1):
            words = [str(word).strip() for word in group if str(word).strip()] if isinstance(group, list) else []
            if len(words) < 2:
                problems.append(f"'synonyms': language '{language}' group {number} needs two or more words")
            kept.append(tuple(words))
        found[language] = tuple(kept)
    return found, problems


def _one_word(phrases: tuple[str, ...], language: str) -> frozenset[str]:
    """The phrases of one word ("kiitos"): they mark small talk in a longer message too ("kiitos, mutta...")."""
    return frozenset(found[0] for phrase in phrases if len(found := words_of(phrase, language)) == 1)


def _small_talk(value: Any) -> tuple[dict[str, SmallTalk], list[str]]:
    """Optional: kinds of small talk ("greeting", "thanks"), each with its words and reply in every language."""
    if value is None:
        return {}, []
    if not isinstance(value, dict):
        return {}, ["'small_talk' must map each kind (greeting, thanks) to its words and reply"]
    found, problems = {}, []
    for kind, item in value.items():
        if kind not in SMALL_TALK or not isinstance(item, dict):
            problems.append(f"'small_talk': unknown kind '{kind}' (use {', '.join(SMALL_TALK)})")
            continue
        phrases, wrong = _per_language(item.get("phrases"), f"'small_talk' {kind} phrases", lists=True)
        reply, more = _per_language(item.get("reply"), f"'small_talk' {kind} reply")
        problems += wrong + more
        found[kind] = SmallTalk(phrases, {lang: _one_word(ps, lang) for lang, ps in phrases.items()}, reply)
    return found, problems


def parse_knowledge(text: str, source: str = "<text>") -> KnowledgeBase:
    """Validate a knowledge base given as YAML text and build its indexes, or raise KnowledgeError."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise KnowledgeError(source, [f"not valid YAML: {error}"]) from None
    if not isinstance(data, dict):
        raise KnowledgeError(source, ["the file must be a mapping with 'entries', 'fallback' and the rest"])
    problems = [f"unknown top-level key '{key}'" for key in data if key not in _TOP_LEVEL]
    fallback, found = _per_language(data.get("fallback"), "'fallback'")
    problems += found
    handover_reply, found = _per_language(data.get("handover_reply"), "'handover_reply'")
    problems += found
    phrases, found = _per_language(data.get("handover_phrases"), "'handover_phrases'", lists=True)
    problems += found
    synonyms, found = _synonyms(data.get("synonyms"))
    problems += found
    small_talk, found = _small_talk(data.get("small_talk"))
    problems += found
    labels: dict[str, dict[str, str]] = {}
    raw_labels = data.get("action_labels")
    if not isinstance(raw_labels, dict):
        raw_labels = {}
        problems.append("'action_labels' is missing: give the link text of each action in each language")
    for action in raw_labels:
        if action not in ACTIONS:
            problems.append(f"'action_labels': unknown action '{action}' (use one of {', '.join(ACTIONS)})")
    entries: list[Entry] = []
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        problems.append("'entries' is missing or empty")
        raw_entries = []
    seen: set[str] = set()
    for number, raw in enumerate(raw_entries, start=1):
        entry, found = _check_entry(raw, number, seen)
        problems += found
        if entry is not None:
            entries.append(entry)
    for action in sorted({entry.action for entry in entries if entry.action}):
        labels[action], found = _per_language(raw_labels.get(action), f"'action_labels' of '{action}'")
        problems += found
    if problems:
        raise KnowledgeError(source, problems)
    indexes = {}
    for language in LANGUAGES:
        targets = [(entry.id, (entry.texts[language].title, *entry.texts[language].questions)) for entry in entries]
        targets += [(SMALL_TALK_KEY + kind, talk.phrases[language]) for kind, talk in small_talk.items()]
        indexes[language] = build_index(targets, phrases[language], language, synonyms[language])
    return KnowledgeBase(
        source, tuple(entries), fallback, handover_reply, labels, phrases, synonyms, small_talk, indexes
    )


_TOP_LEVEL = ("fallback", "handover_reply", "handover_phrases", "action_labels", "synonyms", "small_talk", "entries")
SMALL_TALK = ("greeting", "thanks")
SMALL_TALK_KEY = "__talk__"  # index keys of small talk: "__talk__greeting", "__talk__thanks"


def load_knowledge(path: Path | str) -> KnowledgeBase:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise KnowledgeError(str(path), [f"cannot be read: {error}"]) from None
    return parse_knowledge(text, str(path))


# -- the one in use -------------------------------------------------------------------------------------------


@dataclass
class _Loaded:
    base: KnowledgeBase | None = None
    mtime_ns: int | None = None  # of the file last tried, good or bad: a bad file is not parsed again until it changes
    checked_at: float = float("-inf")
    lock: threading.Lock = field(default_factory=threading.Lock)


_loaded: dict[Path, _Loaded] = {}
_registry_lock = threading.Lock()


def configured_path() -> Path:
    from flask import current_app, has_app_context

    if has_app_context():
        return Path(current_app.config.get("ASSISTANT_KNOWLEDGE_BASE") or DEFAULT_PATH)
    return DEFAULT_PATH


def knowledge_base(path: Path | str | None = None) -> KnowledgeBase:
    """The knowledge base in use for `path` (default: the configured one), reloaded when the file changed.
    Raises KnowledgeError only when no good version of it has ever loaded."""
    path = Path(path) if path is not None else configured_path()
    with _registry_lock:
        loaded = _loaded.setdefault(path, _Loaded())
    now = time.monotonic()
    if loaded.base is not None and now - loaded.checked_at < CHECK_INTERVAL_SECONDS:
        return loaded.base
    with loaded.lock:
        if loaded.base is None or now - loaded.checked_at >= CHECK_INTERVAL_SECONDS:
            _refresh(path, loaded)
            loaded.checked_at = time.monotonic()
    if loaded.base is None:
        return load_knowledge(path)  # raises the file's problems, for the caller to show
    return loaded.base


def _refresh(path: Path, loaded: _Loaded) -> None:
    try:
        mtime_ns = path.stat().st_mtime_ns
    except OSError as error:
        if loaded.base is not None:
            log.error("assistant: knowledge base %s cannot be read (%s); the last good one stays in use", path, error)
        return
    if mtime_ns == loaded.mtime_ns:
        return
    loaded.mtime_ns = mtime_ns
    try:
        loaded.base = load_knowledge(path)
    except KnowledgeError as error:
        log.error("assistant: knowledge base not reloaded, the last good one stays in use: %s", error)
    else:
        log.info("assistant: knowledge base %s loaded, %d entries", path, len(loaded.base.entries))
