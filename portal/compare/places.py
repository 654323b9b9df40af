"""Where distances are measured from: an address, a street, a postcode or a town typed in, or the resident's home
municipality from the login.

People type the parts of an address in any order and either language, with or without commas: "Sibeliuksenkatu
36 A, 04440 Järvenpää", "Kauppakaari 1 Järvenpää", "04440 Träskända", "00100". `parse_place` splits the text into
a street and house number, a postcode and towns; `locate` then uses the most precise part the catalogue can place:

1. the street and number: a unit at that address (in the town or postcode's municipality, when one is given), else
   the mean point of the units on that street there;
2. the postcode: the mean point of its units, else (from Posti's postcode file) the centre of its municipality;
3. the town: a post town such as Klaukkala by the mean point of its units, a municipality by its centre.

A municipality's centre is the mean point of its units in the post town of its own name (TUUSULA, which is Hyrylä,
for Tuusula; not Jokela or Kellokoski), else of all its units.

There is no geocoding service here, so a place is located from the catalogue itself. The Place says which part it
used, so nobody mistakes a municipality's centre for their front door; a text that cannot be placed gives an
Unplaced that says why.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from portal.compare.index import HOUSE_NUMBER, CatalogueIndex, place_key, street_name
from portal.compare.postcodes import Postcodes, postcodes
from portal.inputs import text_problem

MAX_PLACE_LENGTH = 120  # longer than any Finnish address with its postcode and town
MAX_PARTS = 16  # words, numbers and commas: "Stora Byvägen 24 B 12, 04130 Sibbo, Finland" has 9
TOWN_SCORE, STREET_SCORE = 85, 85  # rapidfuzz ratios that count as a typing error of a name

_POSTCODE = re.compile(r"(?:fi-?)?([0-9]{5})", re.IGNORECASE)
_NUMBER = re.compile(r"([0-9]{1,4})(?:[-–][0-9]{1,4})?([^\W\d_])?")  # 36, 36a, 2-4
_LETTER = re.compile(r"[^\W\d_]")  # a staircase: "36 A"
_APARTMENT_WORDS = {"as", "lgh", "bst", "h"}  # asunto, lägenhet, bostad, huone: "36 A as. 12"
_COUNTRY_WORDS = {"suomi", "finland", "fi"}
_PUNCTUATION = ".:()[]\"'“”„«»!?"
_UNIT_NUMBER = re.compile(r"\s([0-9]{1,4})(?:\s*[-–]\s*[0-9]{1,4})?(?:\s*([^\W\d_])(?![^\W\d_]))?")


@dataclass(frozen=True)
class Place:
    """Where distances are measured from. `kind` says which part of what was typed placed it:

    address ("Sibeliuksenkatu 36 A, Järvenpää"), street ("Kauppakaari, Järvenpää"), postcode ("04440"),
    municipality or town ("Järvenpää", "Klaukkala": their centre), postcode_municipality and town_municipality
    (a postcode or post town without units: its municipality's centre; `via` is the postcode or town), home.
    """

    kind: str
    label: str  # as the resident will read it
    latitude: float
    longitude: float
    via: str = ""


@dataclass(frozen=True)
class Unplaced:
    """Why a typed place gives no distances: unknown, unknown_postcode, ambiguous (`street` is in several
    municipalities), no_units (a municipality without units: `municipality`, and `postcode` when one was typed),
    control or format (characters that are not text, see portal.inputs.text_problem)."""

    reason: str
    municipality: str = ""
    postcode: str = ""
    street: str = ""


@dataclass(frozen=True)
class TypedPlace:
    """The parts of a typed place, each as typed (empty when not there)."""

    street: str = ""  # "Sibeliuksenkatu": the street's words, without the number
    number: str = ""  # "36 A": house number and staircase; an apartment is left out
    postcode: str = ""
    towns: tuple[str, ...] = ()  # every other run of words, in order: ("Järvenpää",)

    def __bool__(self) -> bool:
        return bool(self.street or self.postcode or self.towns)


# --- parsing ------------------------------------------------------------------------------------------------------


def place_problem(text: str) -> str | None:
    """Why a typed place is not read at all: "control" or "format" characters, or "long"; else None."""
    problem = text_problem(text)
    if problem:
        return problem
    return "long" if len(text) > MAX_PLACE_LENGTH else None


def parse_place(
    text: str, is_town: Callable[[str, bool], bool], is_street: Callable[[str], bool] = lambda words: False
) -> TypedPlace:
    """Split a typed place into its parts.

    `is_town(words, fuzzy)` says whether words name a town (exactly, or also with a typing error when `fuzzy`);
    `is_street(words)` whether they name a street the catalogue has. Both only help decide where a street ends
    and a town begins when no comma or number tells: "Järvenpää Kauppakaari 1", "Kauppakaari Järvenpää".
    """
    text = unicodedata.normalize("NFKC", text)
    segments: list[list[str]] = []
    for segment in re.split(r"[,;]", text):
        parts = [part.strip(_PUNCTUATION) for part in segment.split()]
        segments.append([part for part in parts if part and part.casefold() not in _COUNTRY_WORDS])
    if sum(len(segment) for segment in segments) + len(segments) > MAX_PARTS:
        return TypedPlace()

    # Runs of words, cut by commas, numbers and postcodes; a run followed by a number is a street.
    postcode = ""
    runs: list[list[str]] = []  # word runs in order
    street_run: int | None = None  # which run is the street with a number
    number = ""
    for segment in segments:
        run: list[str] = []
        i = 0
        while i < len(segment):
            word = segment[i]
            found_postcode = _POSTCODE.fullmatch(word)
            found_number = _NUMBER.fullmatch(word)
            if found_postcode:
                postcode = postcode or found_postcode.group(1)
            elif found_number and run and street_run is None:
                runs.append(run)
                street_run = len(runs) - 1
                number, i = _house_number(segment, i, found_number)
                run = []
                continue
            elif not found_number:
                run.append(word)
                i += 1
                continue
            if run:  # a postcode or a stray number ends the run
                runs.append(run)
                run = []
            i += 1
        if run:
            runs.append(run)

    street = ""
    towns: list[str] = []
    if street_run is not None:
        street_words = runs[street_run]
        words = " ".join(street_words)
        if is_town(words, False) and not is_street(words):  # "Järvenpää 5": a town with a stray number
            towns.append(words)
        else:
            town, street_words = _town_before_street(street_words, is_town, is_street)
            street = " ".join(street_words)
            if town:
                towns.append(town)
    for position, run in enumerate(runs):
        if position == street_run:
            continue
        words = " ".join(run)
        if is_town(words, False):
            towns.append(words)
        elif not street and is_street(words):
            street = words
        elif is_town(words, True):
            towns.append(words)
        else:
            split = _split_street_and_town(run, is_town, is_street) if not street else None
            if split:
                street = street or split[0]
                towns.append(split[1])
            elif not street:
                street = words
            else:
                towns.append(words)
    return TypedPlace(street=street, number=number if street else "", postcode=postcode, towns=tuple(towns))


def _house_number(segment: Sequence[str], i: int, found: re.Match[str]) -> tuple[str, int]:
    """The number at segment[i] with its staircase ("36 A", "36a"), skipping an apartment ("as. 12", "12");
    returns it written as "36 A" and the position after it."""
    digits, letter = found.group(1), found.group(2) or ""
    i += 1
    if not letter and i < len(segment) and _LETTER.fullmatch(segment[i]):
        letter = segment[i]
        i += 1
    if i + 1 < len(segment) and segment[i].casefold() in _APARTMENT_WORDS and _NUMBER.fullmatch(segment[i + 1]):
        i += 2
    elif i < len(segment) and _NUMBER.fullmatch(segment[i]) and not _POSTCODE.fullmatch(segment[i]):
        i += 1
    return (f"{digits} {letter.upper()}" if letter else digits), i


def _town_before_street(
    words: list[str], is_town: Callable[[str, bool], bool], is_street: Callable[[str], bool]
) -> tuple[str, list[str]]:
    """ "Järvenpää Kauppakaari" (before a number) -> ("Järvenpää", ["Kauppakaari"]); a street that begins with a
    town's name in the genitive ("Tuusulan rantatie") stays whole: only an exact town name is taken off."""
    if len(words) < 2 or is_street(" ".join(words)):
        return "", words
    splits = [(" ".join(words[:k]), words[k:]) for k in range(1, len(words)) if is_town(" ".join(words[:k]), False)]
    for town, rest in splits:
        if is_street(" ".join(rest)):
            return town, rest
    return splits[0] if splits else ("", words)


def _split_street_and_town(
    words: list[str], is_town: Callable[[str, bool], bool], is_street: Callable[[str], bool]
) -> tuple[str, str] | None:
    """A run of words with no number: "Kauppakaari Järvenpää" or "Järvenpää Kauppakaari" -> (street, town), the
    town's name exact; a split whose street the catalogue has comes first."""
    splits = []
    for k in range(1, len(words)):
        for street, town in ((words[:-k], words[-k:]), (words[k:], words[:k])):
            if is_town(" ".join(town), False):
                splits.append((" ".join(street), " ".join(town)))
    known = [split for split in splits if is_street(split[0])]
    return (known or splits)[0] if splits else None


# --- the towns the catalogue and Posti know ------------------------------------------------------------------------


@dataclass(frozen=True)
class Town:
    names: tuple[str, str]  # fi, sv as people write them ("Järvenpää", "Träskända"; a post town in both: "Klaukkala")
    municipality: str  # code; "" when not known
    positions: np.ndarray  # the catalogue's units in it
    is_municipality: bool

    def name(self, language: str) -> str:
        return self.names[1] if language == "sv" and self.names[1] else self.names[0]


class Gazetteer:
    """Town names (municipalities in Finnish and Swedish, and post towns) for one catalogue index, with Posti's
    postcodes for the places the catalogue has no unit in. Built once per index, on the first place typed."""

    def __init__(self, index: CatalogueIndex, posti: Postcodes) -> None:
        self.index = index
        self.posti = posti
        self.towns: dict[str, Town] = {}
        empty = np.zeros(0, dtype=np.int64)
        names: dict[str, tuple[str, str]] = {code: (fi, sv) for code, (fi, sv) in posti.municipality_names.items()}
        for code, catalogue_names in index.municipality_names.items():
            fi = catalogue_names.get("fi") or code
            names[code] = (fi, catalogue_names.get("sv") or fi)
        post_towns_here: dict[str, list[np.ndarray]] = {}
        for written, positions in index.post_towns.items():
            post_towns_here.setdefault(place_key(written), []).append(positions)
        self.centres: dict[str, np.ndarray] = {}
        # The catalogue's municipalities first: where Posti's file is older and a name moved to another code, the
        # name leads to the units.
        for code in [*index.municipality_names, *(code for code in names if code not in index.municipality_names)]:
            fi, sv = names[code]
            everything = index.by_municipality.get(code, empty)
            named = [found for key in {place_key(fi), place_key(sv)} for found in post_towns_here.get(key, [])]
            centre = np.intersect1d(np.concatenate(named), everything) if named else empty
            if not np.any(~np.isnan(index.latitude[centre])):
                centre = everything
            self.centres[code] = centre
            town = Town((fi, sv), code, centre, True)
            for name in (fi, sv):
                self.towns.setdefault(place_key(name), town)
        self.municipality_names = names
        post_towns: dict[str, tuple[str, list[np.ndarray], list[str]]] = {}
        for name, codes in posti.towns.items():
            found = [index.by_postcode[code] for code in codes if code in index.by_postcode]
            municipalities = [posti.municipality[code] for code in codes if code in posti.municipality]
            post_towns[place_key(name)] = (name, found, municipalities)
        for written, positions in index.post_towns.items():
            key = place_key(written)
            name, found, municipalities = post_towns.get(key, (written, [], []))
            post_towns[key] = (name, [*found, positions], [*municipalities, *index.municipality[positions]])
        for key, (name, found, municipalities) in post_towns.items():
            if key in self.towns or not key:
                continue
            written = _written(name)
            code = Counter(municipalities).most_common(1)[0][0] if municipalities else ""
            positions = np.unique(np.concatenate(found)) if found else empty
            self.towns[key] = Town((written, written), code, positions, False)
        self.town_keys = list(self.towns)
        self.town_keys_with_units = [key for key, town in self.towns.items() if len(town.positions)]
        self.street_keys = list(index.street_names)

    def town(self, words: str, fuzzy: bool = True) -> Town | None:
        key = place_key(words)
        if not key:
            return None
        found = self.towns.get(key)
        if found is None and fuzzy and len(key) >= 4:
            # A typing error of a town with units before one of a village with none ("Mänytlahti").
            for keys in (self.town_keys_with_units, self.town_keys):
                match = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=TOWN_SCORE)
                if match:
                    return self.towns[match[0]]
        return found

    def is_town(self, words: str, fuzzy: bool) -> bool:
        return self.town(words, fuzzy) is not None

    def is_street(self, words: str) -> bool:
        return street_name(words) in self.index.street_names

    def centre(self, code: str) -> np.ndarray:
        """A municipality's central units: those in the post town of its own name (TUUSULA, not Jokela), where the
        town hall and the main health centre are; all its units when none is."""
        return self.centres.get(code, np.zeros(0, dtype=np.int64))

    def municipality_name(self, code: str, language: str) -> str:
        fi, sv = self.municipality_names.get(code, (code, code))
        return sv if language == "sv" and sv else fi

    def postcode_municipality(self, postcode: str) -> str:
        """The municipality of a postcode: Posti's, else that of the catalogue's units with it; "" unknown."""
        code = self.posti.municipality.get(postcode, "")
        if not code and postcode in self.index.by_postcode:
            codes = Counter(self.index.municipality[self.index.by_postcode[postcode]])
            code = str(codes.most_common(1)[0][0])
        return code


def _written(name: str) -> str:
    """Posti's and PTV's post towns come in capitals: "KLAUKKALA" -> "Klaukkala", "KOSKI TL" -> "Koski Tl"."""
    return name.title() if name.isupper() else name


_lock = threading.Lock()


def gazetteer(index: CatalogueIndex) -> Gazetteer:
    """The index's gazetteer, built on the first place typed and kept with the index (so it goes when the
    catalogue changes and the index is rebuilt)."""
    found: Gazetteer | None = index.derived.get("gazetteer")
    if found is None:
        with _lock:
            found = index.derived.get("gazetteer")
            if found is None:
                found = index.derived["gazetteer"] = Gazetteer(index, postcodes())
    return found


# --- placing ------------------------------------------------------------------------------------------------------


def _centre(index: CatalogueIndex, positions: np.ndarray) -> tuple[float, float] | None:
    positions = positions[~np.isnan(index.latitude[positions])]
    if not len(positions):
        return None
    return float(index.latitude[positions].mean()), float(index.longitude[positions].mean())


def municipality_name(index: CatalogueIndex, code: str, language: str) -> str:
    names = index.municipality_names.get(code, {})
    return (names.get("sv") if language == "sv" else None) or names.get("fi") or code


def home_place(index: CatalogueIndex, municipality_code: str | None, language: str) -> Place | None:
    if not municipality_code:
        return None
    point = _centre(index, gazetteer(index).centre(municipality_code))
    if point is None:
        return None
    return Place("home", municipality_name(index, municipality_code, language), *point)


def resolve_place(index: CatalogueIndex, text: str, language: str) -> Place | None:
    """Where `text` is, or None when it cannot be placed (`locate` says why)."""
    found = locate(index, text, language)
    return found if isinstance(found, Place) else None


def locate(index: CatalogueIndex, text: str, language: str) -> Place | Unplaced:
    """The most precise place the catalogue can give for what was typed, or why there is none."""
    text = text.strip()
    problem = place_problem(text)
    if problem in ("control", "format"):
        return Unplaced(problem)
    if problem:
        return Unplaced("unknown")
    places = gazetteer(index)
    typed = parse_place(text, places.is_town, places.is_street)
    towns = [town for town in (places.town(words) for words in typed.towns) if town is not None]
    town = towns[0] if towns else None
    postcode_municipality = places.postcode_municipality(typed.postcode) if typed.postcode else ""
    area = {found.municipality for found in towns if found.municipality}
    if postcode_municipality:
        area.add(postcode_municipality)

    if typed.street:
        on_street = _on_street(index, places, typed, area, town, language)
        if isinstance(on_street, Place) or (on_street is not None and not (typed.postcode or town)):
            return on_street
    unplaced: Unplaced | None = None
    if typed.postcode:
        point = _centre(index, index.by_postcode.get(typed.postcode, np.zeros(0, dtype=np.int64)))
        if point:
            return Place("postcode", typed.postcode, *point)
        if not postcode_municipality:
            unplaced = Unplaced("unknown_postcode", postcode=typed.postcode)
        else:
            name = places.municipality_name(postcode_municipality, language)
            point = _centre(index, places.centre(postcode_municipality))
            if point:
                return Place("postcode_municipality", name, *point, via=typed.postcode)
            unplaced = Unplaced("no_units", municipality=name, postcode=typed.postcode)
    if town is not None:
        point = _centre(index, town.positions)
        if point:
            return Place("municipality" if town.is_municipality else "town", town.name(language), *point)
        name = places.municipality_name(town.municipality, language) if town.municipality else town.name(language)
        point = _centre(index, places.centre(town.municipality))
        if point and not town.is_municipality:
            return Place("town_municipality", name, *point, via=town.name(language))
        return unplaced or Unplaced("no_units", municipality=name)
    return unplaced or Unplaced("unknown")


def _on_street(
    index: CatalogueIndex,
    places: Gazetteer,
    typed: TypedPlace,
    area: set[str],
    town: Town | None,
    language: str,
) -> Place | Unplaced | None:
    """A unit at the typed address, else the units on the typed street; in `area` (municipality codes) when that
    is given. An Unplaced("ambiguous") for a street in several municipalities when no town or postcode says which."""
    wanted = street_name(typed.street)
    if not wanted:
        return None
    positions = _street_positions(index, places, wanted, area)
    if positions is None:
        return None
    municipalities = set(index.municipality[positions])
    if not area and len(municipalities) > 1:
        return Unplaced("ambiguous", street=_street_label(index, positions[0], language))
    where = town.name(language) if town else places.municipality_name(str(next(iter(municipalities))), language)
    same = _same_number(index, positions, typed.number) if typed.number else positions[:0]
    point = _centre(index, same)
    if point is not None:
        return Place("address", f"{_street_label(index, same[0], language)} {typed.number}, {where}", *point)
    point = _centre(index, positions)
    if point is None:
        return None
    return Place("street", f"{_street_label(index, positions[0], language)}, {where}", *point)


def _street_positions(index: CatalogueIndex, places: Gazetteer, wanted: str, area: set[str]) -> np.ndarray | None:
    """The units on the street (by its exact name, else the closest names with a typing error) that have
    coordinates, in `area` when given; None when there are none."""

    def usable(positions: np.ndarray) -> np.ndarray:
        positions = positions[~np.isnan(index.latitude[positions])]
        if area:
            positions = positions[np.isin(index.municipality[positions], list(area))]
        return positions

    exact = index.street_names.get(wanted)
    if exact is not None and len(found := usable(exact)):
        return found
    best = 0.0
    hits: list[np.ndarray] = []
    for name, score, _ in process.extract(
        wanted, places.street_keys, scorer=fuzz.ratio, score_cutoff=STREET_SCORE, limit=None
    ):
        if name == wanted or (hits and score < best - 3):
            continue
        found = usable(index.street_names[name])
        if len(found):
            best = best or score
            hits.append(found)
    return np.unique(np.concatenate(hits)) if hits else None


def _house(street: str | None) -> tuple[str, str] | None:
    """ "Sibeliuksenkatu 36 A" -> ("36", "A"); None without a number."""
    found = _UNIT_NUMBER.search(street or "")
    return (found.group(1), (found.group(2) or "").upper()) if found else None


def _same_number(index: CatalogueIndex, positions: np.ndarray, number: str) -> np.ndarray:
    """The positions whose address has the typed house number, those with the same staircase first if any."""
    wanted = _house(" " + number)
    if wanted is None:
        return positions[:0]
    houses = {int(i): {_house(index.streets["fi"][i]), _house(index.streets["sv"][i])} for i in positions}
    same = [i for i, found in houses.items() if wanted in found]
    if not same:
        same = [i for i, found in houses.items() if any(house and house[0] == wanted[0] for house in found)]
    return np.array(same, dtype=np.int64)


def _street_label(index: CatalogueIndex, position: int, language: str) -> str:
    """The street's name as the catalogue writes it, in the reader's language where it has one, without number."""
    street = (index.streets["sv"][position] if language == "sv" else None) or index.streets["fi"][position] or ""
    return HOUSE_NUMBER.sub("", street).strip()
