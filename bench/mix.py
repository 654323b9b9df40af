"""Bench step 9: the whole portal under a mixed load, in the production shape, and faults under that load.

`measure_mix(settings)`:

1. starts a PostgreSQL of its own (pgserver, so that it can restart it) and the production shape on it
   (`python -m portal.ops.stack --database-url ...`: migrations, the demo data, gunicorn, the outbox dispatcher, the
   demo identification), with rate limits off, as for any load test from one address;
2. writes several thousand residents with listings into its database (`bench.choices.seed_population`), gives them
   synthetic temporary identity codes under the stack's key, imports a wallet export naming a fifth of them
   (`bench.wallet.write_county_export`, through the real importer), writes a logged-in session for most of them
   (`bench.choices.log_in`) and registers the others at the demo identification service, to log in for real;
3. runs the bare baseline app (`bench/baseline_app.py`) with gunicorn on the same database with as many workers,
   hit by the same number of locust users with no wait, for the machine's yardstick;
4. runs `bench/locustfile.py` (`MixUser`) in a locust process of its own, headless, for the measuring window, while
   the RSS of every process of the stack (supervisor, gunicorn, dispatcher, PostgreSQL) is summed every second and
   the CPU time of the stack and of locust is counted;
5. then, with the same users, the faults: a gunicorn worker killed (SIGKILL), later PostgreSQL restarted
   (`pg_ctl restart -m fast`) while a wallet import runs; what the clients saw, second by second;
6. stops the stack and counts, in the database, what the server acknowledged and does not have, a choice without
   its outbox messages or its access-log event, and a wallet import that is neither whole nor absent.

Nothing here compares a figure with its target (bench/run.py does). locust is only ever run as a subprocess: it
patches the standard library with gevent when imported.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.choices import percentile
from bench.cpu import busy_ticks, process_ticks
from bench.load import HOST, BenchError, serve, warm_up

REPO_ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = REPO_ROOT / "bench" / "locustfile.py"
HETU_KEY = "bench-mix-hetu-key-for-the-synthetic-residents-01"  # the stack's HETU_HASH_KEY in this run
COOKIE_NAME = "__Host-valinta"  # production's session cookie, which the stack sets
READY = re.compile(r"ready at (http://[^/\s]+)/")
SEARCH_WORDS = ("terveysasema", "hammas", "sote", "keskus", "hälsostation", "tandvård", "katu", "tie", "lääkäri")


@dataclass
class MixSettings:
    users: int = 100  # simulated browsers (locust users)
    spawn_rate: float = 20.0  # users started a second
    seconds: float = 300.0  # the measuring window
    residents: int = 5000
    login_residents: int = 500  # of them, those who log in for real (the others start with a session)
    server_workers: int = 5  # gunicorn sync workers: the stack's default on two CPUs (2 × CPUs + 1)
    baseline_seconds: float = 30.0
    warmup_seconds: float = 20.0  # the same users before the window, not counted: every worker's caches filled
    faults: bool = True
    fault_seconds: float = 90.0
    kill_worker_at: float = 20.0  # seconds into the fault window
    restart_database_at: float = 45.0
    fault_import_holders: int = 1600  # residents the import run during the restart gives new vouchers (a quarter two)
    wait_min: float = 0.5  # a user's pause between tasks, seconds
    wait_max: float = 2.0
    seed: int = 14


def _print(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# -- PostgreSQL and the stack -------------------------------------------------------------------------------------


@dataclass
class Database:
    url: str
    pgdata: Path | None  # None: a server given by URL, which this step cannot restart
    system_user: str | None = None  # pgserver runs the server as this user when we are root

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every connection cut, the server back when it accepts them again."""
        from pgserver._commands import pg_ctl

        if self.pgdata is None:
            raise BenchError("PostgreSQL was given by URL: it cannot be restarted here")
        pg_ctl(["-w", "-t", "60", "restart", "-m", "fast"], pgdata=self.pgdata, user=self.system_user, timeout=90)

    def pids(self) -> set[int]:
        """The postmaster and its children (backends, checkpointer, walwriter...)."""
        if self.pgdata is None:
            return set()
        try:
            postmaster = int((self.pgdata / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return set()
        return {postmaster} | _descendants(postmaster)


@contextmanager
def own_postgresql(server_url: str | None) -> Iterator[Database]:
    """A scratch database: on `server_url` when given, else on a pgserver started (and removed) here."""
    import psycopg

    directory = None
    if server_url is None:
        import pgserver

        directory = Path(tempfile.mkdtemp(prefix="valinta-bench-mix-pg-"))
        server = pgserver.get_server(directory, cleanup_mode="delete")
        server_url = server.get_uri()
    server_url = server_url.replace("postgresql+psycopg://", "postgresql://", 1)
    name = f"valinta_mix_{os.getpid()}_{int(time.time())}"
    try:
        with psycopg.connect(server_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        base, _, query = server_url.partition("?")
        url = f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")
        try:
            yield Database(url, directory, server.system_user if directory is not None else None)
        finally:
            with psycopg.connect(server_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        if directory is not None:
            server.cleanup()


def _free_port() -> int:
    """A loopback port whose next three are free too: the stack puts its demo services there."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            port = probe.getsockname()[1]
        if port < 65000 and all(_port_free(port + n) for n in (1, 2, 3)):
            return port
    raise BenchError("no free loopback port with three free after it")


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


@dataclass
class Stack:
    process: subprocess.Popen
    url: str
    port: int
    log: Path

    @property
    def resident_issuer(self) -> str:
        return f"http://localhost:{self.port + 1}"

    def pids(self) -> set[int]:
        return {self.process.pid} | _descendants(self.process.pid)

    def gunicorn_worker(self) -> int:
        """A worker of gunicorn: a child of the stack's gunicorn master."""
        processes = _processes()
        masters = [
            pid for pid, (ppid, command) in processes.items() if ppid == self.process.pid and "gunicorn" in command
        ]
        workers = [pid for pid, (ppid, _) in processes.items() if ppid in masters]
        if not workers:
            raise BenchError("found no gunicorn worker in the stack")
        return sorted(workers)[0]


@contextmanager
def production_stack(database_url: str, workers: int, work: Path, log: Callable[[str], None]) -> Iterator[Stack]:
    """`python -m portal.ops.stack` on `database_url` until its ready line; SIGINT (its Ctrl-C) afterwards."""
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "RATE_LIMITS_ENABLED": "0",  # every simulated browser comes from 127.0.0.1
        "HETU_HASH_KEY": HETU_KEY,
        "OUTBOX_ENDPOINTS": json.dumps(
            {
                "register": (work / "outbox" / "register").as_uri(),
                "provider": (work / "outbox" / "providers").as_uri() + "/{organisation_id}",
                "organiser": (work / "outbox" / "organiser").as_uri(),
            }
        ),
        "MAIL_URL": (work / "mail").as_uri(),
    }
    command = [sys.executable, "-m", "portal.ops.stack", "--port", str(port), "--workers", str(workers)]
    command += ["--database-url", database_url]
    stack_log = work / "stack.log"
    output = stack_log.open("ab")
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=output)
    try:
        url = _ready_url(process, stack_log, output)
        log(f"mix: the production shape is up at {url} ({workers} gunicorn workers)")
        yield Stack(process, url, port, stack_log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        output.close()


def _ready_url(process: subprocess.Popen, stack_log: Path, output: Any, deadline: float = 240) -> str:
    found: list[str] = []

    def read() -> None:
        for raw in process.stdout or ():
            try:
                output.write(raw)
                output.flush()
            except ValueError:  # the log was closed: the stack is stopping
                pass
            match = READY.search(raw.decode("utf-8", "replace"))
            if match and not found:
                found.append(match.group(1))

    threading.Thread(target=read, daemon=True).start()  # keeps draining stdout after the ready line
    started = time.monotonic()
    while not found:
        if process.poll() is not None:
            raise BenchError(f"the stack exited with {process.returncode}; see {stack_log}")
        if time.monotonic() - started > deadline:
            raise BenchError(f"the stack was not ready within {deadline:g} s; see {stack_log}")
        time.sleep(0.2)
    return found[0]


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process that can be read."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="utf-8", errors="replace") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except (OSError, IndexError, ValueError):
            continue
        found[int(entry.name)] = (ppid, command)
    return found


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in _processes().items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


# -- the population ------------------------------------------------------------------------------------------------


@dataclass
class Population:
    residents: int
    sessions: list[str]
    login_subjects: list[str]
    units: dict[str, list[str]]
    municipalities: list[str]
    wallet: dict[str, int]
    person_ids: list[int] = field(default_factory=list)


def prepare_population(app: Any, settings: MixSettings, stack: Stack, work: Path) -> Population:
    """In the stack's database (migrated, with the demo data): the residents, their wallet, sessions and logins."""
    from sqlalchemy import bindparam, text

    from bench.choices import PILOT_MUNICIPALITIES, accepting_units, log_in, seed_population
    from bench.wallet import WalletSettings, synthetic_hetu, write_county_export
    from portal.auth import identity
    from portal.compare.units import today_in_helsinki
    from portal.extensions import db
    from portal.wallet.importer import import_files

    with app.app_context():
        seed_population(settings.residents, today_in_helsinki())
        ids = list(db.session.scalars(text("SELECT id FROM person WHERE oidc_issuer = 'bench' ORDER BY id")))
        codes = [synthetic_hetu(n) for n in range(len(ids))]
        db.session.execute(
            text("UPDATE person SET hetu_hash = :hash, hetu_masked = :masked WHERE id = :id").bindparams(
                bindparam("id"), bindparam("hash"), bindparam("masked")
            ),
            [
                {"id": pid, "hash": identity.lookup_hash(code, HETU_KEY), "masked": identity.masked(code)}
                for pid, code in zip(ids, codes, strict=True)
            ],
        )
        db.session.commit()
        holders, budgets = len(ids) // 5, len(ids) // 50
        export = work / "wallet.json"
        wallet = write_county_export(
            export, WalletSettings(holders=holders, budgets=budgets, transactions=60 * budgets, cache_dir=work)
        )
        imported = import_files([export])
        if imported.outcome != "imported":
            raise BenchError(f"the residents' wallet was not imported: {imported.problems[:3]}")
        logins = settings.login_residents
        tokens = log_in(ids[: len(ids) - logins])
        units = {kind: accepting_units(kind) for kind in ("sote_centre", "dental_unit")}
        db.session.remove()
    subjects = register_logins(stack.resident_issuer, codes[len(ids) - logins :], len(ids) - logins)
    return Population(
        residents=len(ids),
        sessions=list(tokens.values()),
        login_subjects=subjects,
        units=units,
        municipalities=list(PILOT_MUNICIPALITIES),
        wallet=wallet,
        person_ids=ids,
    )


def register_logins(issuer: str, codes: list[str], first: int) -> list[str]:
    """Each resident as a user of the demo identification service (its PUT /users/<sub>), with the claims the
    portal reads; the subjects, for the login task's form."""
    from portal.auth.services import HETU_CLAIM, MUNICIPALITY_CLAIM
    from portal.demo.personas import LOA_SUBSTANTIAL

    subjects = []
    for number, code in enumerate(codes, first):
        sub = f"bench-resident-{number}"
        claims = {
            "given_name": "Penkki",
            "family_name": f"Asukas {number}",
            HETU_CLAIM: code,
            MUNICIPALITY_CLAIM: "186",
            "acr": LOA_SUBSTANTIAL,
        }
        request = urllib.request.Request(  # noqa: S310  # the demo provider on loopback, its URL built here
            f"{issuer}/users/{sub}",
            data=json.dumps(claims).encode(),
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  # loopback, built here
            if response.status >= 300:
                raise BenchError(f"the demo provider refused user {sub}: {response.status}")
        subjects.append(sub)
    return subjects


def write_plan(population: Population, work: Path) -> Path:
    plan = work / "plan.json"
    plan.write_text(
        json.dumps(
            {
                "cookie_name": COOKIE_NAME,
                "sessions": random.Random(1).sample(population.sessions, len(population.sessions)),
                "login_subjects": population.login_subjects,
                "units": population.units,
                "municipalities": population.municipalities,
                "search_words": list(SEARCH_WORDS),
            }
        ),
        encoding="utf-8",
    )
    return plan


# -- locust --------------------------------------------------------------------------------------------------------


@dataclass
class Request:
    started: float
    name: str
    ms: float
    status: int
    ok: bool

    @property
    def group(self) -> str:
        return self.name.split(":", 1)[0]


@dataclass
class LocustRun:
    requests: list[Request]
    acks: list[dict]
    started: float  # wall clock, when locust was started
    ended: float
    returncode: int


def run_locust(
    user_class: str,
    host: str,
    plan: Path,
    settings: MixSettings,
    seconds: float,
    work: Path,
    name: str,
    during: Callable[[float], None] | None = None,
) -> LocustRun:
    """`locust` headless in a process of its own, bounded in time (and killed if it overruns); `during(start)` runs
    in this process meanwhile (the samplers, the faults)."""
    requests, acks = work / f"{name}-requests.tsv", work / f"{name}-acks.jsonl"
    for path in (requests, acks):
        path.unlink(missing_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "MIX_PLAN": str(plan),
        "MIX_REQUESTS": str(requests),
        "MIX_ACKS": str(acks),
        "MIX_WAIT_MIN": str(settings.wait_min),
        "MIX_WAIT_MAX": str(settings.wait_max),
    }
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), user_class, "--headless",
        "-u", str(settings.users), "-r", str(settings.spawn_rate), "-t", f"{seconds:g}s", "--stop-timeout", "5",
        "--host", host, "--csv", str(work / name), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    started = time.time()
    with (work / f"{name}-locust.log").open("wb") as output:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=output, stderr=output)
        try:
            if during is not None:
                during(started)
            process.wait(timeout=seconds + 120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise BenchError(f"locust overran its {seconds:g} s by two minutes; see {work / name}-locust.log") from None
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    if process.returncode not in (0, 1):  # 1: some requests failed, which the figures count
        raise BenchError(f"locust exited with {process.returncode}; see {work / name}-locust.log")
    return LocustRun(_read_requests(requests), _read_acks(acks), started, time.time(), process.returncode)


def _read_requests(path: Path) -> list[Request]:
    if not path.is_file():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        started, name, ms, status, ok = line.split("\t")
        found.append(Request(float(started), name, float(ms), int(status), ok == "1"))
    return sorted(found, key=lambda r: r.started)


def _read_acks(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def steady(run: LocustRun, settings: MixSettings) -> tuple[list[Request], float]:
    """The requests started once every user was running, and the length of that window."""
    if not run.requests:
        return [], 0.0
    opened = run.requests[0].started + settings.users / settings.spawn_rate
    window = [r for r in run.requests if r.started >= opened]
    seconds = (window[-1].started - opened) if window else 0.0
    return window, seconds


# -- sampling the stack ------------------------------------------------------------------------------------------


class Sampler:
    """Every second: the summed RSS of the stack's processes and PostgreSQL's, and the CPU time of those and of the
    locust process (the last reading of a process that ended meanwhile counts)."""

    def __init__(self, stack: Stack, database: Database) -> None:
        self.stack = stack
        self.database = database
        self.rss_mb: list[float] = []
        self.ticks: dict[str, dict[int, int]] = {"stack": {}, "locust": {}}
        self.first: dict[str, dict[int, int]] = {}
        self.machine: list[int] = []
        self.times: list[float] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._sample()
        self.first = {role: dict(ticks) for role, ticks in self.ticks.items()}
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
        self._sample()

    def _run(self) -> None:
        while not self.stopped.wait(1.0):
            self._sample()

    def _sample(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        stack = self.stack.pids() | self.database.pids()
        locust = {pid for pid, (_, command) in _processes().items() if "-m locust" in command}
        total = 0
        for pid in stack:
            try:
                with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
                    total += int(statm.read().split()[1]) * page
            except (OSError, ValueError, IndexError):
                continue
        self.rss_mb.append(total / 1e6)
        for role, pids in (("stack", stack), ("locust", locust)):
            for pid in pids:
                ticks = process_ticks(pid)
                if ticks:
                    self.ticks[role][pid] = ticks
        self.machine.append(busy_ticks())
        self.times.append(time.time())

    def busy(self) -> dict[str, float]:
        """CPUs busy on average over the sampled time: the whole machine, the stack with PostgreSQL, locust."""
        seconds = self.times[-1] - self.times[0] if len(self.times) > 1 else 0.0
        if seconds <= 0:
            return {}
        hertz = os.sysconf("SC_CLK_TCK") * seconds
        found = {"machine": round((self.machine[-1] - self.machine[0]) / hertz, 2)}
        for role, ticks in self.ticks.items():
            used = sum(value - self.first.get(role, {}).get(pid, 0) for pid, value in ticks.items())
            found[role] = round(used / hertz, 2)
        return found


# -- the faults -------------------------------------------------------------------------------------------------------


def fault_export(work: Path, holders: int) -> tuple[Path, int]:
    """A wallet export of new vouchers (ids FV-...) for the first `holders` residents; its voucher count."""
    from bench.wallet import WalletSettings, county_vouchers

    path = work / "fault-wallet.json"
    records = []
    for record in county_vouchers(WalletSettings(holders=holders, budgets=0, transactions=0, seed=99)):
        records.append({**record, "id": "F" + record["id"]})
    path.write_text(json.dumps({"format": "valinta.wallet/1", "vouchers": records, "budgets": []}), encoding="utf-8")
    return path, len(records)


def wallet_import(database_url: str, export: Path, log_path: Path) -> subprocess.Popen:
    """`flask --app portal wallet import EXPORT`, as an operator runs it, on the stack's database and key."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "VALINTA_ENV": "development",
        "DATABASE_URL": database_url,
        "HETU_HASH_KEY": HETU_KEY,
    }
    command = [sys.executable, "-m", "flask", "--app", "portal", "wallet", "import", str(export)]
    with log_path.open("ab") as output:
        return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=output, stderr=output)


@dataclass
class FaultLog:
    killed_worker_at: float = 0.0
    restart_started_at: float = 0.0
    database_up_at: float = 0.0
    import_exit: int | None = None
    import_seconds: tuple[float, float] = (0.0, 0.0)
    import_cut: bool = False  # the restart came while the import's transaction had written vouchers


def writing_import(database_url: str, importing: subprocess.Popen, timeout: float) -> bool:
    """Wait until the wallet import's transaction has written vouchers and not yet committed, so that the restart
    cuts it in the middle (the import reads and checks its whole file first, which takes longer than the writes)."""
    import psycopg

    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND state <> 'idle' "
        "AND query ILIKE '%voucher%' AND pid <> pg_backend_pid()"
    )
    deadline = time.time() + timeout
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        while time.time() < deadline and importing.poll() is None:
            if conn.execute(query).fetchone()[0]:  # type: ignore[index]
                return True
            time.sleep(0.005)
    return False


def inflict_faults(
    start: float, settings: MixSettings, stack: Stack, database: Database, export: Path, work: Path, faults: FaultLog
) -> None:
    """At its moments after `start`: SIGKILL a gunicorn worker; start a wallet import and, as soon as its
    transaction has written vouchers, restart PostgreSQL under it."""
    time.sleep(max(0.0, start + settings.kill_worker_at - time.time()))
    worker = stack.gunicorn_worker()
    os.kill(worker, signal.SIGKILL)
    faults.killed_worker_at = time.time()
    time.sleep(max(0.0, start + settings.restart_database_at - 0.5 - time.time()))
    began = time.time()
    importing = wallet_import(database.url, export, work / "fault-import.log")
    faults.import_cut = writing_import(database.url, importing, timeout=30.0)
    faults.restart_started_at = time.time()
    database.restart()
    faults.database_up_at = time.time()
    faults.import_exit = importing.wait(timeout=300)
    faults.import_seconds = (began, time.time())


def count_fault_vouchers() -> int:
    from sqlalchemy import text

    from portal.extensions import db

    return db.session.scalar(text("SELECT count(*) FROM voucher WHERE source_id LIKE 'FV-%'"))


# -- the checks in the database ----------------------------------------------------------------------------------


def lost_and_half_applied(acks: list[dict], since: datetime) -> dict[str, int]:
    """What the clients were told was stored and is not; choices made since `since` without their outbox messages
    or access-log event (confirm_choice writes them in the choice's transaction)."""
    from sqlalchemy import bindparam, text

    from portal.extensions import db

    def present(sql: str, values: list[str]) -> set[str]:
        query = text(sql).bindparams(bindparam("values", expanding=True))
        found: set[str] = set()
        for at in range(0, len(values), 1000):
            found.update(db.session.scalars(query, {"values": values[at : at + 1000]}))
        return found

    choices = sorted({a["ref"] for a in acks if a["kind"] == "choice"})
    flags = sorted({a["ref"] for a in acks if a["kind"] == "flag"})
    markers = {a["marker"] for a in acks if a["kind"] == "chat"}
    stored_choices = present("SELECT reference FROM choice WHERE reference IN :values", choices)
    stored_flags = present("SELECT reference FROM flag WHERE reference IN :values", flags)
    bodies = db.session.scalars(
        text("SELECT body FROM chat_message WHERE author = 'resident' AND created_at >= :since"), {"since": since}
    )
    seen = {match for body in bodies for match in re.findall(r"kt-[0-9a-f]{12}", body)}
    made = db.session.execute(
        text(
            "SELECT c.reference,"
            " (SELECT count(*) FROM outbox_message AS o WHERE o.choice_id = c.id AND o.event = 'listing.chosen')"
            " FROM choice AS c WHERE c.chosen_at >= :since AND c.actor_kind = 'resident'"
            " AND c.request_key NOT LIKE 'bench-%'"  # the population's own, written before the run with no messages
        ),
        {"since": since},
    ).all()
    logged = Counter()
    for detail in db.session.scalars(
        text("SELECT detail FROM audit_event WHERE action = 'listing_chosen' AND occurred_at >= :since"),
        {"since": since},
    ):
        logged[json.loads(detail).get("reference")] += 1
    half = sum(1 for reference, messages in made if messages == 0 or logged[reference] != 1)
    db.session.remove()
    return {
        "acknowledged_choices": len(choices),
        "acknowledged_flags": len(flags),
        "acknowledged_chat": len(markers),
        "lost_choices": len(set(choices) - stored_choices),
        "lost_flags": len(set(flags) - stored_flags),
        "lost_chat": len(markers - seen),
        "choices_made": len(made),
        "half_applied_choices": half,
    }


# -- the figures ---------------------------------------------------------------------------------------------------


GROUPS = ("compare", "login", "dashboard", "wallet", "switch", "flag", "chat")


def window_figures(requests: list[Request], seconds: float) -> dict[str, float]:
    portal = [r for r in requests if r.name != "login: identity provider"]  # the demo provider is not the portal
    failed = sum(1 for r in requests if not r.ok)
    figures = {
        "mix_requests": len(portal),
        "mix_rps": round(len(portal) / seconds, 1) if seconds else 0.0,
        "mix_p50_ms": round(percentile([r.ms for r in portal], 50), 1),
        "mix_p95_ms": round(percentile([r.ms for r in portal], 95), 1),
        "mix_error_rate": round(failed / len(requests), 5) if requests else 1.0,
        "mix_errors": failed,
    }
    for group in GROUPS:  # 0 when a (tiny) window had none of the task
        figures[f"mix_{group}_p95_ms"] = round(percentile([r.ms for r in portal if r.group == group], 95), 1)
    return figures


def by_name(requests: list[Request]) -> str:
    names: dict[str, list[float]] = {}
    for r in requests:
        names.setdefault(r.name, []).append(r.ms)
    return "; ".join(
        f"{name} {len(times)}, p50 {percentile(times, 50):.0f} ms, p95 {percentile(times, 95):.0f} ms"
        for name, times in sorted(names.items())
    )


def errors_by_second(run: LocustRun, origin: float) -> dict[int, int]:
    seconds: Counter = Counter()
    for r in run.requests:
        if not r.ok:
            seconds[int(r.started + r.ms / 1000 - origin)] += 1
    return dict(sorted(seconds.items()))


# -- the measurement -------------------------------------------------------------------------------------------------


def measure_mix(
    settings: MixSettings,
    *,
    server_url: str | None = None,
    log: Callable[[str], None] = _print,
    work_dir: Path | None = None,
    notes: dict[str, str] | None = None,
) -> dict[str, float]:
    """Steps 1-6 above; the figures (notes for the document into `notes`). Raises BenchError when the run could not
    measure what it set out to (the stack did not start, locust failed); failed requests are figures, not errors."""
    notes = notes if notes is not None else {}
    work = Path(work_dir or tempfile.mkdtemp(prefix="valinta-bench-mix-"))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    figures: dict[str, float] = {}
    with own_postgresql(server_url) as database:
        with production_stack(database.url, settings.server_workers, work, log) as stack:
            app = mix_app(database.url)
            log(f"mix: writing {settings.residents} residents with listings, wallets, sessions and logins")
            population = prepare_population(app, settings, stack, work)
            plan = write_plan(population, work)
            figures.update(measure_baseline(database.url, settings, plan, work, log, notes))
            since = datetime.now(UTC).replace(tzinfo=None)
            if settings.warmup_seconds > 0:
                log(f"mix: warming up, {settings.users} users for {settings.warmup_seconds:g} s (not counted)")
                run_locust("MixUser", stack.url, plan, settings, settings.warmup_seconds, work, "warmup")
            log(f"mix: {settings.users} users for {settings.seconds:g} s on {stack.url}")
            with Sampler(stack, database) as sampler:
                clean = run_locust("MixUser", stack.url, plan, settings, settings.seconds, work, "mix")
            window, seconds = steady(clean, settings)
            figures.update(window_figures(window, seconds))
            figures["mix_peak_rss_mb"] = round(max(sampler.rss_mb or [0.0]), 1)
            busy = sampler.busy()
            figures["mix_users"] = settings.users
            figures["mix_seconds"] = settings.seconds
            figures["mix_to_baseline"] = (
                round(figures["mix_rps"] / figures["mix_baseline_rps"], 3) if figures.get("mix_baseline_rps") else 0.0
            )
            log(
                f"mix: {figures['mix_rps']} req/s, p95 {figures['mix_p95_ms']} ms, "
                f"errors {figures['mix_errors']}, peak RSS {figures['mix_peak_rss_mb']} MB, CPUs busy {busy}"
            )
            refusals = Counter(a.get("problem", "") for a in clean.acks if a["kind"] == "refused")
            notes["mix_setup"] = (
                f"{settings.users} locust users (one process, FastHttpUser), started {settings.spawn_rate:g} a second, "
                f"waiting {settings.wait_min:g}-{settings.wait_max:g} s between tasks; the stack with "
                f"{settings.server_workers} gunicorn sync workers, one outbox dispatcher and PostgreSQL (pgserver); "
                f"{population.residents} residents, {len(population.sessions)} with a session written beforehand and "
                f"{len(population.login_subjects)} logging in through the demo provider; "
                f"{population.wallet['vouchers']} vouchers and {population.wallet['budgets']} budgets imported"
            )
            notes["mix_window"] = (
                f"{len(window)} requests in {seconds:.0f} s once all users ran; CPUs busy on average "
                f"{busy.get('machine', 0)} of {os.cpu_count()} (the stack with PostgreSQL {busy.get('stack', 0)}, "
                f"locust {busy.get('locust', 0)}); switches refused (an answer, not an error): "
                + (", ".join(f"{k} {v}" for k, v in sorted(refusals.items())) or "none")
            )
            notes["mix_pages"] = by_name(window)
            checked_at = since
            if settings.faults and database.pgdata is not None:
                figures.update(measure_faults(settings, stack, database, plan, work, log, notes))
            elif settings.faults:
                notes["mix_faults"] = "not measured: PostgreSQL was given by URL and cannot be restarted here"
        with app.app_context():
            acks = [*_read_acks(work / "warmup-acks.jsonl"), *clean.acks, *_read_acks(work / "faults-acks.jsonl")]
            found = lost_and_half_applied(acks, checked_at)
            if settings.faults and database.pgdata is not None:
                figures["mix_fault_half_applied"] += found["half_applied_choices"]
            app_engine_dispose(app)
        figures["mix_lost"] = found["lost_choices"] + found["lost_flags"] + found["lost_chat"]
        if settings.faults and database.pgdata is not None:
            figures["mix_fault_lost"] = figures["mix_lost"]
        notes["mix_records"] = (
            f"acknowledged over both windows: {found['acknowledged_choices']} choices, {found['acknowledged_flags']} "
            f"flags, {found['acknowledged_chat']} chat messages; not found afterwards: {found['lost_choices']}, "
            f"{found['lost_flags']}, {found['lost_chat']}; {found['choices_made']} choices made by residents, "
            f"{found['half_applied_choices']} of them without their outbox messages or access-log event"
        )
    return figures


def mix_app(database_url: str) -> Any:
    """The portal on the stack's database, in this process, to write the population and count afterwards: the
    stack's identity-code key, so that the wallet import finds the residents."""
    from bench.choices import bench_app

    app = bench_app(database_url)
    app.config["HETU_HASH_KEY"] = HETU_KEY
    return app


def app_engine_dispose(app: Any) -> None:
    from portal.extensions import db

    db.session.remove()
    db.engine.dispose()


def measure_baseline(
    database_url: str, settings: MixSettings, plan: Path, work: Path, log: Callable[[str], None], notes: dict
) -> dict[str, float]:
    """The bare baseline app with as many gunicorn workers on the same database, as many users with no wait."""
    log(f"mix: the baseline app, {settings.users} users with no wait for {settings.baseline_seconds:g} s")
    with serve("mix-baseline", "bench.wsgi:baseline_app()", database_url, work, workers=settings.server_workers) as app:
        warm_up(app, "/list?municipality=186", settings.server_workers, seconds=0, threads=2)
        run = run_locust(
            "BaselineUser", f"http://{HOST}:{app.port}", plan, settings, settings.baseline_seconds, work, "baseline"
        )
    window, seconds = steady(run, settings)
    errors = sum(1 for r in window if not r.ok)
    rps = round(len(window) / seconds, 1) if seconds else 0.0
    notes["mix_baseline"] = (
        f"`/list` of the bare app, {len(window)} requests in {seconds:.0f} s, p95 "
        f"{percentile([r.ms for r in window], 95):.1f} ms, {errors} errors"
    )
    return {"mix_baseline_rps": rps}


def measure_faults(
    settings: MixSettings,
    stack: Stack,
    database: Database,
    plan: Path,
    work: Path,
    log: Callable[[str], None],
    notes: dict,
) -> dict[str, float]:
    log(
        f"mix: faults, {settings.fault_seconds:g} s: a gunicorn worker killed at {settings.kill_worker_at:g} s, "
        f"PostgreSQL restarted at {settings.restart_database_at:g} s under a wallet import"
    )
    export, vouchers = fault_export(work, min(settings.fault_import_holders, settings.residents))
    faults = FaultLog()
    run = run_locust(
        "MixUser",
        stack.url,
        plan,
        settings,
        settings.fault_seconds,
        work,
        "faults",
        during=lambda start: inflict_faults(start, settings, stack, database, export, work, faults),
    )
    app = mix_app(database.url)
    with app.app_context():
        after_cut = count_fault_vouchers()
        app_engine_dispose(app)
    again = wallet_import(database.url, export, work / "fault-import.log")
    again_exit = again.wait(timeout=300)
    with app.app_context():
        after_rerun = count_fault_vouchers()
        app_engine_dispose(app)
    origin = run.started
    failed = [r for r in run.requests if not r.ok]
    last_error = max((r.started + r.ms / 1000 for r in failed), default=0.0)
    recovery = max(0.0, last_error - faults.database_up_at) if failed else 0.0
    half = int(after_cut not in (0, vouchers)) + int(after_rerun != vouchers)
    statuses = Counter(r.status for r in failed)
    notes["mix_faults"] = (
        f"worker SIGKILLed at {faults.killed_worker_at - origin:.1f} s, PostgreSQL restart from "
        f"{faults.restart_started_at - origin:.1f} s, accepting again at {faults.database_up_at - origin:.1f} s; "
        f"{len(run.requests)} requests, {len(failed)} failed ("
        + ", ".join(f"{status or 'no answer'}: {n}" for status, n in sorted(statuses.items()))
        + "); failures by second: "
        + (", ".join(f"{s}s {n}" for s, n in errors_by_second(run, origin).items()) or "none")
    )
    lead, took = (
        faults.restart_started_at - faults.import_seconds[0],
        faults.import_seconds[1] - faults.import_seconds[0],
    )
    cut = "in the middle of its writes" if faults.import_cut else "without catching it writing"
    notes["mix_fault_import"] = (
        f"a wallet import of {vouchers} vouchers started {lead:.1f} s before the restart ({cut}) exited "
        f"{faults.import_exit} "
        f"after {took:.1f} s, leaving {after_cut} of its vouchers; run again after recovery: exit {again_exit}, "
        f"{after_rerun} vouchers"
    )
    log(f"mix: faults: {len(failed)} failed requests, recovery {recovery:.1f} s; {notes['mix_fault_import']}")
    return {
        "mix_fault_seconds": settings.fault_seconds,
        "mix_fault_requests": len(run.requests),
        "mix_fault_errors": len(failed),
        "mix_fault_recovery_seconds": round(recovery, 1),
        "mix_fault_half_applied": half,
        "mix_fault_import_cut": int(faults.import_cut),
    }


DOC_SECTION = """\
9. **The whole portal under load** (`bench/mix.py`, `bench/locustfile.py`; PostgreSQL only). The production shape
   (`python -m portal.ops.stack`, what `make run-prod` starts: gunicorn with {workers} sync workers, the outbox
   dispatcher, the demo identification) runs on a PostgreSQL of the bench's own, with rate limits off (every
   simulated browser comes from 127.0.0.1). Into its database go {residents} residents with listings (as in step 4),
   a wallet export naming a fifth of them (vouchers) and a fiftieth (budgets), imported by the real importer, a
   logged-in session for all but {logins} of them, and those {logins} as users of the demo identification service.
   Then locust (headless, one process, `FastHttpUser`, its requests written to a file; run as a subprocess,
   bounded in time) plays {users} browsers for {seconds} s. Each task is one visit, drawn with the issue's weights:
   the anonymous comparison 60 (a popular list, from the page cache, or in one case of five a search of one's own,
   rendered; then sometimes a unit page), a real login through the demo provider 5, the dashboard and the wallet 15
   (the front page, the wallet, a voucher or budget), switching 5 (the check page, then its form: a receipt, or a
   409 refusal, counted apart and not as an error), a flag 5 (the form, its check page, send) and the chat 10 (the
   page, a question to the assistant, the page, three polls of the live panel 1.5 s apart). A user waits
   {wait_min}-{wait_max} s between tasks: far less than a person reads, so that {users} users load the stack as many
   more people would, still as a closed loop. The session cookie is `Secure` and `__Host-` prefixed, which a client
   does not send over http: each user carries it itself. The figures count the requests started once every user
   was running (the demo provider's own page not among them); `mix_error_rate` is failed requests (an unexpected
   status, or no answer) over all. `mix_peak_rss_mb` is the largest sum, sampled every second from /proc, of the
   resident memory of every process of the stack (the supervisor, gunicorn's master and workers, the dispatcher,
   the e-mail sender) and of PostgreSQL's; locust is not counted. The locust process shares the machine's two CPUs
   with the stack: the notes say how much of them each used. `mix_baseline_rps` is the bare baseline app
   (`/list`, as in step 3) with as many gunicorn workers on the same database, hit by as many locust users with no
   wait for {baseline_seconds} s in the same run: the most this load generator gets from this machine for a page
   that reads a database, so `mix_to_baseline` says what share of that the mix used.

   **Faults under load.** Then {fault_seconds} s more with the same users: at {kill_at} s one gunicorn worker is
   killed with SIGKILL (gunicorn starts another); at {restart_at} s PostgreSQL is restarted (`pg_ctl restart -m
   fast`: every connection cut) while a wallet import (`flask --app portal wallet import`, new vouchers for
   {holders} residents) is in the middle of its transaction: the import is started half a second before, and the
   restart waits until `pg_stat_activity` shows its transaction holding written, uncommitted vouchers
   (`mix_fault_import_cut` is 1 when it did, 0 when the import finished or 30 s passed first).
   `mix_fault_errors` counts the requests that failed in that window, `mix_fault_recovery_seconds` the time from
   PostgreSQL accepting connections again to the end of the last failed request. Afterwards, in the database:
   every choice, flag and chat message the server acknowledged in either window (a 303 to the receipt, to the
   flag's page, to the chat) must be there (`mix_fault_lost`); every choice a resident made must have its outbox
   messages and its access-log event, which `confirm_choice` writes in the same transaction, and the wallet import
   must have left all its vouchers or none, and all of them once run again (`mix_fault_half_applied`).
"""


def doc_section(settings: MixSettings) -> str:
    return DOC_SECTION.format(
        workers=settings.server_workers,
        residents=f"{settings.residents:,}".replace(",", " "),
        logins=settings.login_residents,
        users=settings.users,
        seconds=f"{settings.seconds:g}",
        wait_min=f"{settings.wait_min:g}",
        wait_max=f"{settings.wait_max:g}",
        baseline_seconds=f"{settings.baseline_seconds:g}",
        fault_seconds=f"{settings.fault_seconds:g}",
        kill_at=f"{settings.kill_worker_at:g}",
        restart_at=f"{settings.restart_database_at:g}",
        holders=settings.fault_import_holders,
    )


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.mix", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=MixSettings.users)
    parser.add_argument("--seconds", type=float, default=MixSettings.seconds)
    parser.add_argument("--residents", type=int, default=MixSettings.residents)
    parser.add_argument("--login-residents", type=int, default=MixSettings.login_residents)
    parser.add_argument("--baseline-seconds", type=float, default=MixSettings.baseline_seconds)
    parser.add_argument("--warmup-seconds", type=float, default=MixSettings.warmup_seconds)
    parser.add_argument("--fault-seconds", type=float, default=MixSettings.fault_seconds)
    parser.add_argument("--kill-worker-at", type=float, default=MixSettings.kill_worker_at)
    parser.add_argument("--restart-database-at", type=float, default=MixSettings.restart_database_at)
    parser.add_argument("--no-faults", dest="faults", action="store_false")
    parser.add_argument("--work-dir", type=Path)
    args = parser.parse_args(argv)
    settings = MixSettings(
        users=args.users,
        seconds=args.seconds,
        residents=args.residents,
        login_residents=args.login_residents,
        baseline_seconds=args.baseline_seconds,
        warmup_seconds=args.warmup_seconds,
        faults=args.faults,
        fault_seconds=args.fault_seconds,
        kill_worker_at=args.kill_worker_at,
        restart_database_at=args.restart_database_at,
    )
    notes: dict[str, str] = {}
    figures = measure_mix(settings, work_dir=args.work_dir, notes=notes)
    print(json.dumps(figures, indent=2))
    for key, note in notes.items():
        print(f"- {key}: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
