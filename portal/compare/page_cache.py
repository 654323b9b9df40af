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

from flask import current_app, g, session

from portal.compare.index import current_index
from portal.htmx import is_htmx
from portal.i18n import current_language

_ANONYMOUS_SESSION_KEYS = frozenset({"lang"})  # a language choice is in the key; anything else is personal


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    headers: tuple[tuple[str, str], ...]


class PageCache:
    """Least recently used, bounded by entries and by bytes: a flood of distinct URLs cannot grow a worker."""

    def __init__(self, size: int, max_bytes: int) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self._pages: OrderedDict[tuple, CachedPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: CachedPage) -> None:
        if len(page.body) > self.max_bytes // 8:
            return  # an outsize page is not worth eight ordinary ones
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self.bytes -= len(old.body)
            self._pages[key] = page
            self.bytes += len(page.body)
            while len(self._pages) > self.size or self.bytes > self.max_bytes:
                _, dropped = self._pages.popitem(last=False)
                self.bytes -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._pages)


def _cache() -> PageCache | None:
    size = current_app.config.get("COMPARE_PAGE_CACHE_SIZE", 0)
    if size <= 0:
        return None
    cache = current_app.extensions.get("compare_page_cache")
    if cache is None:
        cache = current_app.extensions["compare_page_cache"] = PageCache(
            size, current_app.config.get("COMPARE_PAGE_CACHE_BYTES", 32 * 1024 * 1024)
        )
    return cache


def page_key(state: tuple) -> tuple | None:
    """The key of this request's page, or None when the page may hold something of this visitor's own.

    `state` is what the page depends on, as the view reads it (a search's known parameters): never the raw URL,
    so unknown parameters neither make new entries nor reach the page, and the Host header is no part of it
    (the pages hold only relative links)."""
    if _cache() is None or g.get("user") is not None or getattr(session, "expired", False):
        return None
    if set(session.keys()) - _ANONYMOUS_SESSION_KEYS:
        return None
    return (current_language(), _freeze(state), is_htmx(), current_index().version)


def _freeze(value: object) -> object:
    if isinstance(value, dict):
        return tuple(sorted((key, _freeze(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    return value


def cached(key: tuple | None) -> CachedPage | None:
    cache = _cache()
    return cache.get(key) if cache is not None and key is not None else None


def store(key: tuple | None, body: bytes, headers: tuple[tuple[str, str], ...]) -> None:
    cache = _cache()
    if cache is not None and key is not None:
        cache.put(key, CachedPage(body, headers))
