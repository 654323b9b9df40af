"""A live portal on loopback and the system Chromium (never a downloaded browser)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server

from bench.run import scratch_database
from portal.compare.units import today_in_helsinki
from portal.demo.feedback import load_demo_feedback
from tests.conftest import BACKENDS, _migrated, load_demo_catalogue, make_app
from tests.wallet_data import make_wallet

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        # Running as root in CI needs --no-sandbox; the rest keep Chromium off the (closed) network.
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@dataclass
class LiveServer:
    url: str
    app: object

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture(scope="session", params=BACKENDS)
def live_server(request: pytest.FixtureRequest, demo_providers, tmp_path_factory) -> Iterator[LiveServer]:
    """The portal served over real HTTP, once per database backend, on a database of its own: the `app` fixture
    empties its database around every test, and with the suite spread over several processes a functional test may
    run between two browser tests in the same process."""
    backend = request.param
    with ExitStack() as stack:
        if backend == "postgresql":
            raw = stack.enter_context(scratch_database(request.getfixturevalue("postgres_url")))
        else:
            raw = f"sqlite:///{tmp_path_factory.mktemp('live-sqlite') / 'live.sqlite3'}"
        yield from _serve(_migrated(raw), demo_providers, tmp_path_factory, backend)


def _serve(url: str, demo_providers, tmp_path_factory, backend: str) -> Iterator[LiveServer]:
    app = make_app(url, demo_providers)
    load_demo_catalogue(app, tmp_path_factory.mktemp(f"catalogue-{backend}"))
    make_wallet(app, today_in_helsinki())  # the demo residents' vouchers and Helmi's budget (tests/wallet_data.py)
    with app.app_context():  # answers for two units: a score on one unit page, too few on the other
        load_demo_feedback(today_in_helsinki())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    server.shutdown()
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()  # before the scratch database is dropped


@pytest.fixture
def csp_violations(page) -> list[str]:
    """Console errors about the Content Security Policy, collected while the test runs."""
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None)
    return seen
