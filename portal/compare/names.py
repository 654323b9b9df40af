"""Unit names in the reader's language, for every page that names a unit: the search and the comparison, the
listing pages (overview, check, receipt, history) and the dashboard.

One resolution everywhere: the reader's content language (plain-language Finnish reads Finnish), then Finnish,
Swedish, English, as PTV texts fall back. The name comes from the in-memory catalogue index, so it follows the
catalogue; a unit that has left the catalogue keeps the names stored with the choice (receipts outlive PTV).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from portal.compare.index import CONTENT_LANGUAGES, current_index
from portal.i18n import UI_LANGUAGES


@dataclass(frozen=True)
class LocalName:
    text: str
    language: str  # the language `text` is in
    wanted: str  # the reader's content language: differs from `language` when PTV has no translation

    @property
    def fallback(self) -> bool:
        return self.language != self.wanted

    def __str__(self) -> str:
        return self.text


def content_language_of(language: str) -> str:
    """The PTV content language for a UI language or a content language ("selko" reads the Finnish texts)."""
    ui = UI_LANGUAGES.get(language)
    code = ui.locale if ui else language
    return code if code in CONTENT_LANGUAGES else "fi"


def localised(texts: Mapping[str, Sequence[str | None]], i: int, language: str) -> LocalName:
    """The text at position `i` of per-language columns, in `language` or the first language that has one."""
    for lang in (language, *CONTENT_LANGUAGES):
        value = texts[lang][i]
        if value:
            return LocalName(value, lang, language)
    return LocalName("", language, language)


def stored_name(fi: str | None, sv: str | None, language: str) -> LocalName:
    """A name kept outside the catalogue (with a choice), in Finnish and Swedish only."""
    if language == "sv" and sv:
        return LocalName(sv, "sv", language)
    if fi:
        return LocalName(fi, "fi", language)
    return LocalName(sv or "", "sv" if sv else language, language)


def unit_name(location_id: str, language: str, fi: str | None = None, sv: str | None = None) -> LocalName:
    """The unit's name for a reader of `language`; `fi` and `sv` are the names kept with a choice, used when the
    catalogue no longer has the unit."""
    return unit_names([location_id], language, {location_id: (fi, sv)})[location_id]


def unit_names(
    location_ids: Iterable[str], language: str, stored: Mapping[str, tuple[str | None, str | None]] | None = None
) -> dict[str, LocalName]:
    wanted = content_language_of(language)
    index = current_index()
    names = {}
    for location_id in location_ids:
        position = index.position.get(location_id)
        found = localised(index.names, position, wanted) if position is not None else None
        if found is None or not found.text:
            fi, sv = (stored or {}).get(location_id, (None, None))
            found = stored_name(fi, sv, wanted)
        names[location_id] = found
    return names
