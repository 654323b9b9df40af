"""A client for the Suomi.fi-valtuudet-style mandate service: its HPA (person → person) Web API flow.

The flow (docs/mandates.md, "Suomi.fi-valtuudet"):

1. `register(agent_code)`: open a session at the service for the logged-in agent; gives a session id and a user id.
2. `authorize_url(user_id, ...)`: the agent's browser goes there and picks whom she acts for.
3. `exchange_code(code, ...)`: the code the browser brings back becomes an access token (Basic client:secret).
4. `delegates(session_id, token)`: the principals the agent picked, as (name, identity code).
5. `authorized(session_id, token, principal_code, theme_uri)`: ALLOWED or DISALLOWED for one mandate theme.
6. `unregister(session_id)`: end the session at the service.

Every call to /service/... carries the checksum header `X-AsiointivaltuudetAuthorization` (`checksum_header`).

The protocol puts identity codes in URL paths (register's agent, authorization's principal). So no URL of this
client is ever put in an error message or a log line: `ValtuudetError` names the operation and the HTTP status
only, is raised outside the `except` block so no transport exception (whose text holds the URL) rides along as
its context, and urllib3's debug line for each request has the path of /service/hpa/ calls cut off
(`_HidePaths`). Tokens, keys and secrets never appear in messages either.

Answers: transport failures, timeouts and HTTP errors raise `ValtuudetError`. A right is ALLOWED only when the
service answers exactly `{"result": "ALLOWED"}`; any other answer it gives counts as DISALLOWED, as the service's
own default is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import quote, urlencode, urlsplit

import requests

HEADER = "X-AsiointivaltuudetAuthorization"
_HPA = "/service/hpa/"


class ValtuudetError(Exception):
    """The mandate service could not be asked, or its answer could not be used.

    The message names the operation and, when there was one, the HTTP status (`status`); it never holds an
    identity code, a URL, a token or a key, so it is safe to log and to show.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Session(NamedTuple):
    session_id: str
    user_id: str


class Principal(NamedTuple):
    """A person the agent chose at the service: their name and identity code (never log this tuple)."""

    name: str
    principal_code: str

    def __repr__(self) -> str:  # a stray log of a list of principals must not print identity codes
        return f"Principal(name={self.name!r}, principal_code='***')"


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and `Z`, as DVV's examples write it: 2017-02-09T10:29:42.090Z."""
    if moment.tzinfo is None:
        raise ValueError("the checksum timestamp must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def checksum(api_key: str, path_with_query: str, timestamp: str) -> str:
    """base64(HMAC-SHA256(api_key, path_with_query + " " + timestamp))."""
    message = f"{path_with_query} {timestamp}".encode()
    return base64.b64encode(hmac.new(api_key.encode(), message, hashlib.sha256).digest()).decode("ascii")


def checksum_header(client_id: str, api_key: str, path_with_query: str, timestamp: str | datetime) -> str:
    """The `X-AsiointivaltuudetAuthorization` value: "{client_id} {timestamp} {checksum}".

    `path_with_query` is the request target exactly as sent (percent-encoded path, then `?` and the query);
    `timestamp` an ISO 8601 string, which goes into the header and the HMAC as it is, or an aware datetime.
    """
    stamp = format_timestamp(timestamp) if isinstance(timestamp, datetime) else timestamp
    return f"{client_id} {stamp} {checksum(api_key, path_with_query, stamp)}"


class ValtuudetClient:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        api_key: str,
        oauth_secret: str,
        *,
        timeout: float = 10.0,
        session: requests.Session | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("the mandate service URL must be an http(s) URL")
        if not client_id or not api_key or not oauth_secret:
            raise ValueError("the mandate service needs a client id, an API key and an OAuth secret")
        if not isinstance(timeout, int | float) or timeout <= 0:
            raise ValueError("the mandate service timeout must be a positive number of seconds")
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._api_key = api_key
        self._oauth_secret = oauth_secret
        self.timeout = float(timeout)
        self._own_session = session is None
        self.http = session or requests.Session()
        self._clock = clock or (lambda: datetime.now(UTC))

    def __repr__(self) -> str:
        return f"ValtuudetClient({self.base_url!r}, client_id={self.client_id!r})"

    def close(self) -> None:
        if self._own_session:
            self.http.close()

    def __enter__(self) -> ValtuudetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # The flow.

    def register(self, agent_code: str, request_id: str | None = None) -> Session:
        path = f"/service/hpa/user/register/{_segment(self.client_id)}/{_segment(agent_code)}"
        data = self._service("register", path, {"requestId": request_id or _request_id()})
        if not isinstance(data, dict) or not _text(data.get("sessionId")) or not _text(data.get("userId")):
            raise ValtuudetError("register: the mandate service's answer has no session")
        return Session(str(data["sessionId"]), str(data["userId"]))

    def authorize_url(self, user_id: str, redirect_uri: str, lang: str, state: str) -> str:
        """Where the agent's browser goes to pick whom she acts for; it comes back to `redirect_uri`."""
        query = {
            "client_id": self.client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "user": user_id,
            "lang": lang if lang in ("fi", "sv", "en") else "fi",
            "state": state,
        }
        return f"{self.base_url}/oauth/authorize?{urlencode(query)}"

    def exchange_code(self, code: str, redirect_uri: str) -> str:
        query = urlencode({"code": code, "grant_type": "authorization_code", "redirect_uri": redirect_uri})
        credentials = base64.b64encode(f"{self.client_id}:{self._oauth_secret}".encode()).decode("ascii")
        response = self._send(
            "token",
            "POST",
            f"/oauth/token?{query}",
            {"Authorization": f"Basic {credentials}", "Accept": "application/json"},
        )
        data = _json(response, "token")
        token = data.get("access_token") if isinstance(data, dict) else None
        if not _text(token):
            raise ValtuudetError("token: the mandate service's answer has no access token")
        return str(token)

    def delegates(self, session_id: str, access_token: str) -> list[Principal]:
        path = f"/service/hpa/api/delegate/{_segment(session_id)}"
        data = self._service("delegate", path, {"requestId": _request_id()}, access_token)
        if not isinstance(data, list):
            raise ValtuudetError("delegate: the mandate service's answer is not a list of persons")
        principals = []
        for item in data:
            if not isinstance(item, dict) or not _text(item.get("personId")):
                raise ValtuudetError("delegate: a person in the mandate service's answer has no identity code")
            principals.append(Principal(str(item.get("name") or ""), str(item["personId"])))
        return principals

    def authorized(self, session_id: str, access_token: str, principal_code: str, theme_uri: str) -> bool:
        """True only for an explicit ALLOWED for `theme_uri`; DISALLOWED and anything unexpected are False."""
        path = f"/service/hpa/api/authorization/{_segment(session_id)}/{_segment(principal_code)}"
        data = self._service(
            "authorization", path, {"requestId": _request_id(), "issues": theme_uri}, access_token, lenient=True
        )
        return isinstance(data, dict) and data.get("result") == "ALLOWED"

    def unregister(self, session_id: str) -> None:
        self._service("unregister", f"/service/hpa/user/unregister/{_segment(session_id)}", None, parse=False)

    # Plumbing.

    def _service(
        self,
        operation: str,
        path: str,
        query: dict[str, str] | None,
        access_token: str | None = None,
        *,
        parse: bool = True,
        lenient: bool = False,
    ) -> Any:
        """A /service/ call: the checksum header over the exact request target, a bearer token when given."""
        target = f"{path}?{urlencode(query)}" if query else path
        headers = {
            HEADER: checksum_header(self.client_id, self._api_key, target, self._clock()),
            "Accept": "application/json",
        }
        if access_token is not None:
            headers["Authorization"] = f"Bearer {access_token}"
        response = self._send(operation, "GET", target, headers)
        if not parse:
            return None
        if lenient:
            try:
                return response.json()
            except ValueError:
                return None
        return _json(response, operation)

    def _send(self, operation: str, method: str, target: str, headers: dict[str, str]) -> requests.Response:
        failure = None
        try:
            response = self.http.request(
                method, self.base_url + target, headers=headers, timeout=self.timeout, allow_redirects=False
            )
        except requests.Timeout:
            failure = f"{operation}: the mandate service did not answer within {self.timeout:g} s"
        except requests.RequestException as error:
            failure = f"{operation}: the mandate service could not be reached ({type(error).__name__})"
        # Raised here, not in the except block: the transport exception's text holds the URL.
        if failure is not None:
            raise ValtuudetError(failure)
        if response.status_code in (401, 403):
            raise ValtuudetError(
                f"{operation}: the mandate service refused the portal's credentials (HTTP {response.status_code})",
                status=response.status_code,
            )
        if response.status_code != 200:
            raise ValtuudetError(
                f"{operation}: the mandate service answered HTTP {response.status_code}", status=response.status_code
            )
        return response


def _json(response: requests.Response, operation: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ValtuudetError(f"{operation}: the mandate service's answer is not JSON") from None


def _segment(value: str) -> str:
    """One path segment: an identity code's century sign (+, -, A...) stays readable; `/` and `?` cannot sneak in."""
    return quote(str(value), safe="+")


def _text(value: object) -> bool:
    return isinstance(value, str | int) and str(value) != ""


def _request_id() -> str:
    return str(uuid.uuid4())


class _HidePaths(logging.Filter):
    """urllib3 logs each request line at debug level; for /service/hpa/ calls the path holds identity codes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(arg, str) and _HPA in arg for arg in record.args):
            record.args = tuple(
                arg.split(_HPA, 1)[0] + _HPA + "…" if isinstance(arg, str) and _HPA in arg else arg
                for arg in record.args
            )
        return True


def _install_log_filter() -> None:
    logger = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(existing, _HidePaths) for existing in logger.filters):
        logger.addFilter(_HidePaths())


_install_log_filter()
