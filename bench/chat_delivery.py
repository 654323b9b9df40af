"""Chat delivery between processes: how long a message takes to show on the other side when each side is served by
a different app process, on PostgreSQL.

`measure_delivery(database_url, settings)` works in a fresh PostgreSQL database:

1. migrates it and writes `settings.conversations` open chats straight into the database (each taken by a
   help-line worker, `chats_per_worker` chats a worker, with a few messages already), an anonymous resident's
   session for each and a logged-in session for each worker (`seed_chats`); setting up is not measured;
2. serves the portal twice with gunicorn (`resident` and `worker`, `server_workers` sync workers each), as two
   hosts behind a load balancer would: the residents talk only to the first, the workers only to the second;
3. opens every chat on both sides over HTTP (the resident's `/chat/`, the worker's `/helpline/chats/<id>`), then
   runs every side as the htmx panel does: it asks `updates?tag=<tag>` as often as the page's `hx-trigger` says
   (every 1.5 s), from a random phase (204 while nothing changed; a changed panel restarts the timer, as an htmx swap
   does), and sends its messages (`messages_per_conversation` a chat, in turns from each side, at random moments
   over `seconds`); each worker's console polls its queues likewise;
4. times each message from the moment its POST starts to the first poll answer on the other side that has it.

Everything timed is real HTTP on loopback; the load generator (a thread per browser tab) runs on the same machine.
Nothing here compares a figure with its target (bench/run.py does).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import random
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape
from pathlib import Path
from urllib.parse import unquote_plus, urlencode

from bench.load import HOST, BenchError, Server, serve, warm_up

APP_SPEC = "bench.chat_delivery:delivery_app()"
CSRF_FIELD = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]*)">')
POLL_TRIGGER = re.compile(r'hx-trigger="every (\d+(?:\.\d+)?)(ms|s)"')
MESSAGE_FORM = re.compile(r'<form\b[^>]*\bclass="chat__form"[^>]*>')  # the first: the message (or reply) form
GREETING = "Hei, täällä neuvonta. Miten voin auttaa?"


def _print(message: str) -> None:
    print(f"[bench] {message}", flush=True)


@dataclass
class DeliverySettings:
    conversations: int = 200  # open chats, each with a resident and a worker polling
    chats_per_worker: int = 4  # a worker has this many chats open at once
    messages_per_conversation: int = 3  # sent in turns from each side
    seconds: float = 40.0  # the sends are spread over this long
    warmup_seconds: float = 4.0  # every side polls this long before the first send
    poll_interval: float | None = None  # seconds; None: what the page's live panel says (hx-trigger="every 1500ms")
    consoles: bool = True  # each worker also has the console open, which polls the queues likewise
    give_up_seconds: float = 10.0  # a message not shown this long after the last send is counted lost
    server_workers: int = 2  # gunicorn sync workers in each of the two app processes
    seed: int = 1


# -- the app the two processes serve --------------------------------------------------------------------------


def delivery_app(resident_issuer: str = "", staff_issuer: str = "") -> Callable:
    """`gunicorn 'bench.chat_delivery:delivery_app()'`: the portal on BENCH_DATABASE_URL with the bench's settings (the
    test configuration: plain http on loopback, one SECRET_KEY for every process, rate limits off as for any load
    test), and the identity providers given, if any (tests/functional/test_chat_processes.py logs in through them)."""
    from bench.wsgi import database_url, with_worker_header
    from portal import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url(),
            "RESIDENT_OIDC_ISSUER": resident_issuer,
            "STAFF_OIDC_ISSUER": staff_issuer,
            "SERVER_NAME": None,
            "CATALOGUE_VERSION_TTL_SECONDS": 2,  # as deployed (the test configuration reads it on every request)
            "FULL_UNITS_TTL_SECONDS": 2,
        }
    )
    return with_worker_header(app)


@contextmanager
def two_processes(
    database_url: str, log_dir: Path, *, workers: int, app_spec: str = APP_SPEC, deadline: float = 120
) -> Iterator[tuple[Server, Server]]:
    """Two gunicorn app processes on the same database, each on its own loopback port, answering by the end of
    `deadline` seconds; stopped (and their workers with them) when the block ends, however it ends."""
    with ExitStack() as stack:
        first = stack.enter_context(serve("resident", app_spec, database_url, log_dir, workers=workers))
        second = stack.enter_context(serve("worker", app_spec, database_url, log_dir, workers=workers))
        for server in (first, second):
            wait_until_up(server, deadline)
        yield first, second


def wait_until_up(server: Server, deadline: float) -> None:
    """Until `server` answers /healthz with 200, or BenchError after `deadline` seconds."""
    started = time.monotonic()
    while True:
        try:
            status, _, _ = request(server.port, "GET", "/healthz", timeout=max(1.0, deadline / 4))
            if status == 200:
                return
        except OSError:
            pass
        if time.monotonic() - started > deadline:
            raise BenchError(f"{server.name} did not answer /healthz within {deadline:g} s; see {server.log}")
        time.sleep(0.2)


def request(
    port: int, method: str, path: str, *, cookie: str = "", body: dict | None = None, timeout: float = 30
) -> tuple[int, dict[str, str], str]:
    """One request as the htmx panel makes it (HX-Request set), on a fresh connection (gunicorn's sync workers
    close after each answer): (status, headers, body)."""
    headers = {"HX-Request": "true"}
    if cookie:
        headers["Cookie"] = cookie
    data = None
    if body is not None:
        data = urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        return response.status, dict(response.getheaders()), text
    finally:
        connection.close()


def send_action(page: str) -> str | None:
    """Where the page's message form (the resident's message, the worker's reply) posts to, or None."""
    form = MESSAGE_FORM.search(page)
    action = re.search(r'\baction="([^"]*)"', form.group(0)) if form else None
    return unescape(action.group(1)) if action else None


def live_tag(page: str, updates_path: str) -> str | None:
    """The tag in the panel's `hx-get="<updates_path>?tag=..."`, or None when the page has no live panel."""
    found = re.search('hx-get="' + re.escape(updates_path) + r'\?tag=([^"&]*)', page)
    return unquote_plus(unescape(found.group(1))) if found else None


# -- 1. the chats ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeededChat:
    public_id: str
    resident_cookie: str  # the anonymous resident's session token
    worker_cookie: str  # the worker's session token


def seed_chats(conversations: int, chats_per_worker: int, cookie_name: str) -> list[SeededChat]:
    """In an app context: the workers, their open chats with a few messages each, and a session for every resident
    (owning one chat, as `POST /chat/` leaves it) and every worker (logged in with the helpline role, as the staff
    login leaves it). Nothing here goes through HTTP; the identification itself is not what is measured."""
    from sqlalchemy import insert

    from portal.chat.services import new_owner_token, owner_hash
    from portal.extensions import db
    from portal.models import ChatMessage, Conversation, HelplinePresence, StaffUser, WebSession
    from portal.models._types import utcnow

    now = utcnow()
    workers = [
        StaffUser(oidc_issuer="bench", oidc_subject=f"bench.worker.{n}", name=f"Neuvoja {n}", claim_roles="helpline")
        for n in range(-(-conversations // chats_per_worker))
    ]
    db.session.add_all(workers)
    db.session.flush()
    db.session.add_all(
        HelplinePresence(staff_id=worker.id, on_duty=True, languages="fi sv selko en", seen_at=now)
        for worker in workers
    )
    sessions = []
    worker_tokens = {}
    for worker in workers:
        token = secrets.token_urlsafe(32)
        worker_tokens[worker.id] = token
        sessions.append(_session_row(token, {"user_key": f"staff:{worker.id}", "roles": ["helpline"]}, now))
    chats = []
    for n in range(conversations):
        worker = workers[n // chats_per_worker]
        owner = new_owner_token()
        started = now - timedelta(minutes=3)
        conversation = Conversation(
            language="fi",
            status="active",
            assignee_id=worker.id,
            owner_hash=owner_hash(owner),
            last_seq=4,
            created_at=started,
            queued_at=started,
            accepted_at=started + timedelta(minutes=1),
        )
        db.session.add(conversation)
        db.session.flush()
        messages = [
            ("resident", "Haluaisin vaihtaa terveysasemaa, voiko sen tehdä täällä?", None, None),
            ("system", "", "queued", None),
            ("system", "", "accepted", worker.id),
            ("staff", GREETING, None, worker.id),
        ]
        db.session.add_all(
            ChatMessage(
                conversation_id=conversation.id, seq=seq, author=author, body=body, event=event, staff_id=staff_id
            )
            for seq, (author, body, event, staff_id) in enumerate(messages, start=1)
        )
        token = secrets.token_urlsafe(32)
        sessions.append(_session_row(token, {"chat": {"id": conversation.public_id, "token": owner}}, now))
        chats.append(
            SeededChat(conversation.public_id, f"{cookie_name}={token}", f"{cookie_name}={worker_tokens[worker.id]}")
        )
    db.session.execute(insert(WebSession), sessions)
    db.session.commit()
    return chats


def _session_row(token: str, data: dict, now) -> dict:
    data = {**data, "lang": "fi", "csrf_token": secrets.token_hex(20)}  # as after the first page
    return {
        "id": hashlib.sha256(token.encode()).hexdigest(),
        "data": json.dumps(data),
        "user_key": data.get("user_key"),
        "created_at": now,
        "last_seen_at": now,
    }


# -- 2. the sides ---------------------------------------------------------------------------------------------


@dataclass
class Side:
    """One side of one chat, as its browser tab holds it: the process it talks to, its cookie, the CSRF token and
    the live panel's tag from the page it has open."""

    chat: int  # the chat's number
    role: str  # "resident", "worker", or "console" (the worker's console: it polls, and sends nothing)
    port: int
    cookie: str
    page_path: str
    updates_path: str
    send_path: str = ""  # read from the page's message form when it opens
    csrf: str = ""
    tag: str = ""
    interval: float = 0.0  # seconds between polls, as the page's hx-trigger says (or the settings)
    other: Side | None = None
    expecting: dict[str, float] = field(default_factory=dict)  # what the other side sent: text -> when it started

    def open(self, interval: float | None = None) -> None:
        status, _, page = request(self.port, "GET", self.page_path, cookie=self.cookie)
        csrf = CSRF_FIELD.search(page)
        tag = live_tag(page, self.updates_path)
        if status != 200 or csrf is None or tag is None:
            raise BenchError(f"{self.role} page {self.page_path}: {status}, no form or live panel: {page[:300]}")
        self.csrf, self.tag = unescape(csrf.group(1)), tag
        if self.role != "console":
            self.send_path = send_action(page) or ""
            if not self.send_path:
                raise BenchError(f"{self.role} page {self.page_path}: no message form: {page[:300]}")
        trigger = POLL_TRIGGER.search(page[page.index(f'hx-get="{self.updates_path}?') :])
        if interval is None and trigger is None:
            raise BenchError(f"{self.role} page {self.page_path}: the live panel has no hx-trigger every ...")
        if interval is None and trigger is not None:
            interval = float(trigger.group(1)) / (1000 if trigger.group(2) == "ms" else 1)
        self.interval = interval or 0.0


def sides_for(chats: Sequence[SeededChat], resident_port: int, worker_port: int) -> list[tuple[Side, Side]]:
    """Each chat's two sides: the resident's `/chat/` on the first process, the worker's chat page on the second."""
    pairs = []
    for number, chat in enumerate(chats):
        resident = Side(number, "resident", resident_port, chat.resident_cookie, "/chat/", "/chat/updates")
        chat_path = f"/helpline/chats/{chat.public_id}"
        worker = Side(number, "worker", worker_port, chat.worker_cookie, chat_path, f"{chat_path}/updates")
        resident.other, worker.other = worker, resident
        pairs.append((resident, worker))
    return pairs


def consoles_for(chats: Sequence[SeededChat], worker_port: int) -> list[Side]:
    """Each worker's console (`/helpline/`, polling its queues), on the second process."""
    cookies = list(dict.fromkeys(chat.worker_cookie for chat in chats))
    return [
        Side(n, "console", worker_port, cookie, "/helpline/", "/helpline/updates") for n, cookie in enumerate(cookies)
    ]


@dataclass
class Tally:
    """What the sides saw, merged under a lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    delivery_ms: dict[str, list[float]] = field(default_factory=lambda: {"to_worker": [], "to_resident": []})
    poll_204_ms: list[float] = field(default_factory=list)
    polls: int = 0
    seconds: float = 0.0  # from the first poll's earliest moment to the end
    sent: int = 0
    errors: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # CPUs busy over the run: `CpuSample.shares_until`


class Run:
    """Every side's browser tab in a thread of its own, polling and sending on the schedule `plan` made."""

    def __init__(
        self, pairs: list[tuple[Side, Side]], settings: DeliverySettings, consoles: Sequence[Side] = ()
    ) -> None:
        self.pairs = pairs
        self.consoles = list(consoles)
        self.settings = settings
        self.tally = Tally()
        self.done = threading.Event()
        self.rng = random.Random(settings.seed)

    def plan(self, start: float) -> dict[int, list[tuple[float, str]]]:
        """Each side's sends: (moment, text), the chat's messages in turns from each side at random moments."""
        settings = self.settings
        sends: dict[int, list[tuple[float, str]]] = {}
        for resident, worker in self.pairs:
            moments = sorted(
                start + settings.warmup_seconds + self.rng.uniform(0, settings.seconds)
                for _ in range(settings.messages_per_conversation)
            )
            first = self.rng.randrange(2)
            for n, moment in enumerate(moments):
                side = (resident, worker)[(first + n) % 2]
                text = f"viesti {side.chat}.{n} {secrets.token_hex(4)}"
                sends.setdefault(id(side), []).append((moment, text))
        return sends

    def run(self, database_url: str) -> Tally:
        start = time.perf_counter() + 0.5
        before = CpuSample.now()
        sends = self.plan(start)
        last_send = max(moment for plan in sends.values() for moment, _ in plan)
        stop_at = last_send + self.settings.give_up_seconds
        sides = [side for pair in self.pairs for side in pair] + self.consoles
        threads = [
            threading.Thread(target=self.side, args=(side, start, sends.get(id(side), []), stop_at), daemon=True)
            for side in sides
        ]
        for thread in threads:
            thread.start()
        total = sum(len(plan) for plan in sends.values())
        while time.perf_counter() < stop_at:
            with self.tally.lock:
                delivered = sum(len(found) for found in self.tally.delivery_ms.values())
            if self.tally.sent == total and delivered == total:
                break
            time.sleep(0.1)
        self.done.set()
        self.tally.seconds = time.perf_counter() - start
        self.tally.cpu = before.shares_until(CpuSample.now(), database_url)
        for thread in threads:
            thread.join(timeout=60)
        return self.tally

    def side(self, side: Side, start: float, sends: list[tuple[float, str]], stop_at: float) -> None:
        interval = side.interval
        rng = random.Random(f"{self.settings.seed}-{side.chat}-{side.role}")
        next_poll = start + rng.uniform(0, interval)  # the tab was opened at some moment in the last interval
        sends = list(sends)
        try:
            while not self.done.is_set() and time.perf_counter() < stop_at:
                moment = min(next_poll, sends[0][0]) if sends else next_poll
                if self.done.wait(max(0.0, moment - time.perf_counter())):
                    return
                if sends and sends[0][0] <= next_poll:
                    _, text = sends.pop(0)
                    self.send(side, text)
                    next_poll = time.perf_counter() + interval  # the answer's panel polls anew
                elif self.poll(side):
                    next_poll = time.perf_counter() + interval  # swapped in: a new element, a new timer
                else:
                    next_poll += interval  # htmx's `every`: from one trigger to the next
        except Exception as error:
            with self.tally.lock:
                self.tally.errors.append(f"{side.role} {side.chat}: {type(error).__name__}: {error}")

    def send(self, side: Side, text: str) -> None:
        other = side.other
        if other is None:
            raise BenchError(f"the {side.role}'s side of chat {side.chat} has no other side")
        started = time.perf_counter()
        with self.tally.lock:
            other.expecting[text] = started
        status, _, page = request(
            side.port, "POST", side.send_path, cookie=side.cookie, body={"csrf_token": side.csrf, "text": text}
        )
        tag = live_tag(page, side.updates_path)
        if status != 200 or tag is None:
            raise BenchError(f"sending from the {side.role}'s side: {status}: {page[:300]}")
        side.tag = tag
        with self.tally.lock:
            self.tally.sent += 1
        self.shown(side, page)  # the answer's panel has every message, the other side's unseen ones too

    def shown(self, side: Side, page: str) -> None:
        """The messages the other side sent that `side` now shows, timed from when their POST started."""
        finished = time.perf_counter()
        direction = "to_worker" if side.role == "worker" else "to_resident"
        with self.tally.lock:
            for text in [text for text in side.expecting if text in page]:
                self.tally.delivery_ms[direction].append((finished - side.expecting.pop(text)) * 1000)

    def poll(self, side: Side) -> bool:
        """One `updates?tag=` request; True when the panel changed (and so was swapped in)."""
        started = time.perf_counter()
        path = f"{side.updates_path}?{urlencode({'tag': side.tag})}"
        status, _, page = request(side.port, "GET", path, cookie=side.cookie)
        with self.tally.lock:
            self.tally.polls += 1
            if status == 204:
                self.tally.poll_204_ms.append((time.perf_counter() - started) * 1000)
                return False
        tag = live_tag(page, side.updates_path)
        if status != 200 or tag is None:
            raise BenchError(f"the {side.role}'s poll {path}: {status}: {page[:300]}")
        side.tag = tag
        self.shown(side, page)
        return True


@dataclass(frozen=True)
class CpuSample:
    """The machine's busy CPU ticks and every process's (bench.choices reads /proc; zeros where there is none)."""

    at: float
    busy: int
    processes: dict[int, tuple[int, str, int]]

    @classmethod
    def now(cls) -> CpuSample:
        from bench.choices import _process_ticks
        from bench.cpu import busy_ticks

        return cls(time.perf_counter(), busy_ticks(), _process_ticks())

    def shares_until(self, later: CpuSample, database_url: str) -> dict[str, float]:
        """CPUs busy on average in between: the whole machine, and of it the two app processes, this client (every
        side's browser), the PostgreSQL server of `database_url` (on a Unix socket directory, as pgserver's) and
        everything else."""
        from urllib.parse import parse_qs, urlsplit

        seconds = later.at - self.at
        if seconds <= 0:
            return {}
        socket_dir = parse_qs(urlsplit(database_url).query).get("host", [""])[0]
        postmasters = {pid for pid, (_, command, _) in later.processes.items() if socket_dir and socket_dir in command}
        shares = dict.fromkeys(("servers", "client", "database"), 0)
        for pid, (ppid, command, ticks) in later.processes.items():
            if pid == os.getpid():
                role = "client"
            elif APP_SPEC.split(":")[0] in command and "gunicorn" in command:
                role = "servers"
            elif pid in postmasters or ppid in postmasters:
                role = "database"
            else:
                continue
            shares[role] += ticks - self.processes.get(pid, (0, "", 0))[2]
        hertz = os.sysconf("SC_CLK_TCK") * seconds
        result = {"busy": (later.busy - self.busy) / hertz, **{role: ticks / hertz for role, ticks in shares.items()}}
        result["other"] = max(0.0, result["busy"] - sum(result[role] for role in shares))
        return {key: round(value, 2) for key, value in result.items()}


# -- the measurement ------------------------------------------------------------------------------------------


def percentile(samples: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); 0 for no samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def measure_delivery(
    database_url: str,
    settings: DeliverySettings | None = None,
    log: Callable[[str], None] = _print,
    work_dir: Path | None = None,
    notes: dict[str, str] | None = None,
) -> dict[str, float]:
    """Everything above, in the fresh PostgreSQL database `database_url`: the figures (and, in `notes` if given,
    how they were measured, for the document). Raises BenchError when a request failed."""
    from flask_migrate import upgrade

    from bench.choices import bench_app
    from portal.extensions import db

    settings = settings or DeliverySettings()
    work = Path(work_dir or tempfile.mkdtemp(prefix="valinta-bench-chat-"))
    work.mkdir(parents=True, exist_ok=True)
    app = bench_app(database_url)
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            raise BenchError("the chat delivery benchmark runs on PostgreSQL")
        upgrade()
        chats = seed_chats(settings.conversations, settings.chats_per_worker, app.config["SESSION_COOKIE_NAME"])
        db.session.remove()
        db.engine.dispose()
    log(
        f"chat delivery: {settings.conversations} open chats, two gunicorn processes of {settings.server_workers} "
        "workers (residents on one, workers on the other)"
    )
    with two_processes(database_url, work, workers=settings.server_workers) as (resident_server, worker_server):
        for server in (resident_server, worker_server):
            warm_up(server, "/healthz", settings.server_workers, seconds=0, threads=settings.server_workers)
        pairs = sides_for(chats, resident_server.port, worker_server.port)
        consoles = consoles_for(chats, worker_server.port) if settings.consoles else []
        _open_all([side for pair in pairs for side in pair] + consoles, settings.poll_interval)
        tally = Run(pairs, settings, consoles).run(database_url)
    intervals = "/".join(f"{interval:g}" for interval in sorted({side.interval for pair in pairs for side in pair}))
    if tally.errors:
        raise BenchError(f"{len(tally.errors)} sides failed; the first: {tally.errors[0]}")
    delivered = [ms for found in tally.delivery_ms.values() for ms in found]
    sent = settings.conversations * settings.messages_per_conversation
    figures = {
        "chat_delivery_conversations": settings.conversations,
        "chat_delivery_messages": len(delivered),
        "chat_delivery_p50_ms": round(percentile(delivered, 50), 1),
        "chat_delivery_p95_ms": round(percentile(delivered, 95), 1),
        "chat_delivery_max_ms": round(max(delivered, default=0.0), 1),
        "chat_delivery_lost": sent - len(delivered),
        "chat_poll_p95_ms": round(percentile(tally.poll_204_ms, 95), 1),
        "chat_polls_per_second": round(tally.polls / tally.seconds, 1) if tally.seconds else 0.0,
    }
    directions = "; ".join(
        f"{direction.replace('_', ' ')}: {len(found)} messages, p50 {percentile(found, 50):.0f} ms, "
        f"p95 {percentile(found, 95):.0f} ms"
        for direction, found in tally.delivery_ms.items()
    )
    cpu = ", ".join(f"{role} {share:.2f}" for role, share in tally.cpu.items() if role != "busy")
    cpu = f"{tally.cpu.get('busy', 0.0):.2f} of {os.cpu_count()} CPUs busy ({cpu})"
    log(f"chat delivery: {directions}")
    log(
        f"chat delivery: p50 {figures['chat_delivery_p50_ms']:.0f} ms, p95 {figures['chat_delivery_p95_ms']:.0f} ms "
        f"over {len(delivered)} messages; 204 poll p95 {figures['chat_poll_p95_ms']:.1f} ms; {cpu}"
    )
    if notes is not None:
        consoles_note = f" (and {len(consoles)} workers' consoles)" if consoles else ""
        notes["chat_delivery_setup"] = (
            f"{settings.conversations} open chats ({settings.chats_per_worker} a worker), two gunicorn processes of "
            f"{settings.server_workers} sync workers, residents on one and workers on the other; every side"
            f"{consoles_note} polls every {intervals} s from a random phase; {sent} messages sent over "
            f"{settings.seconds:g} s; {figures['chat_polls_per_second']:g} polls a second"
        )
        notes["chat_delivery_directions"] = directions
        notes["chat_delivery_cpu"] = f"over the run, {cpu}"
    return figures


def _open_all(sides: Sequence[Side], interval: float | None) -> None:
    """Every side opens its page (its form's CSRF token, its panel's tag and polling interval), a few at a time."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        for _ in pool.map(lambda side: side.open(interval), sides):
            pass


def doc_section(settings: DeliverySettings | None = None) -> str:
    """The paragraph of docs/performance.md on this measurement (in the chat step of bench/run.py)."""
    settings = settings or DeliverySettings()
    return f"""\
   **Delivery between processes** (`bench/chat_delivery.py`, PostgreSQL only). A fresh database gets
   {settings.conversations} open chats, each taken by a help-line worker ({settings.chats_per_worker} chats a \
worker), and a session for every
   resident and worker. The portal runs as two gunicorn processes ({settings.server_workers} sync workers each) on \
that database, as
   two hosts would: the residents talk only to the first, the workers only to the second. Every side runs as its
   browser's htmx panel does: it asks `updates?tag=` as often as the page's `hx-trigger` says (every 1.5 s) from a
   random phase, gets a 204 while nothing changed, and takes the new panel and tag when something did; each
   worker's console polls its queues likewise. {settings.messages_per_conversation} messages a chat, in turns \
from each side, are sent at random
   moments over {settings.seconds:g} s. `chat_delivery_p50_ms` and `chat_delivery_p95_ms` time each message from \
the start of its POST to
   the first answer on the other side that shows it (both directions together; the notes give each);
   `chat_poll_p95_ms` is the round trip of a poll answered 204. With polls every 1.5 s from a random phase, a message
   waits on the median half an interval for the other side's next poll, so `chat_delivery_p50_ms` cannot be much
   below 750 ms whatever the servers do; the rest is the POST's and the poll's own time, and queueing when the
   machine is busy.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bench.chat_delivery [--conversations N] ...`: on DATABASE_URL's server (a scratch database made
    and dropped there), or on a pgserver started for the run; prints the figures and the notes as JSON."""
    import argparse
    import sys

    from bench.run import scratch_database

    defaults = DeliverySettings()
    parser = argparse.ArgumentParser(prog="python -m bench.chat_delivery", description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=defaults.conversations)
    parser.add_argument("--messages", type=int, default=defaults.messages_per_conversation, help="a chat")
    parser.add_argument("--seconds", type=float, default=defaults.seconds, help="the sends are spread over this")
    parser.add_argument("--poll-interval", type=float, help="seconds (default: the pages' hx-trigger)")
    parser.add_argument("--workers", type=int, default=defaults.server_workers, help="gunicorn workers a process")
    args = parser.parse_args(argv)
    settings = DeliverySettings(
        conversations=args.conversations,
        messages_per_conversation=args.messages,
        seconds=args.seconds,
        poll_interval=args.poll_interval,
        server_workers=args.workers,
    )
    notes: dict[str, str] = {}
    with ExitStack() as stack:
        server_url = os.environ.get("DATABASE_URL", "")
        if not server_url.startswith("postgresql"):
            import pgserver

            server = pgserver.get_server(tempfile.mkdtemp(prefix="valinta-bench-pg-"), cleanup_mode="delete")
            stack.callback(server.cleanup)
            server_url = server.get_uri()
        database_url = stack.enter_context(scratch_database(server_url))
        try:
            figures = measure_delivery(database_url, settings, notes=notes)
        except BenchError as error:
            print(f"bench failed: {error}", file=sys.stderr)
            return 1
    print(json.dumps({**figures, **notes}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
