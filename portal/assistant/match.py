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

Two more signals for what stems miss: Finnish stems that differ only by consonant gradation count as one word
("aiti", "aid"), and each target's character n-grams, as TF-IDF vectors, give a cosine similarity that is blended in
where it raises an entry's score (compounds, broken endings, typing errors share most n-grams).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from portal.assistant.text import STOP_WORDS, fold, stems, words

HANDOVER = "__handover__"
CACHE_SIZE = 20_000  # stems remembered per index: the words people use repeat, the rest are typed once
SYNONYM = "="  # canonical tokens of synonym groups start with it, so they never equal a stem
SYNONYM_ALIKE = 0.85  # how alike a question's stem must be to a synonym group's member to count as the group


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
    gradation_alike: float = 0.9  # Finnish: two stems the same but for consonant gradation ("aiti", "aid")
    gram_weight: float = 0.4  # share of the score from character n-gram TF-IDF cosine similarity
    gram_sizes: tuple[int, ...] = (3, 4, 5)  # the n-grams of each word, padded with a space at both ends
    gram_entry_weight: float = 0.3  # share of the n-gram score from all the entry's targets together
    unknown_long: int = 4  # in a question of more stems than this, unknown stems weigh less: a story around it
    clause_words: int = 0  # a message of more words than this is also matched clause by clause (0: never)
    clause_factor: float = 1.0  # a clause's score counts this much against the whole message's


@dataclass(frozen=True)
class Grams:
    """Documents as TF-IDF vectors of character n-grams (and synonym groups), L2-normalised, kept as an inverted
    index: per feature, the documents that have it and its weight in each."""

    features: dict[str, int]
    idf: np.ndarray  # per feature
    unknown_idf: float  # a feature no document has weighs as the rarest
    starts: np.ndarray  # per feature, where its postings begin (one more at the end)
    documents: np.ndarray  # the postings' documents
    values: np.ndarray  # the postings' weights
    keys: np.ndarray  # per document: its key (index into Index.keys)


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
    gradation: dict[str, tuple[int, ...]] = field(default_factory=dict)  # Finnish: gradation key -> positions
    target_grams: Grams | None = None  # each target a document
    entry_grams: Grams | None = None  # each key's targets together one document
    similar_cache: dict[str, tuple[tuple[int, float], ...]] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Match:
    best: tuple[str, float] | None  # (entry id or HANDOVER, score 0..1)
    runner_up: tuple[str, float] | None
    size: int = 0  # the question's content stems (distinct): a short question says little, so it is less sure


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
    for number, found_stems in stemmed:
        for s in found_stems:
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
    gradation: dict[str, list[int]] = {}
    if language in GRADATION_LANGUAGES:
        for position, word in enumerate(vocabulary):
            key = gradation_key(word)
            if len(key) >= GRADATION_MIN and not word.startswith(SYNONYM):
                gradation.setdefault(key, []).append(position)
    index = Index(
        language, keys, vocabulary, weights, built, unknown, positions, redirect, phrases,
        [frozenset(found) for found in entry_stems], settings, {k: tuple(v) for k, v in gradation.items()},
    )  # fmt: skip
    if settings.gram_weight:
        documents = [(number, _gram_counts(index, text, words_of)) for (number, text), (_, words_of) in
                     zip(texts, stemmed, strict=True)]  # fmt: skip
        documents = [(number, counts) for number, counts in documents if counts]
        index.target_grams = _build_grams(documents)
        together: dict[int, dict[str, float]] = {}
        for number, counts in documents:
            mine = together.setdefault(number, {})
            for feature, times in counts.items():
                mine[feature] = mine.get(feature, 0.0) + times
        index.entry_grams = _build_grams(sorted(together.items()))
    return index


GRADATION_LANGUAGES = frozenset({"fi", "selko"})
GRADATION_MIN = 3  # letters a gradation key needs to be matched on
_GRADATION = (("ng", "nk"), ("nn", "nt"), ("ll", "lt"), ("rr", "rt"), ("mm", "mp"), ("lj", "lk"), ("rj", "rk"),
              ("d", "t"), ("v", "p"))  # fmt: skip
_DOUBLE = re.compile(r"(.)\1")


def gradation_key(stem: str) -> str:
    """A Finnish stem with consonant gradation undone, as a key both grades share: "aiti" and "aid" (äiti, äidin),
    "kaupunk" and "kaupung", "hoita" and "hoida"; the stem's last vowels and a final "ks" for "s" go too."""
    key = stem.rstrip("aeiouy")
    for strong, weak in _GRADATION:
        key = key.replace(strong, weak)
    key = _DOUBLE.sub(r"\1", key).rstrip("aeiouy")
    return key[:-2] + "s" if key.endswith("ks") else key


def _gram_counts(index: Index, text: str, canonical: Sequence[str]) -> dict[str, float]:
    """The features of `text`: each content word's character n-grams, and the synonym groups among its stems."""
    stop = STOP_WORDS[index.language]
    counts: dict[str, float] = {}
    for word in words(text, index.language):
        if word in stop or (len(word) < 2 and not word.isdigit()):
            continue
        padded = f" {fold(word)} "
        for size in index.settings.gram_sizes:
            for at in range(len(padded) - size + 1):
                gram = padded[at : at + size]
                counts[gram] = counts.get(gram, 0.0) + 1.0
    for token in canonical:
        if token.startswith(SYNONYM):
            counts[token] = counts.get(token, 0.0) + 1.0
    return counts


def _build_grams(documents: Sequence[tuple[int, dict[str, float]]]) -> Grams:
    keys_with: dict[str, set[int]] = {}
    for key, counts in documents:
        for feature in counts:
            keys_with.setdefault(feature, set()).add(key)
    key_count = len({key for key, _ in documents})
    features = {feature: column for column, feature in enumerate(sorted(keys_with))}
    idf = np.array([math.log((key_count + 1) / (len(keys_with[f]) + 1)) + 1.0 for f in features], dtype=np.float64)
    postings: list[list[tuple[int, float]]] = [[] for _ in features]
    for number, (_, counts) in enumerate(documents):
        vector = {features[f]: (1.0 + math.log(count)) * idf[features[f]] for f, count in counts.items()}
        norm = math.sqrt(sum(value * value for value in vector.values())) or 1.0
        for column, value in vector.items():
            postings[column].append((number, value / norm))
    starts = np.cumsum([0] + [len(found) for found in postings])
    flat = [posting for found in postings for posting in found]
    return Grams(
        features,
        idf,
        float(idf.max()) if len(idf) else 1.0,
        starts,
        np.array([number for number, _ in flat], dtype=np.int64),
        np.array([value for _, value in flat], dtype=np.float64),
        np.array([key for key, _ in documents], dtype=np.int64),
    )


def _gram_similarity(grams: Grams, counts: dict[str, float], key_count: int) -> np.ndarray:
    """Per key, the best cosine similarity of the question's vector with one of its documents."""
    similarity = np.zeros(len(grams.keys))
    weighted: list[tuple[int, float]] = []
    norm = 0.0
    for feature, count in counts.items():
        column = grams.features.get(feature)
        weight = (1.0 + math.log(count)) * (grams.unknown_idf if column is None else float(grams.idf[column]))
        norm += weight * weight
        if column is not None:
            weighted.append((column, weight))
    result = np.zeros(key_count)
    if not weighted:
        return result
    for column, weight in weighted:
        start, end = grams.starts[column], grams.starts[column + 1]
        similarity[grams.documents[start:end]] += grams.values[start:end] * weight
    np.maximum.at(result, grams.keys, similarity / math.sqrt(norm))
    return result


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
        if index.gradation:
            for position in index.gradation.get(gradation_key(stem), ()):
                found[position] = max(found.get(position, 0.0), settings.gradation_alike)
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


_CLAUSE_BREAKS = {
    "fi": r"mutta|mut|koska|kun|jos|ja|vaikka|eli|joten",
    "selko": r"mutta|mut|koska|kun|jos|ja|vaikka|eli|joten",
    "sv": r"men|eftersom|när|om|och|fast|så",
    "en": r"but|because|when|if|and|although|though|so",
}
_PUNCTUATION = re.compile(r"[.!?;:,]+\s*|\s+-\s+")


def clauses(text: str, language: str) -> list[str]:
    """A message's sentences and clauses: split at punctuation and at conjunctions ("mutta", "men", "but")."""
    breaks = re.compile(rf"\b(?:{_CLAUSE_BREAKS[language]})\b", re.IGNORECASE)
    return [part.strip() for sentence in _PUNCTUATION.split(text) for part in breaks.split(sentence) if part.strip()]


def scores(index: Index, question: str) -> list[float] | None:
    """Every key's score for `question` (None: no word in it to match on). A long message is also matched clause by
    clause; each key takes its best."""
    result = _text_scores(index, question)
    settings = index.settings
    if result is None or not settings.clause_words or len(question.split()) <= settings.clause_words:
        return result
    for clause in clauses(question, index.language):
        if clause == question.strip():
            continue
        found = _text_scores(index, clause)
        if found is not None:
            result = [max(whole, settings.clause_factor * part) for whole, part in zip(result, found, strict=True)]
    return result


def _text_scores(index: Index, question: str) -> list[float] | None:
    settings = index.settings
    canonical = _canonical(stems(question, index.language), {}, index.phrases, settings)
    found = _stem_scores(index, canonical)
    if found is None or not settings.gram_weight or index.target_grams is None or index.entry_grams is None:
        return found
    # The question's synonym groups: those written as a group's member, or a member with another ending or a typo.
    groups = [
        index.vocabulary[position]
        for stem in canonical
        for position, alike in _similar(index, stem)
        if alike >= SYNONYM_ALIKE and index.vocabulary[position].startswith(SYNONYM)
    ]
    counts = _gram_counts(index, question, groups)
    grams = (1 - settings.gram_entry_weight) * _gram_similarity(index.target_grams, counts, len(index.keys))
    grams += settings.gram_entry_weight * _gram_similarity(index.entry_grams, counts, len(index.keys))
    weight = settings.gram_weight
    return [max(stem, (1 - weight) * stem + weight * float(gram)) for stem, gram in zip(found, grams, strict=True)]


def _stem_scores(index: Index, canonical: list[str]) -> list[float] | None:
    found = list(dict.fromkeys(canonical))
    if not found:
        return None
    settings = index.settings
    per_stem = [_similar(index, stem) for stem in found]
    # A stem weighs what the vocabulary stem it is most like weighs; a stem like none weighs the unknown weight.
    stem_weights = [
        index.weights[max(similar, key=lambda item: item[1])[0]] if similar else _unknown(index, stem)
        for stem, similar in zip(found, per_stem, strict=True)
    ]
    if settings.unknown_long and len(found) > settings.unknown_long:
        scale = settings.unknown_long / len(found)
        stem_weights = [
            weight * scale if not similar else weight for weight, similar in zip(stem_weights, per_stem, strict=True)
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
    return Match(best, runner_up, len(set(stems(question, index.language))))
