"""Serve an app with gunicorn on loopback and measure its throughput with keep-alive client threads.

The listening socket is bound (port 0) and opened here and handed to gunicorn as `fd://N`, so there is no
window in which another process could take the port. The load generator is N threads, each with one
`http.client.HTTPConnection` (kept alive when the server allows it; gunicorn's sync worker closes after each
response and the client reconnects), looping requests for a fixed time. Each thread keeps the cookie the server
sets, as a browser would, so a visitor's session is created once, not on every request; a logged-in visitor's
threads start with a session cookie each (`Target.cookies`).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.wsgi import WORKER_HEADER

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


class BenchError(RuntimeError):
    """The benchmark could not measure what it set out to; the message says why."""


@dataclass(frozen=True)
class Server:
    name: str
    port: int
    log: Path


@dataclass(frozen=True)
class Target:
    """What one measuring window loads: `path` on `server`, its figures under `name`; each client thread starts with
    one of `cookies` ("name=value", in turn), as a logged-in browser would, or with none."""

    name: str
    server: Server
    path: str
    cookies: tuple[str, ...] = ()


@dataclass
class LoadResult:
    seconds: float
    ok: int = 0
    errors: int = 0
    statuses: Counter = field(default_factory=Counter)
    first_error: str = ""

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def gunicorn_command(app_spec: str, fd: int, workers: int, threads: int, log: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"fd://{fd}",
        "--chdir",
        str(REPO_ROOT),
        "--timeout",
        "300",  # the first request in a worker builds the search index
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
        "--error-logfile",
        str(log),
        app_spec,
    ]


@contextmanager
def serve(
    name: str, app_spec: str, database_url: str, log_dir: Path, *, workers: int = 2, threads: int = 1
) -> Iterator[Server]:
    """Run `gunicorn app_spec` on a free loopback port for the duration of the block."""
    log = log_dir / f"gunicorn-{name}.log"
    sock = listening_socket()
    port = sock.getsockname()[1]
    env = {**os.environ, "BENCH_DATABASE_URL": database_url, "PYTHONPATH": str(REPO_ROOT)}
    with open(log, "ab") as output:
        process = subprocess.Popen(
            gunicorn_command(app_spec, sock.fileno(), workers, threads, log),
            cwd=REPO_ROOT,
            env=env,
            stdout=output,
            stderr=output,
            pass_fds=(sock.fileno(),),
            start_new_session=True,
        )
    sock.close()  # gunicorn has its own copy
    try:
        yield Server(name, port, log)
    finally:
        _stop(process)
    if process.returncode not in (0, -signal.SIGTERM):
        raise BenchError(f"gunicorn ({name}) exited with {process.returncode}; see {log}:\n{_tail(log)}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # gunicorn's graceful shutdown stops its workers
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the session this process leads: gunicorn and its workers
        process.wait(timeout=10)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def fetch(server: Server, path: str, timeout: float = 300, cookie: str = "") -> tuple[int, dict[str, str], str]:
    """One GET on a fresh connection: (status, headers, body)."""
    connection = http.client.HTTPConnection(HOST, server.port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        body = response.read().decode("utf-8", errors="replace")
        return response.status, dict(response.getheaders()), body
    finally:
        connection.close()


def warm_up(
    server: Server,
    path: str,
    workers: int,
    *,
    seconds: float,
    threads: int,
    deadline: float = 300,
    cookies: tuple[str, ...] = (),
) -> None:
    """Until every worker has answered `path` with 200 (concurrent requests spread them over the workers),
    then `seconds` of load whose figures are thrown away."""
    seen: set[str] = set()
    failures: list[str] = []
    lock = threading.Lock()
    started = time.monotonic()
    while len(seen) < workers:
        if time.monotonic() - started > deadline:
            raise BenchError(f"{server.name}: only {len(seen)} of {workers} workers answered within {deadline} s")

        def one() -> None:
            try:
                status, headers, body = fetch(server, path, cookie=cookies[0] if cookies else "")
            except OSError as error:
                with lock:
                    failures.append(repr(error))
                return
            with lock:
                if status == 200:
                    seen.add(headers.get(WORKER_HEADER, ""))
                else:
                    failures.append(f"{status}: {body[:300]}")

        batch = [threading.Thread(target=one) for _ in range(max(2, workers * 2))]
        for thread in batch:
            thread.start()
        for thread in batch:
            thread.join()
        if failures:
            raise BenchError(f"{server.name} warm-up: GET {path} failed: {failures[0]}\n{_tail(server.log)}")
    if seconds > 0:
        generate_load(server, path, seconds=seconds, threads=threads, cookies=cookies)


def generate_load(
    server: Server, path: str, *, seconds: float, threads: int, cookies: tuple[str, ...] = ()
) -> LoadResult:
    """`threads` clients loop GET `path` for `seconds`; responses completed after the deadline are not counted."""
    result = LoadResult(seconds=seconds)
    lock = threading.Lock()
    barrier = threading.Barrier(threads + 1)
    window: list[float] = []

    def client(cookie: str) -> None:
        ok = errors = 0
        statuses: Counter = Counter()
        first_error = ""
        connection = http.client.HTTPConnection(HOST, server.port, timeout=60)
        barrier.wait()
        deadline = window[0]
        while True:
            try:
                connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
                response = connection.getresponse()
                body = response.read()
                status = response.status
                set_cookie = response.getheader("Set-Cookie")
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection(HOST, server.port, timeout=60)
                if time.perf_counter() >= deadline:
                    break
                errors += 1
                statuses["exception"] += 1
                first_error = first_error or repr(error)
                continue
            if time.perf_counter() >= deadline:
                break
            statuses[status] += 1
            if status == 200:
                ok += 1
            else:
                errors += 1
                first_error = first_error or f"{status}: {body[:300].decode('utf-8', errors='replace')}"
            if set_cookie:
                cookie = set_cookie.split(";", 1)[0]
        connection.close()
        with lock:
            result.ok += ok
            result.errors += errors
            result.statuses.update(statuses)
            result.first_error = result.first_error or first_error

    workers = [
        threading.Thread(target=client, args=(cookies[n % len(cookies)] if cookies else "",), daemon=True)
        for n in range(threads)
    ]
    for thread in workers:
        thread.start()
    window.append(time.perf_counter() + seconds)
    barrier.wait()
    for thread in workers:
        thread.join()
    return result


def alternate(
    targets: Sequence[tuple[Server, str] | Target], *, rounds: int, seconds: float, threads: int
) -> dict[str, list[LoadResult]]:
    """A B A B ...: each target (a server and path, named by the server, or a `Target`) measured `rounds` times for
    `seconds`, in turn."""
    named = [target if isinstance(target, Target) else Target(target[0].name, *target) for target in targets]
    results: dict[str, list[LoadResult]] = {target.name: [] for target in named}
    for _ in range(rounds):
        for target in named:
            time.sleep(0.5)  # let the previous window's connections close
            results[target.name].append(
                generate_load(target.server, target.path, seconds=seconds, threads=threads, cookies=target.cookies)
            )
    return results
