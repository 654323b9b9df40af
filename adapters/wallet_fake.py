"""A local stand-in for the voucher system's HTTP API (docs/wallet-format.md), for the tests and the demo.

`FakeWalletApi` is a WSGI app serving the records of a JSON export at `/vouchers` and `/budgets` as the real API
would: paged (`page_size`, `cursor`), only what changed after a `since` token, behind a bearer token. Every record
it is given gets the next number of its change log; a token is `seq-N`, and a pass that starts at change N serves
what changed up to N only, so a record changed meanwhile comes in the next pass. For the tests it also fails or
stalls on request (`fail_next`, `stall_next`) and keeps the requests it got (`requests`).

`run_fake_wallet_api(export)` serves one on an ephemeral loopback port in a thread, as a context manager:

    with run_fake_wallet_api(export, token="t") as fake:
        client = WalletApiClient(fake.base_url, fake.token)

`python -m adapters.wallet_fake EXPORT.json --port 5010` serves a file until stopped.
"""

from __future__ import annotations

import argparse
import json
import secrets
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

ENDPOINTS = ("vouchers", "budgets")
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 5000


class FakeWalletApi:
    def __init__(self, export: Mapping[str, Any] | str | Path | None = None, *, token: str = "fake-token") -> None:  # noqa: S107  a fake's
        self.token = token
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._seq = 0
        self._records: dict[str, dict[str, tuple[int, str]]] = {name: {} for name in ENDPOINTS}
        self._failures: list[int] = []
        self._stalls: list[float] = []
        if export is not None:
            self.load(export)

    # what the tests and the demo do with it

    def load(self, export: Mapping[str, Any] | str | Path) -> int:
        """Serve an export's records; a record new or different from the one with its id is a change. Returns the
        number of changes."""
        data = export if isinstance(export, Mapping) else json.loads(Path(export).read_text(encoding="utf-8"))
        return sum(self.put(endpoint, record) for endpoint in ENDPOINTS for record in data.get(endpoint, []))

    def put(self, endpoint: str, record: Any) -> bool:
        """Add or replace one record (by its id); True when that changed anything."""
        text = json.dumps(record, ensure_ascii=False, sort_keys=True)
        key = text
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            key = record["id"]
        with self._lock:
            held = self._records[endpoint].get(key)
            if held is not None and held[1] == text:
                return False
            self._seq += 1
            self._records[endpoint][key] = (self._seq, text)
            return True

    def fail_next(self, count: int = 1, status: int = 503) -> None:
        """Answer the next `count` requests with `status` (and an error body)."""
        with self._lock:
            self._failures.extend([status] * count)

    def stall_next(self, count: int = 1, seconds: float = 2.0) -> None:
        """Wait `seconds` before answering each of the next `count` requests."""
        with self._lock:
            self._stalls.extend([seconds] * count)

    @property
    def token_now(self) -> str:
        return f"seq-{self._seq}"

    # the API

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self._respond(request)
        return response(environ, start_response)

    def _respond(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(
                {
                    "path": request.path,
                    "args": dict(request.args),
                    "authorization": request.headers.get("Authorization"),
                }
            )
            stall = self._stalls.pop(0) if self._stalls else 0.0
            failure = self._failures.pop(0) if self._failures else None
        if stall:
            time.sleep(stall)
        if failure is not None:
            return _json({"error": "failure the test asked for"}, failure)
        if request.method != "GET":
            return _json({"error": "only GET"}, 405)
        if not secrets.compare_digest(request.headers.get("Authorization", ""), f"Bearer {self.token}"):
            return _json({"error": "a valid bearer token is required"}, 401)
        endpoint = request.path.rstrip("/").rsplit("/", 1)[-1]
        if endpoint not in ENDPOINTS:
            return _json({"error": "not found"}, 404)
        try:
            since = _seq_of(request.args.get("since"), "since") if request.args.get("since") else 0
            size = int(request.args.get("page_size", DEFAULT_PAGE_SIZE))
            if not 1 <= size <= MAX_PAGE_SIZE:
                raise ValueError("page_size is 1-5000")
            upto, after = self._cursor(request.args.get("cursor"))
        except ValueError as error:
            return _json({"error": str(error)}, 400)
        with self._lock:
            upto = self._seq if upto is None else upto
            matching = sorted(
                (key, text)
                for key, (seq, text) in self._records[endpoint].items()
                if since < seq <= upto and key > after
            )
        page = matching[:size]
        more = len(matching) > size
        body = (
            '{"items": ['
            + ", ".join(text for _, text in page)
            + '], "next_cursor": '
            + json.dumps(f"{upto}:{page[-1][0]}" if more else None)
            + ', "since": '
            + json.dumps(f"seq-{upto}")
            + "}"
        )
        return Response(body, 200, mimetype="application/json")

    @staticmethod
    def _cursor(cursor: str | None) -> tuple[int | None, str]:
        if not cursor:
            return None, ""
        upto, separator, after = cursor.partition(":")
        if not separator or not upto.isdigit():
            raise ValueError("not a cursor this API gave")
        return int(upto), after


def _seq_of(token: str | None, name: str) -> int:
    if not token or not token.startswith("seq-") or not token[4:].isdigit():
        raise ValueError(f"{name} is not a token this API gave")
    return int(token[4:])


def _json(body: Any, status: int) -> Response:
    return Response(json.dumps(body), status, mimetype="application/json")


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # the demo load and the tests need no access log


@dataclass(frozen=True)
class FakeWalletServer:
    base_url: str
    token: str
    api: FakeWalletApi


@contextmanager
def run_fake_wallet_api(
    export: Mapping[str, Any] | str | Path | None = None,
    *,
    token: str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[FakeWalletServer]:
    """Serve a FakeWalletApi on `host`:`port` (0: any free port) in a thread until the block ends."""
    api = FakeWalletApi(export, token=token or secrets.token_urlsafe(16))
    server = make_server(host, port, api, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="fake-wallet-api", daemon=True)
    thread.start()
    try:
        yield FakeWalletServer(f"http://{host}:{server.server_port}/v1", api.token, api)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m adapters.wallet_fake", description=__doc__.splitlines()[0])
    parser.add_argument("export", type=Path, help="a JSON export (valinta.wallet/1)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5010)
    parser.add_argument("--token", default="dev-only-wallet-token")
    args = parser.parse_args(argv)
    with run_fake_wallet_api(args.export, token=args.token, host=args.host, port=args.port) as fake:
        print(f"Fake wallet API at {fake.base_url} (bearer token {fake.token}); Ctrl-C stops it.", flush=True)
        with suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
