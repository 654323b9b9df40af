"""Search and filter the catalogue: a query from the URL in, one page of summaries out.

The whole state of a search lives in the query string (`SearchQuery.from_args` / `to_args`), so a result list
can be shared, bookmarked and reached with Back, and the same form works as a plain GET without JavaScript.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from adapters.overlay import Kind, VoucherService
from portal.assistant.text import stem
from portal.compare.index import PROVIDER_TYPES, CatalogueIndex
from portal.compare.places import Place
from portal.compare.text import tokens
from portal.inputs import parse_int

PER_PAGE = 20
SORTS = ("relevance", "distance", "name", "waiting", "satisfaction")
DISTANCES_KM = (5, 10, 25, 50)
KIND_VALUES = (Kind.SOTE_CENTRE.value, Kind.DENTAL_UNIT.value, *(f"voucher:{v.value}" for v in VoucherService))
SERVICE_LANGUAGES = ("fi", "sv", "en")
FLAGS = ("evenings", "weekends", "accessible", "accepts_new")
MAX_QUERY_LENGTH = 200
PREFIX_SCORE = 95.0
STEM_SCORE = 90.0  # a name the typed word's stem begins: below a plain prefix, above most typing errors
STEM_MIN = 4  # a shorter stem begins too many names


@dataclass(frozen=True)
class SearchQuery:
    """A search as its query string states it; `PARAMETERS` are the names it reads, and nothing else counts."""

    q: str = ""
    kind: str = ""
    municipality: str = ""
    service_language: str = ""
    provider: str = ""
    near: str = ""
    within: int | None = None
    evenings: bool = False
    weekends: bool = False
    accessible: bool = False
    accepts_new: bool = False
    sort: str = ""
    page: int = 1
    problems: tuple[str, ...] = field(default=(), compare=False)  # names of fields whose value was refused

    @classmethod
    def from_args(cls, args: Mapping[str, str], municipalities: Collection[str] = ()) -> SearchQuery:
        """Read a query string; a value that is not one of the allowed ones is dropped and its field named in
        `problems` (the typed place and text are kept as typed, whatever they are)."""
        problems = []

        def choice(name: str, allowed) -> str:
            value = (args.get(name) or "").strip()
            if value and value not in allowed:
                problems.append(name)
                return ""
            return value

        def number(name: str, allowed) -> int | None:
            value = (args.get(name) or "").strip()
            if not value:
                return None
            number = parse_int(value)
            if number is None or number not in allowed:
                problems.append(name)
                return None
            return number

        page = parse_int(args.get("page"), minimum=1, maximum=9_999) or 1
        return cls(
            q=(args.get("q") or "").strip()[:MAX_QUERY_LENGTH],
            kind=choice("kind", KIND_VALUES),
            municipality=choice("municipality", municipalities),
            service_language=choice("service_language", SERVICE_LANGUAGES),
            provider=choice("provider", PROVIDER_TYPES),
            near=(args.get("near") or "").strip()[:MAX_QUERY_LENGTH],
            within=number("within", DISTANCES_KM),
            sort=choice("sort", SORTS),
            page=page,
            problems=tuple(problems),
            **{flag: args.get(flag) in ("1", "on", "true") for flag in FLAGS},
        )

    def to_args(self, **changes: Any) -> dict[str, str]:
        """The query string for this search (with `changes`), leaving out defaults so URLs stay short."""
        values = asdict(replace(self, **changes))
        values.pop("problems")
        args = {}
        for name, value in values.items():
            if value in ("", None, False) or (name == "page" and value == 1):
                continue
            args[name] = "1" if value is True else str(value)
        return args

    @property
    def filtered(self) -> bool:
        return bool(self.to_args(page=1, sort=""))


@dataclass(frozen=True)
class Summary:
    position: int  # in the index
    id: str
    distance_km: float | None


@dataclass(frozen=True)
class SearchResult:
    query: SearchQuery
    sort: str  # the sort applied (the query's, or the default for it)
    total: int
    page: int
    pages: int
    summaries: tuple[Summary, ...]
    origin: Place | None  # where distances are measured from
    unmatched_text: bool  # the text matched nothing at all in the catalogue


def default_sort(query: SearchQuery, origin: Place | None) -> str:
    if query.sort:
        return query.sort
    if query.q:
        return "relevance"
    return "distance" if origin else "name"


def search(
    index: CatalogueIndex,
    query: SearchQuery,
    language: str,
    origin: Place | None,
    per_page: int = PER_PAGE,
    closed: np.ndarray | None = None,
) -> SearchResult:
    """`language` is the content language (fi, sv, en) names are sorted in; `closed` marks the units that take no
    new clients because the organiser's capacity is reached (the catalogue's flag cannot know)."""
    mask = _filter_mask(index, query)
    if query.accepts_new and closed is not None:
        mask &= ~closed
    score = None
    unmatched = False
    if query.q:
        score = text_scores(index, query.q)
        unmatched = not score.any()
        mask &= score > 0
    distance = None
    if origin is not None:
        # Only the locations the filters kept get a distance (the rest are never shown or sorted): a municipality's
        # units, not the whole country's, for a resident whose home is the origin.
        distance = np.full(len(index), np.nan)
        kept = np.flatnonzero(mask)
        distance[kept] = haversine_km(origin.latitude, origin.longitude, index.latitude[kept], index.longitude[kept])
        if query.within:
            mask &= distance <= query.within  # NaN compares False: places without coordinates drop out
    sort = default_sort(query, origin)
    if sort == "distance" and distance is None:
        sort = "name"
    if sort == "relevance" and score is None:
        sort = "name"
    candidates = np.flatnonzero(mask)
    order = candidates[_ordering(index, candidates, sort, language, score, distance)]
    total = len(order)
    pages = max(1, -(-total // per_page))
    page = min(query.page, pages)
    chosen = order[(page - 1) * per_page : page * per_page]
    summaries = tuple(
        Summary(
            int(i),
            index.ids[i],
            None if distance is None or np.isnan(distance[i]) else float(distance[i]),
        )
        for i in chosen
    )
    return SearchResult(query, sort, total, page, pages, summaries, origin, unmatched)


def _filter_mask(index: CatalogueIndex, query: SearchQuery) -> np.ndarray:
    mask = np.ones(len(index), dtype=bool)
    if query.kind.startswith("voucher:"):
        service = query.kind.removeprefix("voucher:")
        mask &= index.vouchers.get(service, np.zeros(len(index), dtype=bool))
    elif query.kind:
        mask &= index.kinds[query.kind]
    if query.municipality:
        mask &= _positions(len(index), index.by_municipality.get(query.municipality))
    if query.service_language:
        mask &= index.speaks[query.service_language]
    if query.provider:
        mask &= index.provider == PROVIDER_TYPES.index(query.provider)
    if query.evenings:
        mask &= index.evenings
    if query.weekends:
        mask &= index.weekends
    if query.accessible:
        mask &= index.accessible
    if query.accepts_new:
        mask &= index.accepts_new
    return mask


def _positions(size: int, positions: np.ndarray | None) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    if positions is not None:
        mask[positions] = True
    return mask


def _ordering(index, candidates, sort, language, score, distance) -> np.ndarray:
    name_rank = index.name_rank[language][candidates]
    keys: tuple[np.ndarray, ...]
    if sort == "relevance" and distance is not None:
        keys = (name_rank, np.nan_to_num(distance[candidates], nan=np.inf), -score[candidates])
    elif sort == "relevance":
        keys = (name_rank, -score[candidates])
    elif sort == "distance":
        keys = (name_rank, np.nan_to_num(distance[candidates], nan=np.inf))
    elif sort == "waiting":
        keys = (name_rank, np.nan_to_num(index.t3[candidates], nan=np.inf))
    elif sort == "satisfaction":
        keys = (name_rank, np.nan_to_num(-index.satisfaction[candidates], nan=np.inf))
    else:
        keys = (name_rank,)
    return np.lexsort(keys)  # the last key is the primary one


def token_matches(index: CatalogueIndex, word: str) -> dict[str, float]:
    """Vocabulary tokens a typed word stands for, with a score: exact 100, prefix 95, else rapidfuzz's ratio."""
    matches = {token: (100.0 if token == word else PREFIX_SCORE) for token in index.prefixed(word)}
    if len(word) >= 4:
        cutoff = 80 if len(word) >= 6 else 85  # short words need a closer match, or everything matches
        for token, score, _ in process.extract(
            word, index.vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
        ):
            if score > matches.get(token, 0):
                matches[token] = score
    if not matches:
        matches = _stem_matches(index, word)
    return matches


def _stem_matches(index: CatalogueIndex, word: str) -> dict[str, float]:
    """An inflected word that matched nothing ("sote-keskukseen", "tandläkaren") stands for the names its stem
    begins or nearly is ("keskuks" ~ "keskus"), as the chat assistant matches (portal/assistant/text.py): Finnish
    and Swedish, whichever the visitor wrote. Only then, so a search that matches costs nothing more."""
    matches: dict[str, float] = {}
    for language in ("fi", "sv"):
        root = stem(word, language)
        if len(root) < STEM_MIN or root == word:
            continue
        for token in index.prefixed(root):
            matches[token] = STEM_SCORE
        for token, score, _ in process.extract(root, index.vocabulary, scorer=fuzz.ratio, score_cutoff=85, limit=None):
            matches[token] = max(matches.get(token, 0.0), min(score, STEM_SCORE))
    return matches


def text_scores(index: CatalogueIndex, text: str) -> np.ndarray:
    """Per location: 0 unless every typed word matches one of its names or places; else the summed scores."""
    total = np.zeros(len(index))
    words = [word for word in tokens(text) if len(word) > 1] or tokens(text)
    for number, word in enumerate(words):
        best = np.zeros(len(index))
        for token, score in token_matches(index, word).items():
            locations, weights = index.postings[token]
            best[locations] = np.maximum(best[locations], score * weights)
        total = best if number == 0 else np.where((total > 0) & (best > 0), total + best, 0.0)
    return total


def haversine_km(lat: float, lon: float, latitudes: np.ndarray, longitudes: np.ndarray) -> np.ndarray:
    lat1, lon1 = np.radians(lat), np.radians(lon)
    lat2, lon2 = np.radians(latitudes), np.radians(longitudes)
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(a))


PARAMETERS = tuple(name for name in SearchQuery.__dataclass_fields__ if name != "problems")
