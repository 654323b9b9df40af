"""/metrics: request counts and durations per route pattern, the backlog read from the database, answered only to
the allowed addresses, and summed over real gunicorn workers in multiprocess mode."""

from __future__ import annotations

import os
import signal
import socket
import subprocess  # nosec B404  the test starts gunicorn, as production does
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from portal.demo.idp import DemoProviders
from portal.extensions import db
from portal.models import Conversation, OutboxMessage
from portal.models._types import utcnow
from tests.conftest import REPO_ROOT, _migrated, empty_tables, make_app
from tests.functional.test_faults import Database

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: FlaskClient, **environ: str) -> Samples:
    response = client.get("/metrics", environ_base=environ)
    assert response.status_code == 200, response.data[:300]
    assert response.content_type.startswith("text/plain; version=0.0.4")
    return parse(response.get_data(as_text=True))


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_requests_are_counted_per_route_pattern_method_and_status_class(app: Flask):
    client = app.test_client()
    before = scrape(client)
    client.get("/healthz")
    client.get("/healthz")
    client.get("/units/no-such-unit")
    client.get("/no-such-page/010190-123A")
    client.open("/healthz", method="PROPFIND")
    after = scrape(client)

    def added(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert added("valinta_http_requests_total", method="GET", route="/healthz", status="2xx") == 2
    assert added("valinta_http_request_duration_seconds_count", method="GET", route="/healthz", status="2xx") == 2
    assert (
        added("valinta_http_request_duration_seconds_bucket", method="GET", route="/healthz", status="2xx", le="+Inf")
        == 2
    )
    assert added("valinta_http_requests_total", method="GET", route="/units/<location_id>", status="4xx") == 1
    assert added("valinta_http_requests_total", method="GET", route="<unmatched>", status="4xx") == 1
    assert added("valinta_http_requests_total", method="OTHER", route="<unmatched>", status="4xx") == 1
    # Scrapes are not counted, and no concrete path or client-chosen word becomes a label value.
    assert added("valinta_http_requests_total", method="GET", route="/metrics", status="2xx") == 0
    label_values = {value for _, labels in after for _, value in labels}
    assert not any("010190" in text or "no-such" in text or "PROPFIND" in text for text in label_values)


def test_the_backlog_and_the_chat_queues_are_read_from_the_database(app: Flask):
    now = utcnow()
    with app.app_context():
        for number, (status, age) in enumerate(
            [
                ("pending", timedelta(hours=1)),
                ("pending", timedelta(0)),
                ("dead", timedelta(0)),
                ("delivered", timedelta(0)),
            ]
        ):
            db.session.add(
                OutboxMessage(
                    idempotency_key=f"metrics-test-{number}",
                    event="listing.chosen",
                    role="register",
                    recipient="register",
                    body="{}",
                    status=status,
                    created_at=now - age,
                )
            )
        for number, (status, language) in enumerate(
            [
                ("queued", "fi"),
                ("queued", "fi"),
                ("queued", "sv"),
                ("message", "en"),
                ("active", "fi"),
                ("closed", "sv"),
            ]
        ):
            db.session.add(
                Conversation(owner_hash=f"metrics-test-{number}", language=language, status=status, queued_at=now)
            )
        db.session.commit()

    samples = scrape(app.test_client())

    assert value(samples, "valinta_database_up") == 1
    assert value(samples, "valinta_outbox_messages", status="pending") == 2
    assert value(samples, "valinta_outbox_messages", status="dead") == 1
    assert 3600 <= value(samples, "valinta_outbox_oldest_pending_seconds") < 3600 + 600
    queue = {
        language: value(samples, "valinta_chat_queue_length", language=language)
        for language in ("fi", "sv", "selko", "en")
    }
    assert queue == {"fi": 2, "sv": 1, "selko": 0, "en": 0}
    assert value(samples, "valinta_chat_messages_waiting", language="en") == 1
    assert value(samples, "valinta_chat_messages_waiting", language="fi") == 0


def not_found_heading(response) -> str:
    assert response.status_code == 404
    heading = BeautifulSoup(response.data, "html.parser").select_one("h1")
    assert heading is not None
    return heading.text.strip()


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_loopback_may_scrape(app: Flask, address: str):
    scrape(app.test_client(), REMOTE_ADDR=address)


def test_any_other_address_gets_the_ordinary_not_found_page(app: Flask):
    client = app.test_client()
    unknown = not_found_heading(client.get("/no-such-page"))
    assert not_found_heading(client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.5"})) == unknown
    assert not_found_heading(client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.0.7"})) == unknown
    # With no proxy configured, a forwarded request came through one we were not told about: its own address
    # (loopback, say) is not the client's.
    assert not_found_heading(client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})) == unknown


def test_behind_the_proxy_the_client_address_decides(database_url: str):
    app = make_app(database_url, None, PROXY_COUNT=1)
    client = app.test_client()
    balancer = {"REMOTE_ADDR": "10.0.0.2"}
    public = client.get("/metrics", environ_base=balancer, headers={"X-Forwarded-For": "127.0.0.1, 203.0.113.5"})
    assert public.status_code == 404
    assert client.get("/metrics", environ_base=balancer, headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


def test_the_allowed_networks_are_a_setting(database_url: str):
    app = make_app(database_url, None, METRICS_ALLOWED_NETWORKS="10.0.0.0/8, 192.0.2.1")
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 200
    assert client.get("/metrics").status_code == 404  # loopback is no longer in the list
    with pytest.raises(ValueError, match="METRICS_ALLOWED_NETWORKS"):
        make_app(database_url, None, METRICS_ALLOWED_NETWORKS="10.0.0.0/33")


def test_a_missing_multiprocess_folder_stops_the_app_at_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "not-created"))
    with pytest.raises(ValueError, match="PROMETHEUS_MULTIPROC_DIR"):
        make_app("sqlite://", None)


def test_a_scrape_sets_no_cookie_and_is_not_rate_limited(database_url: str):
    limits = dict.fromkeys(("login", "search", "post", "post_account", "chat", "chat_conversation"), "1/60")
    app = make_app(database_url, None, RATE_LIMITS_ENABLED=True, RATE_LIMITS=limits)
    empty_tables(app)
    client = app.test_client()
    for _ in range(3):
        response = client.get("/metrics?lang=sv")
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
    empty_tables(app)


@pytest.fixture
def database(database_url: str, tmp_path: Path) -> Iterator[Database]:
    outage = Database(database_url, tmp_path)
    yield outage
    outage.close()


def test_with_the_database_down_the_scrape_still_answers(database: Database, demo_providers: DemoProviders):
    app = make_app(database.url, demo_providers, PROPAGATE_EXCEPTIONS=False, DATABASE_CONNECT_TIMEOUT_SECONDS=2)
    client = app.test_client()
    client.get("/healthz")
    database.down(app)
    try:
        samples = scrape(client)
        assert value(samples, "valinta_database_up") == 0
        assert value(samples, "valinta_http_requests_total", method="GET", route="/healthz", status="2xx") >= 1
        assert ("valinta_outbox_messages", frozenset({("status", "pending")})) not in samples
    finally:
        database.up()
    assert value(scrape(client), "valinta_database_up") == 1
    with app.app_context():
        db.engine.dispose()


# --- several real gunicorn workers -------------------------------------------------------------------------------


@pytest.fixture
def sqlite_database(migrated_urls: dict[str, str], sqlite_url: str) -> str:
    if "sqlite" not in migrated_urls:
        migrated_urls["sqlite"] = _migrated(sqlite_url)
    return migrated_urls["sqlite"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def worker_pids(master: int) -> set[int]:
    return {int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()}


def scraped_total(base: str) -> float:
    response = requests.get(f"{base}/metrics", timeout=10)
    assert response.status_code == 200
    samples = parse(response.text)
    return value(samples, "valinta_http_requests_total", method="GET", route="/healthz", status="2xx")


def wait_until(check, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with_value = check()
        if with_value:
            return with_value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def test_two_gunicorn_workers_are_summed_and_a_killed_workers_counts_stay(sqlite_database: str, tmp_path: Path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    config = tmp_path / "gunicorn_conf.py"
    config.write_text("from portal.ops.metrics import child_exit  # noqa: F401\n")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    overrides = {"SQLALCHEMY_DATABASE_URI": sqlite_database, "RESIDENT_OIDC_ISSUER": "", "STAFF_OIDC_ISSUER": ""}
    spec = f"portal:create_app({overrides!r})"
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder), "PYTHONPATH": str(REPO_ROOT)}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "-c",
        str(config),
        spec,
    ]
    log = (tmp_path / "gunicorn.log").open("w")
    master = subprocess.Popen(command, cwd=REPO_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)  # nosec B603
    try:

        def ready() -> bool:
            try:
                return (
                    requests.get(f"{base}/healthz", timeout=2).status_code == 200 and len(worker_pids(master.pid)) == 2
                )
            except requests.RequestException:  # not listening yet, or no worker has booted to answer
                return False

        wait_until(ready, seconds=90)
        start = scraped_total(base)
        with ThreadPoolExecutor(4) as pool:  # several at once, so both workers answer some
            answers = list(pool.map(lambda _: requests.get(f"{base}/healthz", timeout=10).status_code, range(40)))
        assert answers == [200] * 40
        assert scraped_total(base) == start + 40

        # A worker that served requests is killed; the master starts another. Its counts are in its files, and
        # whichever worker answers the scrape still sums them: the total never goes backwards.
        served = {int(path.stem.rsplit("_", 1)[1]) for path in folder.glob("counter_*.db")}
        victim = sorted(served & worker_pids(master.pid))[0]
        os.kill(victim, signal.SIGKILL)
        wait_until(lambda: victim not in worker_pids(master.pid) and len(worker_pids(master.pid)) == 2)
        for _ in range(10):
            assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
        assert scraped_total(base) == start + 50
    finally:
        master.send_signal(signal.SIGTERM)
        master.wait(timeout=30)
        log.close()
    assert "Traceback" not in (tmp_path / "gunicorn.log").read_text()
