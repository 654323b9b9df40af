"""Real faults for tests: a TCP forwarder on loopback that can be cut, or made to accept and never answer.

Put it between the app and a real server (PostgreSQL, an identity provider, a receiver) and switch it:

- `up()`: every connection is forwarded, byte for byte, to the target;
- `down()`: the forwarded connections are cut, and a new one is accepted and closed at once (a server that is
  restarting, or gone behind a proxy that still listens);
- `hang()`: the forwarded connections are cut, and a new one is accepted and held open without a byte ever
  coming back (a server that is stuck, or answers only after a very long delay).

The target is a `(host, port)` pair or the path of a Unix socket (pgserver's PostgreSQL listens on one).
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from pathlib import Path
from types import TracebackType

Target = tuple[str, int] | str | Path

UP, DOWN, HANG = "up", "down", "hang"


class Forwarder:
    def __init__(self, target: Target | None = None, mode: str = UP) -> None:
        if target is None and mode == UP:
            raise ValueError("a forwarder without a target can only be down or hung")
        self.target = target
        self.mode = mode
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._held: list[socket.socket] = []  # accepted while hung: never read or answered
        self._pumped: list[socket.socket] = []  # forwarded: a pump thread owns (and closes) them
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept_loop, name=f"forwarder-{self.port}", daemon=True)
        self._accepting.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def up(self) -> None:
        self._switch(UP)

    def down(self) -> None:
        self._switch(DOWN)

    def hang(self) -> None:
        self._switch(HANG)

    def close(self) -> None:
        self._stopped.set()
        self._accepting.join(timeout=5)
        self._listener.close()
        self._cut()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> Forwarder:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _switch(self, mode: str) -> None:
        if mode == UP and self.target is None:
            raise ValueError("this forwarder has no target")
        with self._lock:
            self.mode = mode
        if mode != UP:
            self._cut()

    def _cut(self) -> None:
        with self._lock:
            held, self._held = self._held, []
            pumped, self._pumped = self._pumped, []
        for sock in held:
            _shut(sock)
        for sock in pumped:  # the pump sees the end of both streams and closes them itself
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            ready, _, _ = select.select([self._listener], [], [], 0.05)
            if not ready:
                continue
            try:
                client, _ = self._listener.accept()
            except OSError:
                continue
            with self._lock:
                mode = self.mode
                if mode == HANG:
                    self._held.append(client)
                    continue
            if mode == DOWN:
                _shut(client)
                continue
            try:
                server = self._connect()
            except OSError:
                _shut(client)
                continue
            with self._lock:
                switched = self.mode != UP  # switched while connecting: this one is cut too
                if not switched:
                    self._pumped += [client, server]
            if switched:
                _shut(client)
                _shut(server)
                continue
            thread = threading.Thread(target=self._pump, args=(client, server), daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()

    def _connect(self) -> socket.socket:
        if isinstance(self.target, tuple):
            return socket.create_connection(self.target, timeout=5)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(5)
        sock.connect(str(self.target))
        return sock

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        peers = {client: server, server: client}
        try:
            for sock in peers:
                sock.settimeout(None)
            while not self._stopped.is_set():
                readable, _, _ = select.select(list(peers), [], [], 0.2)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except (OSError, ValueError):  # cut from another thread
            return
        finally:
            for sock in peers:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def postgres_target(url: str) -> Target:
    """Where a PostgreSQL URL points: its Unix socket (`?host=/dir`, pgserver's way) or its host and port."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    host = parsed.query.get("host") or parsed.host or "localhost"
    host = host if isinstance(host, str) else host[0]
    port = parsed.port or 5432
    if host.startswith("/"):
        return str(Path(host) / f".s.PGSQL.{port}")
    return (host, port)


def through(url: str, forwarder: Forwarder) -> str:
    """The same PostgreSQL database, reached over TCP through `forwarder`."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    query = {key: value for key, value in parsed.query.items() if key != "host"}
    return parsed.set(host="127.0.0.1", port=forwarder.port, query=query).render_as_string(hide_password=False)
