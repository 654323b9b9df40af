"""Which knowledge-base entry a question is, and how sure that is.

Questions are compared by their stems (portal/assistant/text.py). Each stem of the question is matched against the
knowledge base's own stems, tolerating what people do to words: typing errors (rapidfuzz's ratio), endings the
stemmer leaves (a shared beginning: "vaihd", "vaiht"), and compounds (a stem inside a longer one: "keskus" in
"terveyskeskus"). The organiser's synonym groups make words that mean the same here one word ("terveysasema",
"terveyskeskus", "sote-keskus"). A stem the knowledge base never uses counts against every entry: a question about
the weather shares "what" with many entries, and nothing else.

Each entry's questions (and its title) are targets. A target scores by how much of the question's weight it covers
and how much of its own it covers (rarer stems weigh more, like IDF over the entries), blended with rapidfuzz's
token-set ratio over the stemmed texts; an entry scores by its best target, and a little by how much of the question
all its targets cover together. The handover phrases ("I want to talk to a person") are one more entry, `HANDOVER`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from portal.assistant.text import stems

HANDOVER = "__handover__"
CACHE_SIZE = 20_000  # stems remembered per index: the words people use repeat, the rest are typed once
SYNONYM = "="  # canonical tokens of synonym groups start with it, so they never equal a stem


@dataclass(frozen=True)
class Settings:
    """How scores are made; chosen on the knowledge base's own questions (docs/assistant.md, "Tuning")."""

    typo_cutoff: float = 80.0  # rapidfuzz ratio from which two stems of 7+ letters count as the same word mistyped
    prefix_min: int = 4  # letters two stems must share at the start to count as one word with other endings
    part_min: int = 4  # letters a stem must have to count when found inside a compound
    precision_weight: float = 0.8  # share of the question covered, against the share of the target covered
    ratio_weight: float = 0.25  # rapidfuzz token_set_ratio's share of a target's score
    entry_weight: float = 0.3  # share of the score from the question's coverage by all the entry's targets together
    unknown_factor: float = 2.0  # an unknown stem weighs this times the rarest known stem...
    unknown_length: int = 6  # ...when it is this long; shorter ones weigh less (short words say less: "ihan", "just")
    ratio_scorer: str = "token_sort_ratio"  # rapidfuzz.fuzz's scorer for the stemmed texts
    near_when_exact: float = 0.75  # how much a near stem counts when the stem itself is known: likely another word


@dataclass(frozen=True)
class Target:
    key: int  # index into Index.keys
    stems: frozenset[int]  # vocabulary positions
    weight: float  # sum of the stems' weights
    text: str  # the stems joined, for rapidfuzz


@dataclass
class Index:
    language: str
    keys: list[str]  # entry ids, and HANDOVER last
    vocabulary: list[str]  # the targets' stems, the synonym groups' tokens and their members' stems
    weights: list[float]  # per vocabulary position: log(entries / entries using it)
    targets: list[Target]
    unknown_weight: float  # the weight of a stem the knowledge base never uses
    positions: dict[str, int]
    redirect: dict[int, int]  # a synonym member's position -> its group's token's position
    phrases: list[tuple[tuple[str, ...], str]]  # synonyms of several words: their stems -> the group's token
    entry_stems: list[frozenset[int]]  # per key: every stem of its targets
    settings: Settings = field(default_factory=Settings)
    similar_cache: dict[str, tuple[tuple[int, float], ...]] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Match:
    best: tuple[str, float] | None  # (entry id or HANDOVER, score 0..1)
    runner_up: tuple[str, float] | None


def build_index(
    targets: Sequence[tuple[str, Sequence[str]]],
    handover_phrases: Sequence[str],
    language: str,
    synonyms: Sequence[Sequence[str]] = (),
    settings: Settings | None = None,
) -> Index:
    """An index over entries given as (id, texts), the handover phrases, and groups of words meaning the same."""
    settings = settings or Settings()
    keys = [key for key, _ in targets] + [HANDOVER]
    singles: dict[str, str] = {}
    phrases: list[tuple[tuple[str, ...], str]] = []
    for group in synonyms:
        token = SYNONYM + "_".join(stems(group[0].replace("-", ""), language))
        for member in group:
            # "sote-keskus" is also written "sotekeskus" and "sote keskus"
            for written in {member.replace("-", ""), member.replace("-", " ")}:
                found = tuple(stems(written, language))
                if len(found) == 1:
                    singles.setdefault(found[0], token)
                elif found:
                    phrases.append((found, token))
    phrases.sort(key=lambda item: -len(item[0]))
    texts = [(number, text) for number, (_, entry_texts) in enumerate(targets) for text in entry_texts]
    texts += [(len(keys) - 1, phrase) for phrase in handover_phrases]
    stemmed = [(number, _canonical(stems(text, language), singles, phrases, settings)) for number, text in texts]
    vocabulary = sorted({s for _, words in stemmed for s in words} | set(singles) | set(singles.values()))
    positions = {s: position for position, s in enumerate(vocabulary)}
    users: dict[int, set[int]] = {}
    for number, words in stemmed:
        for s in words:
            users.setdefault(positions[s], set()).add(number)
    count = len(keys)
    rarest = math.log((count + 1) / 1.5)
    unknown = settings.unknown_factor * rarest
    weights = [
        math.log((count + 1) / (len(users[position]) + 0.5)) if position in users else unknown
        for position in range(len(vocabulary))
    ]
    built = [
        Target(
            number,
            frozenset(positions[s] for s in found),
            sum(weights[positions[s]] for s in set(found)),
            " ".join(found),
        )
        for number, found in stemmed
        if found
    ]
    entry_stems: list[set[int]] = [set() for _ in keys]
    for target in built:
        entry_stems[target.key] |= target.stems
    redirect = {positions[member]: positions[token] for member, token in singles.items() if member != token}
    return Index(
        language, keys, vocabulary, weights, built, unknown, positions, redirect, phrases,
        [frozenset(found) for found in entry_stems], settings,
    )  # fmt: skip


def _canonical(
    found: list[str], singles: dict[str, str], phrases: list[tuple[tuple[str, ...], str]], settings: Settings
) -> list[str]:
    """Stems with synonyms replaced by their group's token: several-word ones as written, single words also when
    they are the member with another ending ("terveyskeskuksen" for "terveyskeskus")."""
    result: list[str] = []
    at = 0
    while at < len(found):
        phrase = next((p for p in phrases if tuple(found[at : at + len(p[0])]) == p[0]), None)
        if phrase is not None:
            result.append(phrase[1])
            at += len(phrase[0])
            continue
        word = found[at]
        token = singles.get(word)
        if token is None and len(word) >= settings.prefix_min:
            token = next((t for member, t in singles.items() if _same_word(word, member, settings)), None)
        result.append(token or word)
        at += 1
    return result


def _same_word(one: str, other: str, settings: Settings) -> bool:
    """The same word with another ending: a long shared beginning, nearly all of the shorter one."""
    shared = len(_common_prefix(one, other))
    return shared >= settings.prefix_min and shared >= max(len(one), len(other)) - 2


def _similar(index: Index, stem: str) -> tuple[tuple[int, float], ...]:
    """Vocabulary positions that may be `stem` as written, each with how alike (1.0: the same); kept per index."""
    cached = index.similar_cache.get(stem)
    if cached is None:
        cached = _find_similar(index, stem)
        if len(index.similar_cache) < CACHE_SIZE:
            index.similar_cache[stem] = cached
    return cached


def _find_similar(index: Index, stem: str) -> tuple[tuple[int, float], ...]:
    settings, vocabulary = index.settings, index.vocabulary
    found: dict[int, float] = {}
    exact = index.positions.get(stem)
    if exact is not None:
        found[exact] = 1.0
    if not stem.startswith(SYNONYM):
        if len(stem) > 6:
            for _, score, position in process.extract(
                stem, vocabulary, scorer=fuzz.ratio, score_cutoff=settings.typo_cutoff, limit=None
            ):
                found[position] = max(found.get(position, 0.0), (score / 100) ** 2)
        elif len(stem) >= 5:
            # One letter wrong, missing, extra or swapped ("chnag"); two in five is another word ("wheez", "where").
            for _, distance, position in process.extract(
                stem, vocabulary, scorer=OSA.distance, score_cutoff=1, limit=None
            ):
                found[position] = max(found.get(position, 0.0), (1 - distance / len(stem)) ** 2)
        if len(stem) >= min(settings.prefix_min, settings.part_min):
            for other, _, position in process.extract(
                stem, vocabulary, scorer=fuzz.partial_ratio, score_cutoff=80, limit=None
            ):
                alike = _alike(stem, other, settings)
                if alike:
                    found[position] = max(found.get(position, 0.0), alike)
    if exact is not None:  # "valinta" is known, so "valitus" is another word, not "valinta" mistyped
        found = {p: alike if p == exact else alike * settings.near_when_exact for p, alike in found.items()}
    for position in [p for p in found if p in index.redirect]:  # a synonym's member stands for its group
        alike = found.pop(position)
        token = index.redirect[position]
        found[token] = max(found.get(token, 0.0), alike)
    return tuple(found.items())


def _alike(one: str, other: str, settings: Settings) -> float:
    if one == other:
        return 1.0
    short, long = sorted((one, other), key=len)
    shared = len(_common_prefix(one, other))
    if shared >= settings.prefix_min and shared >= 0.6 * len(short):
        return 0.6 + 0.4 * shared / len(long)
    if len(short) >= settings.part_min and short in long:
        return 0.4 + 0.4 * len(short) / len(long)
    return 0.0


def _common_prefix(one: str, other: str) -> str:
    end = 0
    for a, b in zip(one, other, strict=False):
        if a != b:
            break
        end += 1
    return one[:end]


def scores(index: Index, question: str) -> list[float] | None:
    """Every key's score for `question` (None: no word in it to match on)."""
    found = list(dict.fromkeys(_canonical(stems(question, index.language), {}, index.phrases, index.settings)))
    if not found:
        return None
    settings = index.settings
    per_stem = [_similar(index, stem) for stem in found]
    # A stem weighs what the vocabulary stem it is most like weighs; a stem like none weighs the unknown weight.
    stem_weights = [
        index.weights[max(similar, key=lambda item: item[1])[0]] if similar else _unknown(index, stem)
        for stem, similar in zip(found, per_stem, strict=True)
    ]
    asked = sum(stem_weights)
    best_of: dict[int, float] = {}
    for similar in per_stem:
        for position, alike in similar:
            if alike > best_of.get(position, 0.0):
                best_of[position] = alike

    def covered(stems_of: frozenset[int]) -> float:
        total = 0.0
        for similar, weight in zip(per_stem, stem_weights, strict=True):
            total += weight * max((alike for position, alike in similar if position in stems_of), default=0.0)
        return total / asked

    ratios = process.cdist(
        [" ".join(found)], [target.text for target in index.targets], scorer=getattr(fuzz, settings.ratio_scorer)
    )[0]
    result = [0.0] * len(index.keys)
    for target, ratio in zip(index.targets, ratios, strict=True):
        precision = covered(target.stems)
        own = sum(index.weights[p] * alike for p, alike in best_of.items() if p in target.stems)
        recall = own / target.weight if target.weight else 0.0
        blended = settings.precision_weight * precision + (1 - settings.precision_weight) * recall
        score = (1 - settings.ratio_weight) * blended + settings.ratio_weight * float(ratio) / 100
        result[target.key] = max(result[target.key], score)
    if settings.entry_weight:
        for key, stems_of in enumerate(index.entry_stems):
            result[key] = (1 - settings.entry_weight) * result[key] + settings.entry_weight * covered(stems_of)
    return result


def _unknown(index: Index, stem: str) -> float:
    length = index.settings.unknown_length
    share = min(1.0, max(0.25, (len(stem) - 2) / (length - 2))) if length > 2 else 1.0
    return index.unknown_weight * share


def match_question(index: Index, question: str) -> Match:
    found = scores(index, question)
    if found is None:
        return Match(None, None)
    ranked = sorted(range(len(found)), key=found.__getitem__, reverse=True)
    best = (index.keys[ranked[0]], round(found[ranked[0]], 4))
    runner_up = (index.keys[ranked[1]], round(found[ranked[1]], 4)) if len(ranked) > 1 else None
    return Match(best, runner_up)
