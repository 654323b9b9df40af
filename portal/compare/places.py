"""Where distances are measured from: a postcode, a municipality or a street typed in, or the resident's home
municipality from the login.

There is no geocoding service here, so places are located from the catalogue itself: the mean point of the units
with that postcode, in that municipality or on that street. The label says which, so nobody mistakes a
municipality's centre for their front door.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from portal.compare.index import HOUSE_NUMBER, CatalogueIndex, street_name
from portal.compare.text import fold

_POSTCODE = re.compile(r"^\d{5}$")


@dataclass(frozen=True)
class Place:
    kind: str  # postcode | municipality | street | home
    label: str  # as the resident will read it: "04400", "Järvenpää", "Sibeliuksenkatu, Järvenpää"
    latitude: float
    longitude: float


def _centre(index: CatalogueIndex, mask: np.ndarray) -> tuple[float, float] | None:
    mask = mask & ~np.isnan(index.latitude)
    if not mask.any():
        return None
    return float(index.latitude[mask].mean()), float(index.longitude[mask].mean())


def municipality_name(index: CatalogueIndex, code: str, language: str) -> str:
    names = index.municipality_names.get(code, {})
    return (names.get("sv") if language == "sv" else None) or names.get("fi") or code


def home_place(index: CatalogueIndex, municipality_code: str | None, language: str) -> Place | None:
    if not municipality_code:
        return None
    point = _centre(index, index.municipality == municipality_code)
    if point is None:
        return None
    return Place("home", municipality_name(index, municipality_code, language), *point)


def _find_municipality(index: CatalogueIndex, text: str) -> str | None:
    by_name = {}
    for code, names in index.municipality_names.items():
        for name in names.values():
            if name:
                by_name[fold(name)] = code
    found = process.extractOne(fold(text), list(by_name), scorer=fuzz.ratio, score_cutoff=85)
    return by_name[found[0]] if found else None


def _street_mask(index: CatalogueIndex, street: str) -> np.ndarray:
    mask = np.zeros(len(index), dtype=bool)
    wanted = street_name(street)
    if wanted:
        for name, _, _ in process.extract(wanted, list(index.street_names), scorer=fuzz.ratio, score_cutoff=85,
                                          limit=None):  # fmt: skip
            mask[index.street_names[name]] = True
    return mask


def resolve_place(index: CatalogueIndex, text: str, language: str) -> Place | None:
    """A postcode ("04400"), a municipality ("Träskända") or a street with an optional municipality
    ("Sibeliuksenkatu 5, Järvenpää"); None when the catalogue knows no such place."""
    text = text.strip()
    if _POSTCODE.match(text):
        point = _centre(index, index.postal_code == text)
        return Place("postcode", text, *point) if point else None
    code = _find_municipality(index, text)
    if code:
        point = _centre(index, index.municipality == code)
        return Place("municipality", municipality_name(index, code, language), *point) if point else None
    street, _, town = text.partition(",")
    street = HOUSE_NUMBER.sub("", street.strip())
    mask = _street_mask(index, street)
    town_code = _find_municipality(index, town) if town.strip() else None
    if town_code:
        mask &= index.municipality == town_code
    point = _centre(index, mask)
    if point is None:
        return None
    label = street.strip() + (f", {municipality_name(index, town_code, language)}" if town_code else "")
    return Place("street", label, *point)
