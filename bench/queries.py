"""A fixed, seeded list of realistic compare-page searches, drawn from the catalogue being searched.

Text is what people type: a municipality name with a typing error (a letter dropped or two swapped), a street
name, a word of a unit's name (a brand, "hammashoitola", a district), or a word and a place together; a fifth
of the searches have no text and only filters. Filters and sorts are mixed in independently: municipality,
service language, evenings, weekends, step-free entrance, provider type, kind of service, distance from a
postcode (with or without a radius), sort by distance or name, sometimes the second page.
"""

from __future__ import annotations

import random
import re

from portal.compare.index import PROVIDER_TYPES, CatalogueIndex
from portal.compare.search import DISTANCES_KM, KIND_VALUES

_HOUSE_NUMBER = re.compile(r"\s+\d+\s*\w?$")
CONTENT_LANGUAGES = ("fi", "sv", "en")


def typo(word: str, rng: random.Random) -> str:
    """Drop one letter, or swap two neighbouring ones (never the first letter, as people rarely get that wrong)."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _vocabulary(index: CatalogueIndex) -> tuple[list[str], list[str], list[str], list[str]]:
    """Municipality names, street names, words of unit names (each sorted, so the draw is reproducible), postcodes."""
    municipalities = sorted({name for names in index.municipality_names.values() for name in names.values() if name})
    streets = sorted(
        {_HOUSE_NUMBER.sub("", street) for language in ("fi", "sv") for street in index.streets[language] if street}
    )
    words = sorted({word for name in index.names["fi"] if name for word in name.split() if len(word) >= 4})
    postcodes = sorted({code for code in index.postal_code if code})
    return municipalities, streets, words, postcodes


def search_queries(index: CatalogueIndex, count: int = 240, seed: int = 2025) -> list[tuple[dict[str, str], str]]:
    """`count` (query string arguments, content language) pairs."""
    rng = random.Random(seed)
    municipalities, streets, words, postcodes = _vocabulary(index)
    if not (municipalities and streets and words and postcodes):
        raise ValueError("the catalogue has no names, streets or postcodes to search for")
    codes = sorted(index.municipality_names)
    queries = []
    for _ in range(count):
        args: dict[str, str] = {}
        roll = rng.random()
        if roll < 0.25:
            args["q"] = typo(rng.choice(municipalities), rng)
        elif roll < 0.45:
            street = rng.choice(streets)
            args["q"] = typo(street, rng) if rng.random() < 0.3 else street.lower()
        elif roll < 0.65:
            args["q"] = rng.choice(words)
        elif roll < 0.80:
            args["q"] = f"{rng.choice(words)} {typo(rng.choice(municipalities), rng)}"
        # else: filters only
        if rng.random() < 0.3:
            args["municipality"] = rng.choice(codes)
        if rng.random() < 0.15:
            args["service_language"] = rng.choice(CONTENT_LANGUAGES)
        if rng.random() < 0.15:
            args["kind"] = rng.choice(KIND_VALUES)
        if rng.random() < 0.2:
            args["provider"] = rng.choice(PROVIDER_TYPES)
        for flag, share in (("evenings", 0.2), ("weekends", 0.1), ("accessible", 0.2)):
            if rng.random() < share:
                args[flag] = "1"
        if rng.random() < 0.3:
            args["near"] = rng.choice(postcodes)
            if rng.random() < 0.8:
                args["within"] = str(rng.choice(DISTANCES_KM))
        sort_roll = rng.random()
        if sort_roll < 0.25:
            args["sort"] = "distance" if "near" in args else "name"
        elif sort_roll < 0.45:
            args["sort"] = "name"
        if rng.random() < 0.1:
            args["page"] = "2"
        language = rng.choices(CONTENT_LANGUAGES, (0.8, 0.15, 0.05))[0]
        queries.append((args, language))
    return queries
