"""The request log: one JSON line per request, with the route's pattern and never what anyone typed."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from portal.demo.idp import DemoProviders
from portal.ops.requestlog import LOGGER
from tests.conftest import empty_tables, make_app

FIELDS = {"time", "request_id", "method", "route", "endpoint", "status", "duration_ms", "pid"}
HETU = "010190-123A"
TYPED = ("Virtanen", "010190", "123A", "Lääkäri")  # what a person typed must not reach the log, in any form


@pytest.fixture
def logging_app(database_url: str, demo_providers: DemoProviders) -> Iterator[Flask]:
    app = make_app(database_url, demo_providers, REQUEST_LOG=True)
    empty_tables(app)
    yield app
    empty_tables(app)


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], list[str]]]:
    """The request log's messages so far. The logger does not propagate (its lines are JSON on standard output),
    so pytest's handler is put on it directly."""
    LOGGER.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger=LOGGER.name)
    yield lambda: [record.getMessage() for record in caplog.records if record.name == LOGGER.name]
    LOGGER.removeHandler(caplog.handler)


def test_each_request_is_one_json_line_with_the_fields(logging_app: Flask, logged):
    started = datetime.now(UTC)
    response = logging_app.test_client().get("/", headers={"X-Request-ID": "chosen-by-the-client"})
    assert response.status_code == 200

    [message] = logged()
    line = json.loads(message)
    assert set(line) == FIELDS
    assert (line["method"], line["route"], line["endpoint"], line["status"]) == ("GET", "/", "main.home", 200)
    assert line["pid"] == os.getpid()
    assert re.fullmatch(r"[0-9a-f]{16}", line["request_id"])  # the app's own id, not the client's header
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["time"].endswith("Z")
    when = datetime.fromisoformat(line["time"].replace("Z", "+00:00"))
    assert when.utcoffset() == timedelta(0)
    assert started - timedelta(seconds=1) <= when <= datetime.now(UTC) + timedelta(seconds=1)


def test_the_route_is_the_pattern_and_nothing_typed_reaches_the_line(logging_app: Flask, logged):
    client = logging_app.test_client()
    client.get("/units", query_string={"q": f"Lääkäri Virtanen {HETU}"})
    client.get(f"/units/{HETU}")  # an id in the path: no such unit
    client.post(
        "/language",
        data={"lang": "fi", "next": f"/units?q={HETU}", "hetu": HETU, "text": "Lääkäri Virtanen"},
        headers={"Origin": "http://localhost"},
    )
    client.get(f"/no-such-page/{HETU}", query_string={"q": "Virtanen"})

    messages = logged()
    lines = [json.loads(message) for message in messages]
    assert [(line["method"], line["route"]) for line in lines] == [
        ("GET", "/units"),
        ("GET", "/units/<location_id>"),
        ("POST", "/language"),
        ("GET", "<unmatched>"),
    ]
    assert lines[3]["endpoint"] is None
    for message in messages:
        assert "?" not in message
        for typed in TYPED:
            assert typed not in message and json.dumps(typed) not in message


def test_the_line_goes_to_standard_output_as_it_is(logging_app: Flask, capsys: pytest.CaptureFixture[str]):
    logging_app.test_client().get("/accessibility")

    lines = [json.loads(text) for text in capsys.readouterr().out.splitlines() if text.startswith("{")]
    assert [(line["route"], line["status"]) for line in lines] == [("/accessibility", 200)]


def test_metrics_scrapes_are_left_out_and_refused_ones_are_not(logging_app: Flask, logged):
    client = logging_app.test_client()
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.5"}).status_code == 404

    [line] = [json.loads(message) for message in logged()]
    assert (line["route"], line["status"]) == ("/metrics", 404)


def test_no_line_unless_the_setting_is_on(database_url: str, logged):
    app = make_app(database_url, None)  # the test configuration: REQUEST_LOG off
    assert app.test_client().get("/healthz").status_code == 200
    assert logged() == []
