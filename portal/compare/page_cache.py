"""Rendered compare pages for anonymous visitors, kept per worker process.

Most visitors browse without logging in, and many ask for the same lists (a municipality's units, say). Their
pages hold nothing personal: no name, no token, no comparison list. So a page rendered for one anonymous visitor
is kept and served to the next, until the catalogue changes (the version is part of the key) or it falls out of
the least-recently-used list. Anything with a person or a session state in it is never stored.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, g, request, session

from portal.compare.index import current_index
from portal.htmx import is_htmx
from portal.i18n import current_language

_ANONYMOUS_SESSION_KEYS = frozenset({"lang"})  # a language choice is in the key; anything else is personal


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    headers: tuple[tuple[str, str], ...]


class PageCache:
    def __init__(self, size: int) -> None:
        self.size = size
        self._pages: OrderedDict[tuple, CachedPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: CachedPage) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


def _cache() -> PageCache | None:
    size = current_app.config.get("COMPARE_PAGE_CACHE_SIZE", 0)
    if size <= 0:
        return None
    cache = current_app.extensions.get("compare_page_cache")
    if cache is None:
        cache = current_app.extensions["compare_page_cache"] = PageCache(size)
    return cache


def page_key() -> tuple | None:
    """The key of this request's page, or None when the page may hold something of this visitor's own."""
    if _cache() is None or g.get("user") is not None or getattr(session, "expired", False):
        return None
    if set(session.keys()) - _ANONYMOUS_SESSION_KEYS:
        return None
    return (current_language(), request.full_path, is_htmx(), current_index().version)


def cached(key: tuple | None) -> CachedPage | None:
    cache = _cache()
    return cache.get(key) if cache is not None and key is not None else None


def store(key: tuple | None, body: bytes, headers: tuple[tuple[str, str], ...]) -> None:
    cache = _cache()
    if cache is not None and key is not None:
        cache.put(key, CachedPage(body, headers))
