"""The outbox delivery client against real local servers, the file sink, and the reference receiver's contract."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer

from adapters.outbox_http import (
    KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    PermanentFailure,
    TemporaryFailure,
    deliver,
    sign,
    verify,
)
from adapters.outbox_receiver import RunningReceiver, run_receiver_in_thread

SECRET = "a-shared-secret-of-at-least-32-characters"
KEY = "ABCD-EFHJ.chosen.register"


def message(key: str = KEY, reference: str = "ABCD-EFHJ", event: str = "listing.chosen", role: str = "register"):
    body = {"message_id": key, "event": event, "role": role, "choice": {"reference": reference}, "resident": {}}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[RunningReceiver]:
    with run_receiver_in_thread(SECRET, tmp_path / "receiver.sqlite3") as running:
        yield running


def test_posts_the_exact_body_signed_with_a_timestamp(httpserver: HTTPServer):
    httpserver.expect_request("/register", method="POST").respond_with_data("", status=204)
    body = message()
    deliver(httpserver.url_for("/register"), body, KEY, SECRET)
    request, _ = httpserver.log[0]
    assert request.get_data() == body
    assert request.headers[KEY_HEADER] == KEY
    assert request.headers["Content-Type"].startswith("application/json")
    timestamp = request.headers[TIMESTAMP_HEADER]
    assert abs(int(timestamp) - time.time()) < 60
    assert request.headers[SIGNATURE_HEADER] == sign(SECRET, timestamp, body)
    assert verify(SECRET, timestamp, body, request.headers[SIGNATURE_HEADER])


def test_signature_covers_the_body_the_timestamp_and_the_secret():
    timestamp = str(int(time.time()))
    signature = sign(SECRET, timestamp, b"{}")
    assert signature.startswith("sha256=") and len(signature) == len("sha256=") + 64
    assert not verify(SECRET, timestamp, b'{"x":1}', signature)
    assert not verify("another-secret", timestamp, b"{}", signature)
    assert not verify(SECRET, str(int(timestamp) + 1), b"{}", signature)
    stale = str(int(time.time()) - 3600)
    assert not verify(SECRET, stale, b"{}", sign(SECRET, stale, b"{}"))
    assert not verify(SECRET, "not-a-time", b"{}", signature)


@pytest.mark.parametrize("status", [200, 201, 202, 204, 409])
def test_success_and_already_received_count_as_delivered(httpserver: HTTPServer, status: int):
    httpserver.expect_request("/r").respond_with_data("", status=status)
    deliver(httpserver.url_for("/r"), message(), KEY, SECRET)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_overload_and_server_errors_are_temporary(httpserver: HTTPServer, status: int):
    httpserver.expect_request("/r").respond_with_data("Etunimi Sukunimi", status=status)
    with pytest.raises(TemporaryFailure) as failure:
        deliver(httpserver.url_for("/r"), message(), KEY, SECRET)
    assert str(failure.value) == f"HTTP {status} from {httpserver.host}:{httpserver.port}"  # never the body


@pytest.mark.parametrize("status", [301, 400, 401, 403, 404, 410, 422])
def test_other_refusals_are_permanent(httpserver: HTTPServer, status: int):
    httpserver.expect_request("/r").respond_with_data("", status=status, headers={"Location": "http://elsewhere/"})
    with pytest.raises(PermanentFailure, match=f"HTTP {status}"):
        deliver(httpserver.url_for("/r"), message(), KEY, SECRET)


def test_a_receiver_that_does_not_answer_in_time_is_a_temporary_failure():
    with socket.socket() as listener:  # accepts the connection, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/r"
        with pytest.raises(TemporaryFailure, match="timed out"):
            deliver(url, message(), KEY, SECRET, timeout=(1, 0.2))


def test_a_receiver_that_is_down_is_a_temporary_failure():
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TemporaryFailure, match="could not connect"):
        deliver(f"http://127.0.0.1:{port}/r", message(), KEY, SECRET, timeout=0.5)


def test_unknown_schemes_and_a_missing_secret_are_permanent(httpserver: HTTPServer):
    with pytest.raises(PermanentFailure, match="scheme"):
        deliver("ftp://example.invalid/x", message(), KEY, SECRET)
    with pytest.raises(PermanentFailure, match="secret"):
        deliver(httpserver.url_for("/r"), message(), KEY, "")
    assert httpserver.log == []


def test_file_sink_writes_each_message_once_and_whole(tmp_path: Path):
    folder = tmp_path / "outbox folder" / "register"
    url = folder.as_uri()
    deliver(url, message(), KEY, "")
    target = folder / f"{KEY}.json"
    assert target.read_bytes() == message()
    deliver(url, b"a redelivery must not overwrite", KEY, "")
    assert target.read_bytes() == message()
    assert [path.name for path in folder.iterdir()] == [target.name]  # no temporary files left behind


def test_file_sink_refuses_keys_that_are_not_plain_file_names(tmp_path: Path):
    with pytest.raises(PermanentFailure):
        deliver(tmp_path.as_uri(), message(), "../escape", "")
    assert list(tmp_path.iterdir()) == []


def test_file_sink_that_cannot_write_is_a_temporary_failure(tmp_path: Path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(TemporaryFailure, match="outbox folder"):
        deliver(blocker.as_uri(), message(), KEY, "")


# The reference receiver: the contract a provider or the register implements.


def test_receiver_applies_once_and_answers_redeliveries_with_409(receiver: RunningReceiver):
    url = receiver.url + "/register"
    deliver(url, message(), KEY, SECRET)
    deliver(url, message(), KEY, SECRET)  # 409 counts as delivered
    stats = receiver.receiver.stats()
    assert (stats.applied, stats.duplicates, stats.received) == (1, 1, 2)
    assert list(receiver.receiver.applied()) == [KEY]
    assert receiver.receiver.deliveries(KEY) == 2


def test_receiver_drops_the_same_fact_under_another_key(receiver: RunningReceiver):
    url = receiver.url + "/providers/org-1"
    deliver(url, message(key="k1", role="new_provider"), "k1", SECRET)
    deliver(url, message(key="k2", role="new_provider"), "k2", SECRET)  # same choice, event and role
    deliver(url, message(key="k3", role="old_provider"), "k3", SECRET)  # one organisation as both providers
    assert list(receiver.receiver.applied()) == ["k1", "k3"]
    assert receiver.receiver.stats().duplicates == 1


def test_receiver_refuses_bad_signatures_and_malformed_messages(receiver: RunningReceiver):
    url = receiver.url + "/register"
    with pytest.raises(PermanentFailure, match="HTTP 401"):
        deliver(url, message(), KEY, "not-the-shared-secret")
    with pytest.raises(PermanentFailure, match="HTTP 400"):
        deliver(url, message(key="other"), KEY, SECRET)  # key and body disagree
    with pytest.raises(PermanentFailure, match="HTTP 400"):
        deliver(url, b"not json", KEY, SECRET)
    unsigned = requests.post(url, data=message(), headers={KEY_HEADER: KEY}, timeout=5)
    assert unsigned.status_code == 401
    stats = receiver.receiver.stats()
    assert (stats.unsigned, stats.invalid, stats.applied) == (2, 2, 0)


def test_receiver_fails_on_request_then_recovers(receiver: RunningReceiver):
    receiver.receiver.fail_next(2)
    url = receiver.url + "/register"
    for _ in range(2):
        with pytest.raises(TemporaryFailure, match="HTTP 500"):
            deliver(url, message(), KEY, SECRET)
    deliver(url, message(), KEY, SECRET)
    stats = receiver.receiver.stats()
    assert (stats.failed, stats.applied) == (2, 1)


def test_receiver_remembers_what_it_applied_across_a_restart(tmp_path: Path):
    store = tmp_path / "receiver.sqlite3"
    with run_receiver_in_thread(SECRET, store) as first:
        deliver(first.url + "/register", message(), KEY, SECRET)
    with run_receiver_in_thread(SECRET, store) as second:
        deliver(second.url + "/register", message(), KEY, SECRET)
        stats = second.receiver.stats()
        assert (stats.applied, stats.duplicates) == (1, 1)
        assert requests.get(second.url + "/stats", timeout=5).json()["received"] == 2
