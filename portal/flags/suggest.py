"""Suggestions for the console, never applied by themselves: a category from the text, and flags that look alike.

Likely duplicates are flags about the same person, or naming a provider this one names, whose words are close
(rapidfuzz's token-set ratio, which ignores word order and repeats). The candidates come from the provider index and
the person's own flags, not from a scan of every flag, so the cost stays flat as flags pile up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz
from sqlalchemy import or_, select

from portal.extensions import db
from portal.models import Flag, FlagProvider

SIMILAR_AT_LEAST = 60  # token-set ratio (0-100) for a flag to be offered as similar
CANDIDATES = 2000  # newest flags naming the same providers or person that are compared
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Similar:
    reference: str
    score: int
    same_person: bool
    shared_providers: int
    status: str


def suggest_category(text: str, keywords: dict[str, dict[str, list[str]]], language: str) -> str | None:
    """The category whose keywords (in the flag's language, and Finnish for plain-language Finnish) are found most;
    a keyword matches at a word start, so a stem finds its inflections."""
    words = " " + " ".join(WORD.findall(text.casefold())) + " "
    languages = {language, "fi"} if language == "selko" else {language}
    best, best_hits = None, 0
    for category, by_language in keywords.items():
        hits = sum(
            words.count(" " + keyword.casefold())
            for lang in languages
            for keyword in by_language.get(lang, [])
            if keyword.strip()
        )
        if hits > best_hits:
            best, best_hits = category, hits
    return best


def similar_flags(flag: Flag, limit: int = 5) -> list[Similar]:
    provider_ids = [p.provider_id for p in flag.providers]
    naming = select(FlagProvider.flag_id).where(FlagProvider.provider_id.in_(provider_ids or [""]))
    candidates = db.session.execute(
        select(Flag.id, Flag.reference, Flag.description, Flag.person_id, Flag.status)
        .where(Flag.id != flag.id, or_(Flag.person_id == flag.person_id, Flag.id.in_(naming)))
        .order_by(Flag.created_at.desc())
        .limit(CANDIDATES)
    ).all()
    if not candidates:
        return []
    shared = _shared_providers([row.id for row in candidates], provider_ids)
    found = []
    for row in candidates:
        score = int(fuzz.token_set_ratio(flag.description, row.description, processor=str.casefold))
        if score >= SIMILAR_AT_LEAST:
            found.append(
                Similar(row.reference, score, row.person_id == flag.person_id, shared.get(row.id, 0), row.status)
            )
    found.sort(key=lambda s: (-(s.score + 10 * s.shared_providers + (15 if s.same_person else 0)), s.reference))
    return found[:limit]


def _shared_providers(flag_ids: list[int], provider_ids: list[str]) -> dict[int, int]:
    if not provider_ids:
        return {}
    rows = db.session.execute(
        select(FlagProvider.flag_id, FlagProvider.provider_id).where(
            FlagProvider.flag_id.in_(flag_ids), FlagProvider.provider_id.in_(provider_ids)
        )
    )
    counts: dict[int, int] = {}
    for flag_id, _ in rows:
        counts[flag_id] = counts.get(flag_id, 0) + 1
    return counts
