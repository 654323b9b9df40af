"""The catalogue as an in-memory search index: numpy columns for filters and sorting, and a token vocabulary for
typo-tolerant search with rapidfuzz.

Each worker process builds it once per catalogue version (an import or an overlay load changes the version) and
answers searches without touching the database, which keeps a search over a national catalogue (50 000 locations)
within milliseconds. Only the page's rows are then read back for display.
"""

from __future__ import annotations

import bisect
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import func, select

from portal.catalogue.derive import provider_type
from portal.compare.text import fold, sort_key, tokens
from portal.extensions import db
from portal.models import (
    CatalogueApproval,
    CatalogueImport,
    CatalogueLocation,
    CatalogueOrganisation,
    CatalogueOverlayLoad,
)

CONTENT_LANGUAGES = ("fi", "sv", "en")
PROVIDER_TYPES = ("public", "private", "third_sector")
NAME_WEIGHT, PLACE_WEIGHT = 1.0, 0.9  # a hit in the unit's name ranks above one in its address


@dataclass
class CatalogueIndex:
    version: tuple
    ids: list[str]
    position: dict[str, int]
    names: dict[str, list[str | None]]  # per content language
    streets: dict[str, list[str | None]]  # fi, sv
    municipality_names: dict[str, dict[str, str]]  # code -> {fi, sv}
    municipality: np.ndarray  # code per location (str objects)
    by_municipality: dict[str, np.ndarray]  # code -> positions, so a municipality filter compares no strings
    postal_code: np.ndarray
    by_postcode: dict[str, np.ndarray]  # postcode -> positions
    post_towns: dict[str, np.ndarray]  # post town as PTV writes it (fi and sv: "KLAUKKALA") -> positions
    latitude: np.ndarray  # NaN without coordinates
    longitude: np.ndarray
    speaks: dict[str, np.ndarray]  # language -> bool
    evenings: np.ndarray
    weekends: np.ndarray
    accessible: np.ndarray
    provider: np.ndarray  # index into PROVIDER_TYPES, -1 unknown
    kinds: dict[str, np.ndarray]  # sote_centre / dental_unit / voucher_provider -> bool
    vouchers: dict[str, np.ndarray]  # voucher service -> bool
    accepts_new: np.ndarray
    t3: np.ndarray  # NaN without a figure
    satisfaction: np.ndarray
    name_rank: dict[str, np.ndarray]  # per content language: position in alphabetical order
    vocabulary: list[str]  # sorted
    postings: dict[str, tuple[np.ndarray, np.ndarray]]  # token -> (locations, weights)
    street_names: dict[str, np.ndarray]  # folded street name without the number (fi and sv) -> locations
    # What other modules derive from this index once (the place lookup's gazetteer): it lives and dies with it.
    derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    def prefixed(self, prefix: str) -> list[str]:
        start = bisect.bisect_left(self.vocabulary, prefix)
        end = bisect.bisect_left(self.vocabulary, prefix + "\uffff")
        return self.vocabulary[start:end]


def catalogue_version() -> tuple:
    """Changes whenever an import or an overlay load commits. Times as well as ids, because a database that was
    emptied and filled again can hand out the same ids."""
    imports = db.session.execute(select(func.max(CatalogueImport.id), func.max(CatalogueImport.finished_at))).one()
    overlays = db.session.execute(
        select(func.max(CatalogueOverlayLoad.id), func.max(CatalogueOverlayLoad.loaded_at))
    ).one()
    return (*imports, *overlays)


_lock = threading.Lock()
_cache: dict[str, CatalogueIndex] = {}
_checked: dict[str, tuple[float, tuple]] = {}  # database -> (when the version was read, the version)


def current_index() -> CatalogueIndex:
    """The index for the catalogue as it is now; rebuilt when the version has moved on.

    The version is read at most every CATALOGUE_VERSION_TTL_SECONDS per process: an import shows up on the
    compare pages within that time, and a page view costs no query.
    """
    key = str(db.engine.url)
    ttl = current_app.config.get("CATALOGUE_VERSION_TTL_SECONDS", 0)
    now = time.monotonic()
    checked = _checked.get(key)
    if checked and ttl and now - checked[0] < ttl and key in _cache:
        version = checked[1]
    else:
        version = catalogue_version()
        _checked[key] = (now, version)
    index = _cache.get(key)
    if index is None or index.version != version:
        with _lock:
            index = _cache.get(key)
            if index is None or index.version != version:
                index = build_index(version)
                _cache[key] = index
    return index


def build_index(version: tuple) -> CatalogueIndex:
    columns = (
        CatalogueLocation.id,
        CatalogueLocation.name_fi,
        CatalogueLocation.name_sv,
        CatalogueLocation.name_en,
        CatalogueLocation.street_fi,
        CatalogueLocation.street_sv,
        CatalogueLocation.post_office_fi,
        CatalogueLocation.post_office_sv,
        CatalogueLocation.postal_code,
        CatalogueLocation.municipality_code,
        CatalogueLocation.municipality_fi,
        CatalogueLocation.municipality_sv,
        CatalogueLocation.latitude,
        CatalogueLocation.longitude,
        CatalogueLocation.languages,
        CatalogueLocation.open_evenings,
        CatalogueLocation.open_weekends,
        CatalogueLocation.accessible_entrance,
        CatalogueOrganisation.organisation_type,
    )
    query = (
        select(*columns)
        .outerjoin(CatalogueOrganisation, CatalogueOrganisation.id == CatalogueLocation.organisation_id)
        .order_by(CatalogueLocation.id)
    )
    rows = db.session.execute(query).all()
    n = len(rows)
    ids = [r.id for r in rows]
    position = {location_id: i for i, location_id in enumerate(ids)}

    def floats(values) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in values], dtype=float)

    municipality_names: dict[str, dict[str, str]] = {}
    for r in rows:
        if r.municipality_code and r.municipality_code not in municipality_names and r.municipality_fi:
            municipality_names[r.municipality_code] = {"fi": r.municipality_fi, "sv": r.municipality_sv or ""}

    names = {lang: [getattr(r, f"name_{lang}") for r in rows] for lang in CONTENT_LANGUAGES}
    languages = [set((r.languages or "").split()) for r in rows]
    types = [provider_type(r.organisation_type) for r in rows]

    kinds = {kind: np.zeros(n, dtype=bool) for kind in ("sote_centre", "dental_unit", "voucher_provider")}
    vouchers: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(n, dtype=bool))
    accepts_new = np.zeros(n, dtype=bool)
    t3 = np.full(n, np.nan)
    satisfaction = np.full(n, np.nan)
    for approval in db.session.scalars(select(CatalogueApproval)):
        i = position.get(approval.location_id)
        if i is None:
            continue
        for kind in approval.kinds.split():
            if kind in kinds:
                kinds[kind][i] = True
        for service in approval.voucher_services.split():
            vouchers[service][i] = True
        accepts_new[i] = approval.accepts_new_clients
        if approval.t3_days is not None:
            t3[i] = approval.t3_days
        if approval.satisfaction is not None:
            satisfaction[i] = approval.satisfaction

    name_rank = {}
    for lang in CONTENT_LANGUAGES:
        shown = [names[lang][i] or names["fi"][i] or names["sv"][i] or names["en"][i] for i in range(n)]
        order = sorted(range(n), key=lambda i: sort_key(shown[i]))
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        name_rank[lang] = rank

    vocabulary, postings = _postings(rows)
    by_municipality: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        if r.municipality_code:
            by_municipality[r.municipality_code].append(i)
    streets: dict[str, list[int]] = defaultdict(list)
    by_postcode: dict[str, list[int]] = defaultdict(list)
    post_towns: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        for value in {street_name(r.street_fi), street_name(r.street_sv)} - {""}:
            streets[value].append(i)
        if r.postal_code:
            by_postcode[r.postal_code].append(i)
        for value in {(r.post_office_fi or "").strip(), (r.post_office_sv or "").strip()} - {""}:
            post_towns[value].append(i)
    return CatalogueIndex(
        version=version,
        ids=ids,
        position=position,
        names=names,
        streets={"fi": [r.street_fi for r in rows], "sv": [r.street_sv for r in rows]},
        municipality_names=municipality_names,
        municipality=np.array([r.municipality_code or "" for r in rows], dtype=object),
        by_municipality={code: np.array(hits, dtype=np.int64) for code, hits in by_municipality.items()},
        postal_code=np.array([r.postal_code or "" for r in rows], dtype=object),
        by_postcode={code: np.array(hits, dtype=np.int64) for code, hits in by_postcode.items()},
        post_towns={name: np.array(hits, dtype=np.int64) for name, hits in post_towns.items()},
        latitude=floats(r.latitude for r in rows),
        longitude=floats(r.longitude for r in rows),
        speaks={lang: np.array([lang in spoken for spoken in languages], dtype=bool) for lang in CONTENT_LANGUAGES},
        evenings=np.array([bool(r.open_evenings) for r in rows], dtype=bool),
        weekends=np.array([bool(r.open_weekends) for r in rows], dtype=bool),
        accessible=np.array([bool(r.accessible_entrance) for r in rows], dtype=bool),
        provider=np.array([PROVIDER_TYPES.index(t) if t else -1 for t in types], dtype=np.int8),
        kinds=kinds,
        vouchers=dict(vouchers),
        accepts_new=accepts_new,
        t3=t3,
        satisfaction=satisfaction,
        name_rank=name_rank,
        vocabulary=vocabulary,
        postings=postings,
        street_names={name: np.array(hits, dtype=np.int64) for name, hits in streets.items()},
    )


HOUSE_NUMBER = re.compile(r"\s+\d+\s*[a-zA-Z]?(\s*[-–]\s*\d+)?(\s+[a-zA-Z]\s*\d*)?$")


_WORD = re.compile(r"[^\W_]+")


def place_key(name: str | None) -> str:
    """ "MÄNTTÄ-VILPPULA" -> "mantta vilppula": how a town's name is looked up, however it was written."""
    return " ".join(_WORD.findall(fold(name or "")))


def street_name(street: str | None) -> str:
    """ "Sibeliuksenkatu 5 B 12" -> "sibeliuksenkatu": folded, without the house number."""
    return " ".join(tokens(HOUSE_NUMBER.sub("", street or "")))


def _postings(rows) -> tuple[list[str], dict[str, tuple[np.ndarray, np.ndarray]]]:
    weights: dict[str, dict[int, float]] = defaultdict(dict)
    for i, r in enumerate(rows):
        for text in (r.name_fi, r.name_sv, r.name_en):
            for token in tokens(text):
                weights[token][i] = NAME_WEIGHT
        for text in (r.street_fi, r.street_sv, r.post_office_fi, r.post_office_sv, r.municipality_fi,
                     r.municipality_sv, r.postal_code):  # fmt: skip
            for token in tokens(text):
                if weights[token].get(i, 0) < PLACE_WEIGHT:
                    weights[token][i] = PLACE_WEIGHT
    postings = {
        token: (
            np.fromiter(hits.keys(), dtype=np.int64, count=len(hits)),
            np.fromiter(hits.values(), dtype=float, count=len(hits)),
        )  # fmt: skip
        for token, hits in weights.items()
    }
    return sorted(postings), postings
