"""HTTP client for the PTV Open API v11 read endpoints (anonymous, GET only).

Each public method is one remote operation from FORMAT.md §1 and yields raw JSON records; parsing is the reader's
job. Every request has a timeout. 429, 5xx, timeouts and connection errors are retried with exponential backoff
(a Retry-After header is honoured, capped); any other HTTP error, and a failure that outlasts the retries, raises
`FeedError` naming the URL and status, so a caller stores nothing from a half-read feed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from adapters.ptv.errors import FeedError

GUIDS_PER_REQUEST = 100  # /list?guids= takes at most 100 ids
_RETRY_STATUSES = frozenset({429}) | frozenset(range(500, 600))
_MUNICIPALITY = re.compile(r"^\d{1,3}$")
Timeout = float | tuple[float, float]


class PtvClient:
    def __init__(
        self,
        base_url: str,
        timeout: Timeout = (5, 30),
        max_retries: int = 4,
        backoff: float = 0.5,
        session: requests.Session | None = None,
        *,
        max_retry_after: float = 60.0,
    ) -> None:
        """`base_url` is the API root, e.g. https://api.palvelutietovaranto.suomi.fi/api/v11.

        `timeout` is (connect, read) seconds or one number for both; `max_retries` is the number of retries after
        the first attempt; `backoff` the first wait in seconds, doubled on each retry.
        """
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"PTV base URL must be an http(s) URL, got {base_url!r}")
        timeouts = timeout if isinstance(timeout, tuple) else (timeout,)
        if not timeouts or len(timeouts) > 2 or any(not isinstance(t, int | float) or t <= 0 for t in timeouts):
            raise ValueError(f"timeout must be a positive number or a (connect, read) pair, got {timeout!r}")
        if not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries must be a whole number >= 0, got {max_retries!r}")
        if backoff < 0 or max_retry_after < 0:
            raise ValueError("backoff and max_retry_after must not be negative")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self._own_session = session is None
        self.session = session or requests.Session()
        self.session.headers.setdefault("Accept", "application/json")

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def __enter__(self) -> PtvClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Full records, paged by area (the usual bulk import route).

    def service_locations_in_municipality(self, code: str) -> Iterator[dict[str, Any]]:
        """All channels of a municipality (`/ServiceChannel/list/area/Municipality/code/{code}`), 100 a page.

        The endpoint has no type filter: other channel types come too, and the reader skips them.
        """
        return self._pages(f"ServiceChannel/list/area/Municipality/code/{_municipality(code)}")

    def services_in_municipality(self, code: str) -> Iterator[dict[str, Any]]:
        return self._pages(f"Service/list/area/Municipality/code/{_municipality(code)}")

    # GUID lists for incremental sync, then full records by GUID.

    def changed_service_location_ids(self, since: datetime, until: datetime | None = None) -> Iterator[str]:
        """Ids of ServiceLocation channels created or modified after `since` (and before `until`)."""
        return self._ids("ServiceChannel/type/ServiceLocation", since, until)

    def changed_service_ids(self, since: datetime, until: datetime | None = None) -> Iterator[str]:
        return self._ids("Service", since, until)

    def changed_organisation_ids(self, since: datetime, until: datetime | None = None) -> Iterator[str]:
        return self._ids("Organization", since, until)

    def removed_channel_ids(self, since: datetime, status: str = "Archived") -> Iterator[str]:
        """Ids of channels that reached `status` (Archived or Withdrawn) after `since`: deletions to apply."""
        if status not in ("Archived", "Withdrawn"):
            raise ValueError(f"status must be Archived or Withdrawn, got {status!r}")
        return self._ids("ServiceChannel", since, None, status=status)

    def channels(self, ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        return self._by_guids("ServiceChannel/list", ids)

    def services(self, ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        return self._by_guids("Service/list", ids)

    def organisations(self, ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        return self._by_guids("Organization/list", ids)

    # Plumbing.

    def get_json(self, path: str, params: dict[str, str] | None = None) -> Any:
        """GET `base_url/path` and decode the JSON body, with the retry policy of this client."""
        url = f"{self.base_url}/{path.lstrip('/')}"
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                response = self.session.get(url, params=params, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    full_url = requests.Request("GET", url, params=params).prepare().url
                    raise FeedError(f"GET {full_url} failed after {attempt + 1} attempts: {exc}") from exc
                time.sleep(self._wait(attempt, None))
                continue
            if response.status_code in _RETRY_STATUSES and not last:
                time.sleep(self._wait(attempt, response.headers.get("Retry-After")))
                continue
            return _decode(response, attempt + 1)
        raise AssertionError("unreachable")  # the loop always returns or raises

    def _wait(self, attempt: int, retry_after: str | None) -> float:
        wait = self.backoff * 2**attempt
        if retry_after is not None:
            wait = _retry_after_seconds(retry_after, default=wait)
        return min(wait, self.max_retry_after)

    def _pages(self, path: str, params: dict[str, str] | None = None) -> Iterator[Any]:
        # PTV pages start at 1; the page count is re-read from every page in case the data grows meanwhile.
        page, page_count = 1, 1
        while page <= page_count:
            body = self.get_json(path, {**(params or {}), "page": str(page)})
            if not isinstance(body, dict) or not isinstance(body.get("pageCount"), int):
                raise FeedError(f"{self.base_url}/{path} page {page}: not a paging envelope (no pageCount)")
            page_count = body["pageCount"]
            items = body.get("itemList") or []
            if not isinstance(items, list):
                raise FeedError(f"{self.base_url}/{path} page {page}: itemList is not a list")
            yield from items
            page += 1

    def _ids(self, path: str, since: datetime, until: datetime | None, **extra: str) -> Iterator[str]:
        params = {"date": _utc_param(since), **extra}
        if until is not None:
            params["dateBefore"] = _utc_param(until)
        for item in self._pages(path, params):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise FeedError(f"{self.base_url}/{path}: GUID-list item without an id: {item!r:.100}")
            yield item["id"]

    def _by_guids(self, path: str, ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        chunk: list[str] = []
        for guid in ids:
            chunk.append(guid)
            if len(chunk) == GUIDS_PER_REQUEST:
                yield from self._list(path, chunk)
                chunk = []
        if chunk:
            yield from self._list(path, chunk)

    def _list(self, path: str, guids: list[str]) -> list[Any]:
        body = self.get_json(path, {"guids": ",".join(guids)})
        if not isinstance(body, list):
            raise FeedError(f"{self.base_url}/{path}: expected a JSON array for {len(guids)} GUIDs")
        return body


def _decode(response: requests.Response, attempts: int) -> Any:
    try:
        response.raise_for_status()
    except requests.HTTPError as exc:
        tried = f" after {attempts} attempts" if attempts > 1 else ""
        raise FeedError(
            f"GET {response.url} failed{tried}: HTTP {response.status_code} {response.reason}: {_snippet(response)}",
            status=response.status_code,
        ) from exc
    try:
        return response.json()
    except ValueError as exc:
        raise FeedError(f"GET {response.url}: the response is not JSON: {exc}", status=response.status_code) from exc


def _snippet(response: requests.Response) -> str:
    # PTV explains a 400 or 404 in a small JSON body; one line of it is enough for a log.
    return " ".join(response.text.split())[:200]


def _retry_after_seconds(value: str, *, default: float) -> float:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return default


def _utc_param(moment: datetime) -> str:
    # PTV wants yyyy-MM-ddTHH:mm:ss in UTC; anything else is a 400. A naive time would be ambiguous.
    if moment.tzinfo is None:
        raise ValueError("pass a timezone-aware datetime; PTV's date filter is in UTC")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _municipality(code: str) -> str:
    if not isinstance(code, str) or not _MUNICIPALITY.match(code):
        raise ValueError(f"municipality code must be 1-3 digits, e.g. '091', got {code!r}")
    return code.zfill(3)
