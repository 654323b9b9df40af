"""`make run-prod`: the production shape on one machine, started, watched and stopped by one supervisor.

    python -m portal.ops.stack [--port 8000] [--workers N] [--threads 1] [--database-url URL] [--no-demo]
                               [--dispatchers 1]

It starts PostgreSQL (pgserver, its data kept in instance/production-demo/postgresql) unless --database-url or
DATABASE_URL names one, migrates it, loads the demo data, starts the demo identification providers and the fake
mandate service (threads of this process), then gunicorn, the outbox dispatchers and the flaggers' e-mail sender as
child processes, with the `production-demo` settings: production's, except the demo identification, which it
announces loudly. It prints one line on stdout once /readyz answers:

    Valinta (production shape) ready at http://127.0.0.1:8000/

SIGINT (Ctrl-C) or SIGTERM stops gunicorn gracefully, then the dispatchers, the demo providers and PostgreSQL, and
exits 0. A child that dies on its own is named and stops everything with exit code 1 (gunicorn restarts its own
workers). The children run in process groups of their own, so a Ctrl-C in the terminal reaches this supervisor
only, and it stops them in order.

This module imports no app: the settings classes read the environment when portal.config is imported, which
`python -m portal.ops.stack` has done before any of this runs; the children get the environment set here instead.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess  # nosec B404  # the children are this repository's own commands, argv built here
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from portal.config import DEMO_NOTICE, REPO_ROOT, default_web_workers, framed

ENV_NAME = "production-demo"
HOST = "127.0.0.1"
STATE = REPO_ROOT / "instance" / "production-demo"  # gitignored with the rest of instance/
READY_LINE = "Valinta (production shape) ready at http://{host}:{port}/"
# Generated once per install and kept: a new HETU_HASH_KEY would lose every resident, a new SECRET_KEY every session.
GENERATED_SECRETS = ("SECRET_KEY", "HETU_HASH_KEY", "OUTBOX_SECRET", "VALTUUDET_API_KEY", "VALTUUDET_OAUTH_SECRET")
READY_DEADLINE_SECONDS = 120.0
STOP_WAIT_SECONDS = 15.0  # for a dispatcher or the e-mail sender to finish the message in hand
SESSIONS_PURGE_EVERY_SECONDS = 3600.0


class StackFailed(RuntimeError):
    """Something the stack needs did not start or died; the message says what."""


@dataclass
class Settings:
    port: int
    workers: int
    threads: int
    database_url: str
    demo: bool
    dispatchers: int
    outbox_interval: float
    state: Path


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    stop_wait: float = STOP_WAIT_SECONDS


@dataclass
class Supervisor:
    settings: Settings
    env: dict[str, str]
    stop: threading.Event = field(default_factory=threading.Event)
    children: list[Child] = field(default_factory=list)

    def spawn(self, name: str, command: list[str], env: dict[str, str] | None = None, **kwargs: float) -> Child:
        # process_group=0: a group of its own (gunicorn's workers join it), out of reach of the terminal's Ctrl-C.
        process = subprocess.Popen(  # noqa: S603  # nosec B603  # argv of this repository's own commands
            command, cwd=REPO_ROOT, env=env or self.env, process_group=0
        )
        child = Child(name, process, **kwargs)
        self.children.append(child)
        say(f"Started {name} (pid {process.pid}).")
        return child

    def run_step(self, name: str, command: list[str]) -> None:
        """Run a command to its end (migrations, the demo data); a Ctrl-C meanwhile stops it."""
        child = self.spawn(name, command)
        while child.process.poll() is None:
            if self.stop.wait(0.2):
                return
        self.children.remove(child)
        if child.process.returncode != 0:
            raise StackFailed(f"{name} failed with exit code {child.process.returncode}")

    def died(self) -> Child | None:
        return next((child for child in self.children if child.process.poll() is not None), None)

    def stop_all(self) -> None:
        """Gunicorn first (no new requests), then the rest, in the order they started; each SIGTERM, then SIGKILL
        after its wait."""
        for child in self.children:
            _terminate(child)
        self.children.clear()


def say(message: str) -> None:
    print(message, flush=True)


def complain(message: str) -> None:
    print(f"run-prod: {message}", file=sys.stderr, flush=True)


def _terminate(child: Child) -> None:
    process = child.process
    if process.poll() is None:
        say(f"Stopping {child.name} (pid {process.pid}) ...")
        process.terminate()  # the group's leader only: gunicorn's master stops its workers itself
        try:
            process.wait(child.stop_wait)
        except subprocess.TimeoutExpired:
            complain(f"{child.name} (pid {process.pid}) did not stop within {child.stop_wait:g} s: killed")
    # Whatever is left of its group (a worker gunicorn could not reap, say) goes with it.
    with _suppress_lookup():
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _suppress_lookup() -> suppress:
    return suppress(ProcessLookupError)  # the group is gone already


# -- settings and the environment -----------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> Settings:
    parser = argparse.ArgumentParser(prog="python -m portal.ops.stack", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000), help="default: $PORT or 8000")
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_WORKERS") or default_web_workers()),
        help="gunicorn worker processes (default: WEB_WORKERS, or 2 × CPUs + 1, at most 8)",
    )
    parser.add_argument(
        "--threads", type=int, default=int(os.environ.get("WEB_THREADS") or 1), help="threads a worker (WEB_THREADS)"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="PostgreSQL (default: DATABASE_URL; empty: a pgserver PostgreSQL in instance/production-demo)",
    )
    parser.add_argument("--no-demo", dest="demo", action="store_false", help="do not load the demo data")
    parser.add_argument("--dispatchers", type=int, default=1, help="outbox dispatcher processes (default 1)")
    parser.add_argument(
        "--outbox-interval", type=float, default=5.0, help="seconds between a dispatcher's cycles (default 5)"
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=STATE,
        help="the generated secrets, the pgserver data and the metrics files (default: instance/production-demo)",
    )
    args = parser.parse_args(argv)
    if args.workers < 1 or args.threads < 1 or args.dispatchers < 0:
        parser.error("--workers and --threads must be at least 1, --dispatchers at least 0")
    return Settings(
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        database_url=args.database_url,
        demo=args.demo,
        dispatchers=args.dispatchers,
        outbox_interval=args.outbox_interval,
        state=args.state_dir.resolve(),
    )


def install_secrets(path: Path) -> dict[str, str]:
    """The demo's secrets: read from `path`, or generated and written there (readable by this user only)."""
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [name for name in GENERATED_SECRETS if len(stored.get(name, "")) < 32]
    if missing:
        stored.update({name: secrets.token_urlsafe(48) for name in missing})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps(stored, indent=2) + "\n")
        say(f"Generated {', '.join(missing)} in {path} (kept for the next runs).")
    return stored


def child_environment(settings: Settings, database_url: str) -> dict[str, str]:
    """What every child sees: the production-demo settings; anything set by hand (a secret, RATE_LIMITS_ENABLED=0
    for a load test) wins, except the port and the database, which the command line gives."""
    env = dict(os.environ)
    for name, value in install_secrets(settings.state / "secrets.json").items():
        env.setdefault(name, value)
    env.update(
        {
            "VALINTA_ENV": ENV_NAME,
            "PORT": str(settings.port),
            "DATABASE_URL": database_url,
            "WEB_WORKERS": str(settings.workers),
            "WEB_THREADS": str(settings.threads),
            "VALINTA_NOTICE_SHOWN": "1",  # shown once, by this process, instead of by every worker
            "PYTHONUNBUFFERED": "1",  # the dispatchers' lines appear as they happen
        }
    )
    for offset, name in enumerate(("DEMO_RESIDENT_IDP_PORT", "DEMO_STAFF_IDP_PORT", "DEMO_VALTUUDET_PORT"), 1):
        env.setdefault(name, str(settings.port + offset))
    return env


# -- PostgreSQL -------------------------------------------------------------------------------------------------


@contextmanager
def local_postgresql(data: Path, database: str = "valinta") -> Iterator[str]:
    """A pgserver PostgreSQL on `data` (created on the first run, kept after), stopped when the block ends; yields the
    URL of `database` on it, created when missing."""
    import pgserver
    import psycopg

    data.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(data)
    say(f"Starting PostgreSQL (pgserver) in {data} ...")
    server = pgserver.get_server(data, cleanup_mode="stop")
    try:
        with psycopg.connect(server.get_uri(), autocommit=True) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{database}"')
        yield server.get_uri(database)
    finally:
        say("Stopping PostgreSQL ...")
        server.cleanup()


def _forget_dead_handles(data: Path) -> None:
    """pgserver stops the server when its last handle closes, counting handles by pid in a file; a run that was
    killed leaves its pid there, and the next run's stop would then leave the server running for good."""
    handles = data / ".handle_pids.json"
    if not handles.exists():
        return
    alive = [pid for pid in json.loads(handles.read_text()) if Path(f"/proc/{pid}").exists()]
    handles.write_text(json.dumps(alive))


# -- the demo identification ----------------------------------------------------------------------------------


@contextmanager
def demo_services(env: dict[str, str]) -> Iterator[None]:
    """The two demo OpenID Connect providers and the fake mandate service, threads of this process."""
    from adapters.valtuudet_fake import run_fake_in_thread
    from portal.demo.idp import run_demo_providers
    from portal.demo.valtuudet import demo_delegations

    with ExitStack() as stack:
        providers = stack.enter_context(
            run_demo_providers(int(env["DEMO_RESIDENT_IDP_PORT"]), int(env["DEMO_STAFF_IDP_PORT"]))
        )
        say(f"Demo identification: residents {providers.resident_issuer}, staff {providers.staff_issuer}")
        valtuudet = stack.enter_context(
            run_fake_in_thread(
                demo_delegations(),
                client_id=env.get("VALTUUDET_CLIENT_ID", "valinta-demo"),
                api_key=env["VALTUUDET_API_KEY"],
                oauth_secret=env["VALTUUDET_OAUTH_SECRET"],
                port=int(env["DEMO_VALTUUDET_PORT"]),
            )
        )
        say(f"Demo mandate service (a fake Suomi.fi-valtuudet): {valtuudet.url}")
        try:
            yield
        finally:
            say("Stopping the demo identification ...")


# -- the run ----------------------------------------------------------------------------------------------------


def flask_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "portal", *args]


def gunicorn_env(env: dict[str, str], state: Path) -> dict[str, str]:
    """Gunicorn's environment: Prometheus' multiprocess folder, emptied, since a folder left by an earlier run would
    add its counts to this one's (one a port: two stacks may run side by side)."""
    folder = state / f"prometheus-{env['PORT']}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return {**env, "PROMETHEUS_MULTIPROC_DIR": str(folder)}


def wait_until_ready(supervisor: Supervisor, port: int) -> bool:
    """Until /readyz answers 200 (True), a stop is asked for (False), or StackFailed: a child died, or time ran out."""
    url = f"http://{HOST}:{port}/readyz"
    started = time.monotonic()
    while not supervisor.stop.is_set():
        dead = supervisor.died()
        if dead is not None:
            raise StackFailed(f"{dead.name} (pid {dead.process.pid}) exited with code {dead.process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # nosec B310  # fixed loopback URL
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() - started > READY_DEADLINE_SECONDS:
            raise StackFailed(f"{url} did not answer 200 within {READY_DEADLINE_SECONDS:g} s")
        supervisor.stop.wait(0.3)
    return False


def watch(supervisor: Supervisor, purge: Callable[[], None]) -> None:
    """Until a stop is asked for; StackFailed when a child dies. Expired sessions are purged every hour."""
    next_purge = time.monotonic() + SESSIONS_PURGE_EVERY_SECONDS
    while not supervisor.stop.wait(0.5):
        dead = supervisor.died()
        if dead is not None:
            raise StackFailed(
                f"{dead.name} (pid {dead.process.pid}) exited unexpectedly with code {dead.process.returncode}"
            )
        if time.monotonic() >= next_purge:
            next_purge = time.monotonic() + SESSIONS_PURGE_EVERY_SECONDS
            purge()


def purge_sessions(supervisor: Supervisor) -> None:
    """Expired sessions and ended rate-limit windows; a failure is reported and tried again in an hour."""
    try:
        supervisor.run_step("sessions purge", flask_command("sessions", "purge"))
    except StackFailed as error:
        complain(str(error))


def start(supervisor: Supervisor, stack: ExitStack) -> bool:
    settings, env = supervisor.settings, supervisor.env
    supervisor.run_step("migrations", flask_command("db", "upgrade"))
    if settings.demo and not supervisor.stop.is_set():
        supervisor.run_step("the demo data", flask_command("demo", "load"))
    if supervisor.stop.is_set():
        return False
    stack.enter_context(demo_services(env))
    stack.callback(supervisor.stop_all)  # on the way out, the children stop before the demo services close
    command = [sys.executable, "-m", "gunicorn", "--config", str(Path(__file__).with_name("gunicorn_conf.py"))]
    command += ["--bind", f"{HOST}:{settings.port}", f'portal:create_app("{ENV_NAME}")']
    gunicorn = supervisor.spawn("gunicorn", command, env=gunicorn_env(env, settings.state))
    # gunicorn's own graceful stop waits WEB_GRACEFUL_TIMEOUT_SECONDS for requests in hand; then the kill.
    gunicorn.stop_wait = float(env.get("WEB_GRACEFUL_TIMEOUT_SECONDS") or 10) + 5
    for number in range(1, settings.dispatchers + 1):
        interval = f"{settings.outbox_interval:g}"
        supervisor.spawn(f"outbox dispatcher {number}", flask_command("outbox", "run", "--interval", interval))
    if env.get("MAIL_URL", "demo folder") != "":  # production-demo writes e-mails to files unless told otherwise
        supervisor.spawn("e-mail sender", flask_command("flags", "send-email", "--forever", "--interval", "5"))
    return wait_until_ready(supervisor, settings.port)


def main(argv: list[str] | None = None) -> int:
    settings = parse_args(argv)
    supervisor = Supervisor(settings, env={})

    def on_signal(number: int, _frame: FrameType | None) -> None:
        if not supervisor.stop.is_set():
            say(f"{signal.Signals(number).name}: stopping ...")
        supervisor.stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(framed(DEMO_NOTICE), file=sys.stderr, flush=True)
    code = 0
    with ExitStack() as stack:
        try:
            database_url = settings.database_url or stack.enter_context(local_postgresql(settings.state / "postgresql"))
            supervisor.env = child_environment(settings, database_url)
            stack.callback(supervisor.stop_all)  # before PostgreSQL stops
            if start(supervisor, stack):
                workers, threads = settings.workers, settings.threads
                mode = f"{workers} worker{'s' * (workers > 1)} × {threads} thread{'s' * (threads > 1)}"
                say(f"gunicorn: {mode}; outbox dispatchers: {settings.dispatchers}. Ctrl-C stops everything.")
                say(READY_LINE.format(host=HOST, port=settings.port))
                watch(supervisor, lambda: purge_sessions(supervisor))
        except StackFailed as error:
            complain(f"{error}; stopping everything.")
            code = 1
        except Exception as error:  # anything else: still stop every child before exiting
            complain(f"{type(error).__name__}: {error}; stopping everything.")
            code = 1
        finally:
            supervisor.stop.set()
    say("Stopped." if code == 0 else "Stopped after a failure.")
    return code


if __name__ == "__main__":
    sys.exit(main())
