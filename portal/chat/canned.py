"""The help line's canned responses: the organiser's ready texts (a YAML file, `HELPLINE_CANNED`), in every language
of the chat, with placeholders filled in when a worker picks one.

The file is read once per process and again whenever it changes on disk, and refused as a whole when a response
lacks a language or uses a placeholder nobody fills in: a worker never sends "{nmae}" to a resident.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import Any

import yaml
from flask import current_app

from portal import inputs
from portal.models.chat import LANGUAGES

PLACEHOLDERS = ("name", "worker", "phone", "due")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
# "Hei {name}!" → "Hei!", "Thank you, {name}!" → "Thank you!": the name left out with what leads up to it.
_NAME_LEFT_OUT = re.compile(r",?[ \t]*\{name\}")


class CannedError(ValueError):
    """The canned-responses file is not usable; the message says where."""


@dataclass(frozen=True)
class Canned:
    id: str
    titles: Mapping[str, str]
    texts: Mapping[str, str]

    def title(self, language: str) -> str:
        return self.titles.get(language) or self.titles.get("fi") or self.id

    def text(self, language: str) -> str:
        return self.texts.get(language) or self.texts["fi"]


_cache: dict[str, tuple[float, tuple[Canned, ...]]] = {}
_lock = Lock()


def canned_responses() -> tuple[Canned, ...]:
    path = Path(current_app.config["HELPLINE_CANNED"])
    modified = path.stat().st_mtime
    with _lock:
        cached = _cache.get(str(path))
        if cached is None or cached[0] != modified:
            cached = (modified, parse(path.read_text(encoding="utf-8")))
            _cache[str(path)] = cached
    return cached[1]


def find(canned_id: str | None) -> Canned | None:
    if not canned_id or not _ID.match(canned_id):
        return None
    return next((canned for canned in canned_responses() if canned.id == canned_id), None)


def parse(text: str) -> tuple[Canned, ...]:
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict) or not isinstance(data.get("responses"), list):
        raise CannedError("the file must have a list `responses`")
    found: list[Canned] = []
    for number, entry in enumerate(data["responses"], start=1):
        if not isinstance(entry, dict):
            raise CannedError(f"response {number} is not a mapping")
        canned_id = str(entry.get("id", ""))
        if not _ID.match(canned_id):
            raise CannedError(f"response {number}: `id` must be 1–40 letters, digits, '-' or '_'")
        if any(canned.id == canned_id for canned in found):
            raise CannedError(f"response {canned_id}: the id is used twice")
        titles = _by_language(entry.get("title"), canned_id, "title")
        texts = _by_language(entry.get("text"), canned_id, "text")
        for language, value in texts.items():
            problem = placeholder_problem(value)
            if problem:
                raise CannedError(f"response {canned_id}, {language}: unknown placeholder {problem}")
        found.append(Canned(canned_id, titles, texts))
    return tuple(found)


def _by_language(value: Any, canned_id: str, key: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise CannedError(f"response {canned_id}: `{key}` must give the text by language")
    missing = [language for language in LANGUAGES if not str(value.get(language) or "").strip()]
    if missing:
        raise CannedError(f"response {canned_id}: `{key}` has no {', '.join(missing)}")
    return {language: str(value[language]).strip() for language in LANGUAGES}


def placeholder_problem(text: str) -> str | None:
    """None when `text` uses only this module's PLACEHOLDERS; else the first thing to remove."""
    return inputs.placeholder_problem(text, PLACEHOLDERS)


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with its placeholders filled in; an unknown or empty name is left out with what leads up to it."""
    if not values.get("name"):
        text = _NAME_LEFT_OUT.sub("", text)
    return text.format_map({name: values.get(name, "") for name in PLACEHOLDERS})
