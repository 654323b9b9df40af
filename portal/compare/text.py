"""Search text: fold case and diacritics so "jarvenpa" meets "Järvenpää", and split into tokens."""

from __future__ import annotations

import re
import unicodedata

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str | None) -> list[str]:
    """Folded word tokens; a hyphenated word also gives its joined form ("sote-keskus" -> sote, keskus, sotekeskus)."""
    if not text:
        return []
    folded = fold(text)
    found = _TOKEN.findall(folded)
    for word in folded.split():
        parts = _TOKEN.findall(word)
        if len(parts) > 1:
            found.append("".join(parts))
    return found


_SORT_TRANSLATION = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "ü": "y"})


def sort_key(text: str | None) -> str:
    """Finnish and Swedish alphabetical order: å, ä, ö after z, ü with y."""
    return (text or "").casefold().translate(_SORT_TRANSLATION)
