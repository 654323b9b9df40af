"""A reference receiver for outbox messages: what a provider or the choice register must do, small enough to read.

It verifies the signature (401 when wrong or stale), then applies each message at most once. A message is a
duplicate when its Idempotency-Key was seen, or when the same fact (recipient, choice reference, event, role) was
already applied under another key; either way it answers 409 and changes nothing. What it applied is kept in a
SQLite file, so a restarted receiver still recognises redeliveries.

Every request is logged with its outcome, so tests can compare raw deliveries with applied messages. For the
retry tests it can fail the first N requests with 500, and hold its responses (after applying) until released,
so a test can kill the sender while it waits for an answer.

Run it for the demo: `python -m adapters.outbox_receiver --port 8765 --secret ... --store receiver.sqlite3`, and
point OUTBOX_ENDPOINTS at `http://127.0.0.1:8765/register` and `http://127.0.0.1:8765/providers/{organisation_id}`.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from adapters.outbox_http import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

_SCHEMA = """
CREATE TABLE IF NOT EXISTS applied (
    key TEXT PRIMARY KEY,
    recipient TEXT NOT NULL,
    reference TEXT NOT NULL,
    event TEXT NOT NULL,
    role TEXT NOT NULL,
    body TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    UNIQUE (recipient, reference, event, role)
);
CREATE TABLE IF NOT EXISTS delivery (
    id INTEGER PRIMARY KEY,
    key TEXT,
    recipient TEXT NOT NULL,
    outcome TEXT NOT NULL,  -- applied, duplicate, unsigned, invalid, failed (injected)
    received_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class ReceiverStats:
    applied: int
    duplicates: int
    unsigned: int
    invalid: int
    failed: int

    @property
    def received(self) -> int:
        """Correctly signed, well-formed deliveries, first ones and redeliveries alike."""
        return self.applied + self.duplicates


class Receiver:
    """The WSGI app. Every POST path is a recipient: /register, /providers/<organisation id>."""

    def __init__(self, secret: str, store: str | Path, *, fail_first: int = 0, tolerance: float = 300) -> None:
        if not secret:
            raise ValueError("the receiver needs the shared secret to verify signatures")
        self.secret = secret
        self.store = Path(store)
        self.tolerance = tolerance
        self._lock = threading.Lock()
        self._fail_remaining = fail_first
        self._gate = threading.Event()
        self._gate.set()
        self._delay = 0.0
        with self._connect() as connection:
            connection.executescript(_SCHEMA)

    # Test controls.

    def fail_next(self, count: int) -> None:
        """Answer the next `count` requests with 500, as a receiver in trouble would."""
        with self._lock:
            self._fail_remaining = count

    def slow_down(self, seconds: float) -> None:
        """Take `seconds` over each answer (after applying), so concurrent senders overlap."""
        self._delay = seconds

    def hold(self) -> None:
        """Keep answers back (after applying) until `release()`: the sender sees a slow receiver."""
        self._gate.clear()

    def release(self) -> None:
        self._gate.set()

    def stats(self) -> ReceiverStats:
        with self._connect() as connection:
            counts = dict(connection.execute("SELECT outcome, count(*) FROM delivery GROUP BY outcome").fetchall())
        return ReceiverStats(**{name: counts.get(outcome, 0) for name, outcome in _STAT_OUTCOMES.items()})

    def applied(self) -> dict[str, dict]:
        """Idempotency key -> the applied message body."""
        with self._connect() as connection:
            rows = connection.execute("SELECT key, body FROM applied ORDER BY applied_at, key").fetchall()
        return {key: json.loads(body) for key, body in rows}

    def recipients(self) -> dict[str, str]:
        """Idempotency key -> the path it was applied at (/register, /providers/<organisation id>)."""
        with self._connect() as connection:
            return dict(connection.execute("SELECT key, recipient FROM applied").fetchall())

    def deliveries(self, key: str) -> int:
        """How many times a correctly signed message with this key arrived (1 + redeliveries)."""
        with self._connect() as connection:
            return connection.execute(
                "SELECT count(*) FROM delivery WHERE key = ? AND outcome IN ('applied', 'duplicate')", (key,)
            ).fetchone()[0]

    # The receiving side of the contract.

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        if request.method == "GET" and request.path == "/stats":
            stats = self.stats()
            return _json(200, asdict(stats) | {"received": stats.received})(environ, start_response)
        if request.method != "POST":
            return _json(405, {"status": "method not allowed"})(environ, start_response)
        return self.receive(request)(environ, start_response)

    def receive(self, request: Request) -> Response:
        recipient = request.path
        key = request.headers.get(KEY_HEADER)
        with self._lock:
            failing = self._fail_remaining > 0
            self._fail_remaining -= int(failing)
        if failing:
            self._log(key, recipient, "failed")
            return _json(500, {"status": "failing on purpose"})
        body = request.get_data(cache=False)
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not verify(self.secret, timestamp, body, signature, tolerance=self.tolerance):
            self._log(key, recipient, "unsigned")
            return _json(401, {"status": "bad or stale signature"})
        try:
            message = json.loads(body)
            fact = (message["choice"]["reference"], message["event"], message["role"])
        except (ValueError, KeyError, TypeError):
            message, fact = None, None
        if not key or fact is None or message.get("message_id") != key:
            self._log(key, recipient, "invalid")
            return _json(400, {"status": "not a valid message"})
        outcome = self._apply(key, recipient, fact, body.decode("utf-8"))
        if self._delay:
            time.sleep(self._delay)
        self._gate.wait(timeout=60)  # the hold is for tests; never wait forever
        if outcome == "duplicate":
            return _json(409, {"status": "already received"})
        return _json(200, {"status": "applied"})

    def _apply(self, key: str, recipient: str, fact: tuple[str, str, str], body: str) -> str:
        """Apply and log in one transaction: either both are stored, or neither."""
        now = _now()
        with self._connect() as connection:
            try:
                connection.execute(
                    "INSERT INTO applied (key, recipient, reference, event, role, body, applied_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (key, recipient, *fact, body, now),
                )
                outcome = "applied"
            except sqlite3.IntegrityError:  # the key, or the same fact under another key
                outcome = "duplicate"
            connection.execute(
                "INSERT INTO delivery (key, recipient, outcome, received_at) VALUES (?, ?, ?, ?)",
                (key, recipient, outcome, now),
            )
        return outcome

    def _log(self, key: str | None, recipient: str, outcome: str) -> None:
        with self._connect() as connection:
            connection.execute(
                "INSERT INTO delivery (key, recipient, outcome, received_at) VALUES (?, ?, ?, ?)",
                (key, recipient, outcome, _now()),
            )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.store, timeout=10)
        try:
            with connection:  # commits, or rolls back on an exception
                yield connection
        finally:
            connection.close()


_STAT_OUTCOMES = {
    "applied": "applied",
    "duplicates": "duplicate",
    "unsigned": "unsigned",
    "invalid": "invalid",
    "failed": "failed",
}


def _json(status: int, data: dict) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass
class RunningReceiver:
    receiver: Receiver
    server: BaseWSGIServer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"


@contextmanager
def run_receiver_in_thread(
    secret: str, store: str | Path, *, port: int = 0, fail_first: int = 0
) -> Iterator[RunningReceiver]:
    """Serve a Receiver on loopback in a background thread for as long as the block runs."""
    receiver = Receiver(secret, store, fail_first=fail_first)
    server = make_server("127.0.0.1", port, receiver, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="outbox-receiver", daemon=True)
    thread.start()
    try:
        yield RunningReceiver(receiver, server)
    finally:
        receiver.release()  # let held requests finish so shutdown does not wait on them
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The reference outbox receiver (demo and tests).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--secret", required=True, help="the shared secret, as OUTBOX_SECRET")
    parser.add_argument("--store", default="outbox-receiver.sqlite3", help="SQLite file of what was applied")
    parser.add_argument("--fail-first", type=int, default=0, help="answer the first N requests with 500")
    args = parser.parse_args(argv)
    receiver = Receiver(args.secret, args.store, fail_first=args.fail_first)
    server = make_server(args.host, args.port, receiver, threaded=True)
    print(f"Outbox receiver on http://{args.host}:{server.server_port}/ (stats: GET /stats), store {args.store}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
