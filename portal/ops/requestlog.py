"""One JSON line per request on the logger `valinta.request`, and the request metrics, from the same place.

The line names the route by its pattern (`/units/<int:location_id>`), never the path or the query string: paths
hold ids and query strings hold what people typed. Nothing from the request's body, headers or cookies goes in.

A small WSGI middleware does the timing and writes the line once the answer is made, so the time includes opening
and saving the session, and the status is the one the client got, even when saving the session failed and the error
page replaced the first answer. An after-request hook hands it the route, the endpoint and the request id, which
only exist inside Flask.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request

from portal.ops.metrics import observe_request

LOGGER = logging.getLogger("valinta.request")
UNMATCHED = "<unmatched>"  # every URL no rule matched, under one label: labels and log values stay bounded
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
ENVIRON_KEY = "valinta.request_seen"


@dataclass(frozen=True)
class Seen:
    """What Flask knew of the request, handed to the middleware through the WSGI environ."""

    route: str
    endpoint: str | None
    request_id: str
    quiet: bool


def leave_out_of_request_log() -> None:
    """This request gets no log line and is not counted (a metrics scrape every few seconds is not traffic)."""
    g.request_log_quiet = True


def method_label(method: str | None) -> str:
    # The method is whatever the client sent: any other word would be a new label value.
    return method if method in METHODS else "OTHER"


def log_line(seen: Seen, method: str, status: int, seconds: float) -> str:
    return json.dumps(
        {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "request_id": seen.request_id,
            "method": method,
            "route": seen.route,
            "endpoint": seen.endpoint,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "pid": os.getpid(),
        },
        separators=(",", ":"),
    )


class RequestObserver:
    """WSGI middleware: time each request, then log it (when `log`) and count it."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], log: bool) -> None:
        self.wsgi_app = wsgi_app
        self.log = log

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        statuses: list[int] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> Any:
            statuses.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        try:
            return self.wsgi_app(environ, start)
        finally:
            # No status: the exception went past Flask's own handlers (only with PROPAGATE_EXCEPTIONS, in tests).
            self.observe(environ, statuses[-1] if statuses else 500, time.perf_counter() - started)

    def observe(self, environ: dict[str, Any], status: int, seconds: float) -> None:
        seen = environ.get(ENVIRON_KEY) or Seen(UNMATCHED, None, secrets.token_hex(8), quiet=False)
        if seen.quiet:
            return
        method = method_label(environ.get("REQUEST_METHOD"))
        observe_request(method, seen.route, status, seconds)
        if self.log:
            LOGGER.info(log_line(seen, method, status, seconds))


def _hand_over(response: Response) -> Response:
    rule = request.url_rule
    request.environ[ENVIRON_KEY] = Seen(
        route=rule.rule if rule is not None else UNMATCHED,
        endpoint=request.endpoint if rule is not None else None,
        # Set by portal/security.py; a request refused before that hook ran (the database down) gets one here.
        request_id=g.get("request_id") or secrets.token_hex(8),
        quiet=bool(g.get("request_log_quiet")),
    )
    return response


class StdoutLines(logging.Handler):
    """Each record as one line on the standard output the process has at the time (a test runner swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stdout.write(self.format(record) + "\n")
            sys.stdout.flush()
        except Exception:  # logging must never fail the request; logging's own way to report it
            self.handleError(record)


def _install_handler() -> None:
    if not any(isinstance(handler, StdoutLines) for handler in LOGGER.handlers):
        LOGGER.addHandler(StdoutLines())
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False  # the message is the whole JSON line: a root handler's format would wrap it


def init_request_log(app: Flask) -> None:
    log = bool(app.config.get("REQUEST_LOG"))
    if log:
        _install_handler()
    app.after_request(_hand_over)
    app.wsgi_app = RequestObserver(app.wsgi_app, log=log)  # type: ignore[method-assign]  # WSGI middleware
