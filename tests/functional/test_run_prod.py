"""`make run-prod`'s supervisor, started as E2's load test and a person start it: `python -m portal.ops.stack` on a
scratch PostgreSQL database, with gunicorn, the outbox dispatcher and the demo identification, then Ctrl-C.

PostgreSQL only (the session's `postgres_url`): the stack is the production shape, and production is PostgreSQL. The
stack migrates the empty database and loads the demo data itself. Its generated secrets and metrics files go to a
folder of the test's own (--state-dir), the outbox and the e-mails to the test's folders (OUTBOX_ENDPOINTS, MAIL_URL).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urljoin

import pytest
import requests

from bench.run import scratch_database
from portal.config import DEMO_NOTICE
from portal.demo.ptv_feed import channel_id
from tests.conftest import REPO_ROOT

HOST = "127.0.0.1"
READY_WITHIN = 90  # seconds: migrations, the demo data and gunicorn's workers on a busy two-core machine
TIMEOUT = 15  # every single request
S_HAARAJOKI = channel_id(2019, "s-haarajoki")  # a sote centre taking new clients, not Aino's
FORM_FIELD = re.compile(r'<input type="hidden" name="(csrf_token|unit|version|request_key)" value="([^"]*)">')
COOKIE = "__Host-valinta"


def free_ports() -> int:
    """A free loopback port P with P+1..P+3 free too: the stack's demo providers and mandate fake take those."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            port = probe.getsockname()[1]
        if port + 3 > 65535:
            continue
        try:
            for offset in range(4):
                with socket.socket() as other:
                    other.bind(("", port + offset))
        except OSError:
            continue
        return port
    raise AssertionError("no four consecutive free ports")


@dataclass
class Stack:
    process: subprocess.Popen
    port: int
    stdout: Path
    stderr: Path
    outbox: Path

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def output(self) -> str:
        return self.stdout.read_text(errors="replace")

    def errors(self) -> str:
        return self.stderr.read_text(errors="replace")


@pytest.fixture
def stack(postgres_url: str, tmp_path: Path) -> Iterator[Stack]:
    port = free_ports()
    outbox = tmp_path / "outbox"
    env = {
        **os.environ,
        "OUTBOX_ENDPOINTS": json.dumps(
            {
                "register": (outbox / "register").as_uri(),
                "provider": (outbox / "providers").as_uri() + "/{organisation_id}",
                "organiser": (outbox / "organiser").as_uri(),
            }
        ),
        "MAIL_URL": (tmp_path / "mail").as_uri(),
    }
    for name in ("VALINTA_ENV", "DATABASE_URL", "PORT", "VALINTA_NOTICE_SHOWN"):
        env.pop(name, None)
    with scratch_database(postgres_url) as url:
        stdout, stderr = tmp_path / "stack.out", tmp_path / "stack.err"
        command = [sys.executable, "-m", "portal.ops.stack", "--port", str(port), "--workers", "2"]
        command += ["--database-url", url, "--state-dir", str(tmp_path / "state")]
        with stdout.open("wb") as out, stderr.open("wb") as err:
            process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=err)
        running = Stack(process, port, stdout, stderr, outbox)
        try:
            yield running
        finally:
            if process.poll() is None:  # the test failed before its own stop: stop it, and whatever it started
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    for pid in descendants(process.pid):
                        os.kill(pid, signal.SIGKILL)
                    process.kill()
                    process.wait()


def wait_until_ready(stack: Stack) -> None:
    line = f"Valinta (production shape) ready at {stack.base}/"
    deadline = time.monotonic() + READY_WITHIN
    while line not in stack.output():
        assert stack.process.poll() is None, f"the stack exited ({stack.process.returncode}):\n{stack.errors()[-3000:]}"
        assert time.monotonic() < deadline, f"not ready within {READY_WITHIN} s:\n{stack.output()[-3000:]}"
        time.sleep(0.3)


def descendants(root: int) -> dict[int, str]:
    """Every living process below `root`: pid -> its start time (field 22 of /proc/pid/stat), to tell a process from
    a later one given the same pid."""
    children: dict[int, list[int]] = {}
    started: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z":
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        started[int(entry.name)] = fields[19]
    found: dict[int, str] = {}
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found[child] = started[child]
            todo.append(child)
    return found


def still_running(processes: dict[int, str]) -> list[int]:
    alive = []
    for pid, start in processes.items():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and fields[19] == start:
            alive.append(pid)
    return alive


class LoopbackBrowser:
    """A browser on http://127.0.0.1: like Chromium there, it keeps and sends the `Secure` `__Host-` cookie over plain
    http to loopback (Python's cookie jar would not, so the cookie is sent by hand)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        response = requests.request(
            method, urljoin(self.base, path), headers=headers, allow_redirects=False, timeout=TIMEOUT, **kwargs
        )
        self.cookies.update(response.cookies.get_dict())
        return response


def test_the_stack_serves_the_production_shape_and_stops_cleanly_on_ctrl_c(stack: Stack):
    started = time.monotonic()
    wait_until_ready(stack)
    children = descendants(stack.process.pid)
    # gunicorn's master and its two workers, the outbox dispatcher, the e-mail sender
    assert len(children) >= 5, stack.output()[-2000:]

    assert requests.get(f"{stack.base}/readyz", timeout=TIMEOUT).status_code == 200
    assert framed_notice_in(stack.errors())

    # The front page answers over plain http on loopback; logging in starts a session in the production cookie.
    browser = LoopbackBrowser(stack.base)
    assert browser.request("GET", "/").status_code == 200
    start = browser.request("GET", "/login/resident")
    assert start.status_code == 302, start.text[:400]
    set_cookie = start.headers["Set-Cookie"]
    assert set_cookie.startswith(f"{COOKIE}=") and "Secure" in set_cookie and "HttpOnly" in set_cookie
    assert "Domain=" not in set_cookie and "Path=/" in set_cookie  # what a __Host- cookie must be

    # The real login: the demo provider (a thread of the stack) picks the persona and sends the browser back.
    at_provider = requests.post(
        start.headers["Location"], data={"sub": "aino.virtanen"}, allow_redirects=False, timeout=TIMEOUT
    )
    assert at_provider.status_code == 302, at_provider.text[:400]
    callback = browser.request("GET", at_provider.headers["Location"])
    assert callback.status_code == 302, callback.text[:400]
    front = browser.request("GET", "/?lang=en")
    assert front.status_code == 200 and "Aino" in front.text

    # Aino switches her sote centre; the dispatcher (a process of its own) delivers the message to the file sink.
    check = browser.request("GET", f"/choices/sote_centre/check?{urlencode({'unit': S_HAARAJOKI})}")
    form = dict(FORM_FIELD.findall(check.text))
    assert check.status_code == 200 and len(form) == 4, check.text[:600]
    confirmed = browser.request("POST", "/choices/sote_centre/confirm", data=form)
    assert confirmed.status_code == 303, confirmed.text[:400]
    reference = confirmed.headers["Location"].rsplit("/", 1)[1]
    delivered = stack.outbox / "register" / f"{reference}.chosen.register.json"
    deadline = time.monotonic() + 20  # the dispatcher's 5 s interval, on a busy machine
    while not delivered.exists():
        assert time.monotonic() < deadline, f"{delivered.name} not delivered:\n{stack.output()[-2000:]}"
        time.sleep(0.3)
    assert json.loads(delivered.read_text())  # a whole message, not a half-written file

    # Ctrl-C: everything stops, in order, and the supervisor exits 0 with nothing left behind.
    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(25) == 0, stack.errors()[-3000:]
    assert still_running(children) == []
    output = stack.output()
    assert output.index("Stopping gunicorn") < output.index("Stopping outbox dispatcher 1") < output.index("Stopped.")
    assert time.monotonic() - started < 120


def framed_notice_in(text: str) -> bool:
    return f"!!! {DEMO_NOTICE} !!!" in text
