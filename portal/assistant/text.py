"""What people type, made comparable: words, stop words and Snowball stems per interface language.

Kept free of the knowledge base so other searches (the catalogue's) can use it. Finnish and Swedish inflect and
compound heavily ("sote-keskukseni", "hammaslääkäriä", "tandläkaren"), so words are compared by their stems;
plain-language Finnish ("selko") is Finnish. Stems are folded to plain letters (ä → a, ö → o, å → a) after
stemming, because people type on phones and foreign keyboards without them ("hammaslaakari"); folding after the
stemmer lets it see the vowels its suffix rules depend on.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import snowballstemmer  # type: ignore[import-untyped]  # ships no type hints

STEMMER_LANGUAGES = {"fi": "finnish", "selko": "finnish", "sv": "swedish", "en": "english"}


def _listed(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that say nothing about what is asked: personal pronouns as subjects, auxiliaries, conjunctions, fillers, and
# their spoken forms ("mä", "oon"). Question words, possessives, "must", "now" and negations stay: they tell answers
# apart ("what is a sote centre", "what is my sote centre", "which centre am I with now", "must I choose").
_FINNISH_STOP = _listed("""
    ja tai sekä mutta mut että et kun jos niin kuin myös vain vaan sitten siis no ni niinku kyl kyllä joo jo
    tota tuota ihan vähän vaikka just siinä
    minä mä mie mää sinä sä sie hän se sen sillä siitä sitä ne niiden tämä tää tässä tätä tästä tuo tuon
    on ole olen oon olet oot oli ovat olla olisi olin olisin ollut onko
    voi voin voit voitte voiko voinko voisinko voisitko voitko voitteko voisi voisin saa saako saanko
    teen tehdä tehdään teet tekee tein tehnyt jotain jotakin joku jonkun jokin mitään mikään kukaan ketään
    ko kö han plz pliis
""")
_SWEDISH_STOP = _listed("""
    och eller men att när om som så också bara då ju väl nog typ liksom alltså
    jag du han hon den det de dem vi ni man någon något några någonting nånting
    är var vara varit blir bli har hade ha kan kunde ska skall skulle vill ville får fick
    göra gör gjorde gjort av i på till för med från hos vid åt ur
    en ett snälla ja he
""")
# The same words typed without å, ä and ö ("ar", "pa", "nar"), as on a foreign keyboard or a phone; not "far"
# ("får", also "father") and "val" ("väl", also "choice").
_SWEDISH_STOP = _SWEDISH_STOP | (
    frozenset(word.translate(str.maketrans("äöå", "aoa")) for word in _SWEDISH_STOP) - {"far", "val"}
)
_ENGLISH_STOP = _listed("""
    a an the and or but that so if then also just let even like really anyway here there still yet
    i me you he she it its we they them this these those something anything someone anyone
    is am are was were be been being do does did doing have has had
    can could should would will shall may might make makes made
    to of on at for with by from about into as please pls
""")
# Spoken and chat forms of common words, read as the written word before stemming ("uus" is "uusi", "funkar" is
# "fungerar"). Only forms that cannot mean anything else here; a stemmer cannot guess them.
_FINNISH_SPOKEN = {
    "mite": "miten", "mites": "miten", "miks": "miksi", "koska": "milloin", "mihi": "mihin",
    "uus": "uusi", "uuen": "uuden", "täys": "täysi", "eka": "ensimmäinen", "ekaa": "ensimmäistä",
    "musta": "minusta", "sust": "sinusta", "mulle": "minulle", "mulla": "minulla", "mun": "minun", "mua": "minua",
    "tää": "tämä", "tän": "tämän", "toi": "tuo", "noi": "nuo", "itte": "itse",
    "haluun": "haluan", "haluisin": "haluaisin", "vaihan": "vaihdan", "kattoo": "katsoa", "oo": "ole",
}  # fmt: skip
_SWEDISH_SPOKEN = {
    "nåt": "något", "nånting": "någonting", "nån": "någon", "funkar": "fungerar", "funka": "fungera",
    "nåra": "några", "dom": "de", "int": "inte", "mej": "mig", "dej": "dig", "sej": "sig", "ti": "till",
    "fö": "för", "va": "vad", "tandläkarn": "tandläkaren", "tandlakarn": "tandläkaren", "doktorn": "läkaren",
}  # fmt: skip
_ENGLISH_SPOKEN = {
    "u": "you", "ur": "your", "im": "i am", "dont": "do not", "cant": "can not", "doesnt": "does not",
    "didnt": "did not", "isnt": "is not", "whats": "what is", "wanna": "want to", "gonna": "going to",
    "id": "i would", "thx": "thanks",
}  # fmt: skip
SPOKEN: dict[str, dict[str, str]] = {
    "fi": _FINNISH_SPOKEN,
    "selko": _FINNISH_SPOKEN,
    "sv": _SWEDISH_SPOKEN,
    "en": _ENGLISH_SPOKEN,
}

STOP_WORDS: dict[str, frozenset[str]] = {
    "fi": _FINNISH_STOP,
    "selko": _FINNISH_STOP,
    "sv": _SWEDISH_STOP,
    "en": _ENGLISH_STOP,
}

_WORD = re.compile(r"[^\W_]+(?:[-‐‑–][^\W_]+)*")  # a word, or words joined by hyphens (a compound)
_HYPHENS = re.compile(r"[-‐‑–]")
_FOLD = str.maketrans({"ä": "a", "ö": "o", "å": "a", "á": "a", "à": "a", "é": "e", "è": "e", "ü": "u", "š": "s",
                       "ž": "z"})  # fmt: skip


def fold(text: str) -> str:
    """`text` with letters folded to plain ones (ä → a, ö → o, å → a), as typed on a foreign keyboard."""
    return text.translate(_FOLD)


def _check(language: str) -> str:
    if language not in STEMMER_LANGUAGES:
        raise ValueError(f"unknown language {language!r}; use one of {', '.join(STEMMER_LANGUAGES)}")
    return language


def words(text: str, language: str) -> list[str]:
    """The words of `text`, lower case, spoken forms as written ones; a hyphenated compound gives itself written
    together and its parts ("sote-keskus" → "sotekeskus", "sote", "keskus"), since people write it each way."""
    _check(language)
    found: list[str] = []
    spoken = SPOKEN[language]
    for match in _WORD.finditer(unicodedata.normalize("NFKC", text).casefold()):
        token = match.group()
        if token in spoken:
            found.extend(spoken[token].split())
            continue
        parts = _HYPHENS.split(token)
        if len(parts) > 1:
            found.append("".join(parts))
            found.extend(part for part in parts if part)
        else:
            found.append(token)
    return found


def normalise(text: str, language: str) -> str:
    """`text` as comparable words: lower case, Unicode NFKC, no punctuation, compounds both ways."""
    return " ".join(words(text, language))


@lru_cache(maxsize=8)
def _stemmer(name: str) -> Any:  # snowballstemmer ships no type hints
    return snowballstemmer.stemmer(name)


@lru_cache(maxsize=65536)
def stem(word: str, language: str) -> str:
    """One word's stem, folded to plain letters."""
    return str(_stemmer(STEMMER_LANGUAGES[_check(language)]).stemWord(word)).translate(_FOLD)


def stems(text: str, language: str) -> list[str]:
    """The stems of the words of `text` that carry meaning, in order (stop words left out)."""
    stop = STOP_WORDS[_check(language)]
    # Single letters are what is left of "what's" and "can't": nothing to match on.
    return [
        stem(word, language) for word in words(text, language) if word not in stop and (len(word) > 1 or word.isdigit())
    ]
