"""Localised text in the three content languages PTV publishes (fi, sv, en)."""

from __future__ import annotations

from dataclasses import dataclass

# The order texts fall back in when the wanted language is missing: Finnish is the language nearly every record
# has, Swedish the second national language, English last.
LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")


@dataclass(frozen=True, slots=True)
class LocalizedText:
    fi: str | None = None
    sv: str | None = None
    en: str | None = None

    def resolve(self, language: str) -> tuple[str, str] | None:
        """Return (text, language_used): the wanted language first, then fi, sv, en; None if there is no text."""
        for lang in (language, *LANGUAGES):
            value = self.get(lang)
            if value:
                return value, lang
        return None

    def text(self, language: str, default: str = "") -> str:
        """The text to show for `language` (with the fallback of `resolve`), or `default`."""
        found = self.resolve(language)
        return found[0] if found else default

    def get(self, language: str) -> str | None:
        """The text in exactly this language (no fallback); None for languages other than fi/sv/en."""
        if language not in LANGUAGES:
            return None
        value: str | None = getattr(self, language)
        return value

    def __bool__(self) -> bool:
        return any((self.fi, self.sv, self.en))
