"""What the compare views ask for, in one place: search with the visitor's origin, and the compare list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from flask import g

from portal.compare import basket
from portal.compare.index import PROVIDER_TYPES, CatalogueIndex, current_index
from portal.compare.names import localised
from portal.compare.places import Place, Unplaced, home_place, locate, municipality_name
from portal.compare.search import SearchQuery, SearchResult, search
from portal.compare.units import Unit, load_units
from portal.formatting import place_name
from portal.i18n import UI_LANGUAGES, current_language


def content_language() -> str:
    """The PTV content language for the interface language (plain-language Finnish reads the Finnish texts)."""
    return UI_LANGUAGES[current_language()].locale


@dataclass
class SearchPage:
    index: CatalogueIndex
    query: SearchQuery
    result: SearchResult
    place_not_found: bool  # a place was typed and gives no distances: place_problem says why
    home_used: bool
    full: dict[str, set[str]] = field(default_factory=dict)  # kind -> units the organiser's capacity has filled
    place_problem: Unplaced | None = None


def search_query(args: Mapping[str, str]) -> SearchQuery:
    """The search a query string asks for, with every value it does not know dropped."""
    return SearchQuery.from_args(args, current_index().municipality_names)


def run_search(query: SearchQuery, full: dict[str, set[str]]) -> SearchPage:
    """`full` is choice.services.full_units_now(), read once for the page (the view keys its cache on it)."""
    index = current_index()
    language = content_language()
    origin: Place | None = None
    place_problem: Unplaced | None = None
    if query.near:
        found = locate(index, query.near, language)
        origin, place_problem = (found, None) if isinstance(found, Place) else (None, found)
    place_not_found = place_problem is not None
    user = g.get("user")
    home_used = False
    if origin is None and not query.near and user is not None and user.kind == "resident":
        origin = home_place(index, user.home_municipality_code, language)
        home_used = origin is not None
    result = search(index, query, language, origin, closed=closed_by_capacity(index, full, query.kind))
    return SearchPage(index, query, result, place_not_found, home_used, full, place_problem=place_problem)


def closed_by_capacity(index: CatalogueIndex, full: dict[str, set[str]], kind: str) -> np.ndarray | None:
    """The units "accepts new clients" must leave out because the organiser's capacity is reached: for a search of
    one kind, the units full for that kind; for all kinds, those full for every kind they are approved for."""
    if not any(full.values()) or (kind and kind not in full):  # a voucher service has no listing capacity
        return None
    closed = np.zeros(len(index), dtype=bool)
    for location_id in full[kind] if kind else set().union(*full.values()):
        position = index.position.get(location_id)
        if position is None:
            continue
        approved = [k for k in full if k in index.kinds and index.kinds[k][position]]
        if kind or all(location_id in full[k] for k in approved):
            closed[position] = True
    return closed


def in_catalogue(location_id: str) -> bool:
    """Whether the catalogue has this unit, from the index: no rows read or records parsed."""
    return location_id in current_index().position


def compared_units() -> list[Unit]:
    ids = basket.compared_ids()
    units = load_units(ids)
    basket.keep_only([u.id for u in units])
    return units


@dataclass(frozen=True)
class ResultRow:
    """One search result, read from the index alone so a result page needs no database reads."""

    id: str
    name: str
    name_language: str  # the language the name is in: differs from the wanted one when PTV has no translation
    street: str | None
    postal_code: str
    municipality: str
    distance_km: float | None
    kinds: tuple[str, ...]
    voucher_services: tuple[str, ...]
    accepts_new: bool
    full_kinds: tuple[str, ...]  # the listing kinds it has no room for (the organiser's capacity is reached)
    t3_days: int | None
    satisfaction: float | None
    provider_type: str | None
    languages: tuple[str, ...]
    evenings: bool
    weekends: bool
    accessible: bool


def result_rows(page: SearchPage) -> list[ResultRow]:
    index, language = page.index, content_language()
    rows = []
    for summary in page.result.summaries:
        i = summary.position
        name = localised(index.names, i, language)
        street = index.streets["sv"][i] if language == "sv" and index.streets["sv"][i] else index.streets["fi"][i]
        code = index.municipality[i]
        t3, satisfaction = index.t3[i], index.satisfaction[i]
        rows.append(
            ResultRow(
                id=summary.id,
                name=name.text,
                name_language=name.language,
                street=place_name(street) or None,
                postal_code=index.postal_code[i],
                municipality=municipality_name(index, code, language) if code else "",
                distance_km=summary.distance_km,
                kinds=tuple(kind for kind, mask in index.kinds.items() if mask[i]),
                voucher_services=tuple(service for service, mask in index.vouchers.items() if mask[i]),
                accepts_new=bool(index.accepts_new[i]),
                full_kinds=tuple(kind for kind, units in page.full.items() if summary.id in units),
                t3_days=None if t3 != t3 else int(t3),
                satisfaction=None if satisfaction != satisfaction else float(satisfaction),
                provider_type=PROVIDER_TYPES[index.provider[i]] if index.provider[i] >= 0 else None,
                languages=tuple(lang for lang, mask in index.speaks.items() if mask[i]),
                evenings=bool(index.evenings[i]),
                weekends=bool(index.weekends[i]),
                accessible=bool(index.accessible[i]),
            )
        )
    return rows
