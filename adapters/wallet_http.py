"""HTTP client for the voucher system's read API (docs/wallet-format.md, "The HTTP API").

`GET {base}/vouchers` and `GET {base}/budgets`, each paged with an opaque `cursor` and filtered with an opaque
`since` token, answer `{"items": [...], "next_cursor": "..." | null, "since": "..."}`. `WalletApiClient.records`
reads both lists to the end and yields their items as `RawRecord`s for the importer; `since_token` is then the
token to pass next time (the one the server gave with the first page: what changed while the pages were read
comes again next time, which the importer takes as unchanged).

Every request has a timeout and sends the bearer token. 429, 5xx, timeouts and connection errors are retried with
exponential backoff (a Retry-After header is honoured, capped); any other HTTP status, a body that is not a paging
envelope, and a failure that outlasts the retries raise `WalletApiError`. Its message names the URL, the status and
the number of attempts, never the token and never the body (which could hold a person's data).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

import requests

from adapters.wallet_format import RawRecord

Timeout = float | tuple[float, float]
ENDPOINTS: tuple[tuple[str, Literal["voucher", "budget"]], ...] = (("vouchers", "voucher"), ("budgets", "budget"))
MAX_TOKEN_LENGTH = 64  # WalletImport.since_token
_RETRY_STATUSES = frozenset({429}) | frozenset(range(500, 600))


class WalletApiError(Exception):
    """The API could not be read completely; nothing read from it may be kept. `status` is the last HTTP status."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None
    since: str


class WalletApiClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: Timeout = 10.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        page_size: int = 500,
        max_retry_after: float = 30.0,
        session: requests.Session | None = None,
    ) -> None:
        """`base_url` is the API root (the lists are `{base_url}/vouchers` and `{base_url}/budgets`); `token` the
        bearer token; `timeout` (connect, read) seconds or one number for both; `max_retries` the retries after the
        first attempt; `backoff` the first wait in seconds, doubled on each retry."""
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("the wallet API URL must be an http(s) URL")
        if parts.username or parts.password or parts.query:
            raise ValueError("the wallet API URL must not carry credentials or a query; the token is configured")
        if not token:
            raise ValueError("no bearer token for the wallet API (WALLET_API_TOKEN)")
        timeouts = timeout if isinstance(timeout, tuple) else (timeout,)
        if any(isinstance(t, bool) or not isinstance(t, int | float) or t <= 0 for t in timeouts):
            raise ValueError("timeout must be a positive number of seconds or a (connect, read) pair")
        if max_retries < 0 or backoff < 0 or max_retry_after < 0:
            raise ValueError("max_retries, backoff and max_retry_after must not be negative")
        if not 1 <= page_size <= 5000:
            raise ValueError("page_size must be 1-5000")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.page_size = page_size
        self.max_retry_after = max_retry_after
        self._own_session = session is None
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", "Authorization": f"Bearer {token}"})
        self.since_token: str | None = None

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def __enter__(self) -> WalletApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def records(self, since: str | None = None) -> Iterator[RawRecord]:
        """Every voucher, then every budget, changed since `since` (everything when None). When the iteration has
        ended, `since_token` is the token for the next call."""
        self.since_token = None
        for endpoint, kind in ENDPOINTS:
            for number, page in enumerate(self.pages(endpoint, since)):
                if self.since_token is None:
                    self.since_token = page.since
                for position, item in enumerate(page.items):
                    yield RawRecord(kind, item, f"GET /{endpoint} page {number + 1} item {position + 1}")

    def pages(self, endpoint: str, since: str | None = None) -> Iterator[Page]:
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            params = {"page_size": str(self.page_size)}
            if since:
                params["since"] = since
            if cursor:
                params["cursor"] = cursor
            page = _page(self.get_json(endpoint, params), self._url(endpoint, params))
            yield page
            if page.next_cursor is None:
                return
            if page.next_cursor in seen:
                raise WalletApiError(f"{self._url(endpoint, params)}: the API returned a cursor it gave before")
            seen.add(page.next_cursor)
            cursor = page.next_cursor

    def get_json(self, endpoint: str, params: dict[str, str]) -> Any:
        url = f"{self.base_url}/{endpoint}"
        shown = self._url(endpoint, params)
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            tried = f" after {attempt + 1} attempts" if attempt else ""
            try:
                response = self.session.get(url, params=params, timeout=self.timeout, allow_redirects=False)
            except requests.Timeout:
                if last:
                    raise WalletApiError(f"GET {shown} timed out{tried}") from None
            except requests.ConnectionError:
                if last:
                    raise WalletApiError(f"GET {shown}: could not connect{tried}") from None
            except requests.RequestException as error:
                raise WalletApiError(f"GET {shown}: {type(error).__name__}") from None
            else:
                status = response.status_code
                if status in _RETRY_STATUSES and not last:
                    wait = self._wait(attempt, response.headers.get("Retry-After"))
                    response.close()
                    time.sleep(wait)
                    continue
                return _decode(response, shown, tried)
            time.sleep(self._wait(attempt, None))
        raise AssertionError("unreachable")  # the loop always returns or raises

    def _wait(self, attempt: int, retry_after: str | None) -> float:
        wait = self.backoff * 2**attempt
        if retry_after is not None:
            with suppress(ValueError):  # an HTTP date: keep our own backoff
                wait = max(0.0, float(retry_after))
        return min(wait, self.max_retry_after)

    def _url(self, endpoint: str, params: dict[str, str]) -> str:
        query = urlencode(params)
        return f"{self.base_url}/{endpoint}" + (f"?{query}" if query else "")


def _decode(response: requests.Response, shown: str, tried: str) -> Any:
    status = response.status_code
    if status == 401 or status == 403:
        raise WalletApiError(f"GET {shown}: HTTP {status}: the API refused the token (WALLET_API_TOKEN)", status=status)
    if not 200 <= status < 300:
        raise WalletApiError(f"GET {shown} failed{tried}: HTTP {status} {response.reason}", status=status)
    try:
        return response.json()
    except ValueError:
        raise WalletApiError(f"GET {shown}: the response is not JSON (HTTP {status})", status=status) from None


def _page(body: Any, shown: str) -> Page:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise WalletApiError(f"GET {shown}: not a page (an object with items, next_cursor and since)")
    cursor, since = body.get("next_cursor"), body.get("since")
    if cursor is not None and (not isinstance(cursor, str) or not cursor or len(cursor) > 1000):
        raise WalletApiError(f"GET {shown}: next_cursor must be null or a string")
    if not isinstance(since, str) or not since or len(since) > MAX_TOKEN_LENGTH or not since.isprintable():
        raise WalletApiError(f"GET {shown}: since must be a token of 1-{MAX_TOKEN_LENGTH} characters")
    return Page(body["items"], cursor, since)
