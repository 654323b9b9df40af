"""The catalogue workflow behind `flask translations ...` and the completeness test.

English is the source language (msgids); the English catalogue copies them so that English
wording can still be edited without touching code. Plain-language Finnish is the `selko` domain.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from portal.config import REPO_ROOT

TRANSLATIONS = REPO_ROOT / "translations"
CATALOGUES = [("fi", "messages"), ("sv", "messages"), ("en", "messages"), ("fi", "selko")]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# Messages that are the same in every language (names); anything else copied verbatim is a mistake.
# Written alike in every language (a date range is the dates, which the formatter writes in the reader's language).
SAME_IN_EVERY_LANGUAGE = {"Valinta", "%(start)s–%(end)s"}


def po_path(locale: str, domain: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / f"{domain}.po"


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def update_catalogues(pot: Path) -> None:
    for locale, domain in CATALOGUES:
        template = _read(pot)  # read afresh: filling the English catalogue below must not leak into the next one
        path = po_path(locale, domain)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = _read(path, locale) if path.exists() else Catalog(locale=locale, domain=domain)
        catalog.update(template, no_fuzzy_matching=True)
        if locale == "en":
            for message in catalog:
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if message.id and not any(strings):
                    message.string = message.id  # plurals too: English's two forms are the msgid's two
        with path.open("wb") as handle:
            write_po(handle, catalog, width=120, omit_header=False, ignore_obsolete=True)


def compile_catalogues() -> None:
    for locale, domain in CATALOGUES:
        path = po_path(locale, domain)
        catalog = _read(path, locale)
        with path.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)


def _forms(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """A message id or translation as its forms: a plural's several, anything else one."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def catalogue_problems(pot: Path | None = None) -> list[str]:
    """Every untranslated, fuzzy, missing or placeholder-mismatched message, one line each."""
    problems = []
    wanted = {message.id for message in _read(pot) if message.id} if pot and pot.exists() else None
    for locale, domain in CATALOGUES:
        path = po_path(locale, domain)
        if not path.exists():
            problems.append(f"{locale}/{domain}: catalogue missing")
            continue
        catalog = _read(path, locale)
        present = set()
        for message in catalog:
            if not message.id:
                continue
            present.add(message.id)
            label = f"{locale}/{domain}: {message.id if isinstance(message.id, str) else message.id[0]!r}"
            if message.fuzzy:
                problems.append(f"{label} is fuzzy")
            strings = _forms(message.string if message.string is not None else "")
            ids = _forms(message.id)
            if not all(strings):
                problems.append(f"{label} is untranslated")
                continue
            if locale != "en" and strings == ids and ids[0] not in SAME_IN_EVERY_LANGUAGE:
                problems.append(f"{label} is still the English text")
            expected = set(PLACEHOLDER.findall(" ".join(ids)))
            for string in strings:
                if set(PLACEHOLDER.findall(string)) != expected:
                    problems.append(
                        f"{label} has placeholders {sorted(PLACEHOLDER.findall(string))}, expected {sorted(expected)}"
                    )
        if wanted is not None:
            missing = sorted(wanted - present, key=str)  # plural ids are tuples
            problems.extend(f"{locale}/{domain}: {message_id!r} is missing" for message_id in missing)
    return problems
