"""WalletApiClient against the fake voucher API (adapters/wallet_fake.py) on a real loopback port: paging, `since`,
the bearer token, retries after a 503, timeouts and clear errors."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from adapters.wallet_fake import FakeWalletServer, run_fake_wallet_api
from adapters.wallet_http import WalletApiClient, WalletApiError
from tests.wallet_samples import budget, export, voucher

TOKEN = "test-wallet-token-1234"


@pytest.fixture
def fake() -> Iterator[FakeWalletServer]:
    vouchers = [voucher(id=f"V-{n:02d}") for n in range(5)]
    with run_fake_wallet_api(export(vouchers, [budget(), budget(id="B-2")]), token=TOKEN) as server:
        yield server


def client(fake: FakeWalletServer, **kwargs: Any) -> WalletApiClient:
    token = kwargs.pop("token", TOKEN)
    options: dict[str, Any] = {"timeout": 2.0, "max_retries": 2, "backoff": 0.01, "page_size": 2, **kwargs}
    return WalletApiClient(fake.base_url, token, **options)


def ids(records: Any) -> list[str]:
    return [record.data["id"] for record in records]


def test_every_page_of_both_lists_is_read_with_the_token(fake: FakeWalletServer) -> None:
    with client(fake) as api:
        records = list(api.records())
    assert ids(records) == ["V-00", "V-01", "V-02", "V-03", "V-04", "B-1", "B-2"]
    assert [r.kind for r in records] == ["voucher"] * 5 + ["budget"] * 2
    assert records[2].where == "GET /vouchers page 2 item 1"
    requests = fake.api.requests
    assert [r["path"] for r in requests] == ["/v1/vouchers"] * 3 + ["/v1/budgets"]
    assert all(r["authorization"] == f"Bearer {TOKEN}" for r in requests)
    assert requests[0]["args"] == {"page_size": "2"} and requests[1]["args"]["cursor"]
    assert api.since_token == "seq-7"


def test_since_reads_only_what_changed(fake: FakeWalletServer) -> None:
    with client(fake) as api:
        list(api.records())
        token = api.since_token
        assert list(api.records(token)) == []
        fake.api.put("vouchers", voucher(id="V-03", units_used=1))
        fake.api.put("budgets", budget(id="B-3"))
        fake.api.put("vouchers", voucher(id="V-00"))  # the same record again: not a change
        changed = list(api.records(token))
        assert ids(changed) == ["V-03", "B-3"] and changed[0].data["units_used"] == 1
        assert api.since_token == "seq-9"
    assert fake.api.requests[-1]["args"]["since"] == token


def test_a_change_while_the_pages_are_read_comes_in_the_next_pass(fake: FakeWalletServer) -> None:
    with client(fake) as api:
        records = api.records()
        first = next(records)
        fake.api.put("vouchers", voucher(id="V-04", units_used=1))  # on a later page, changed meanwhile
        rest = list(records)
        assert ids([first, *rest]) == ["V-00", "V-01", "V-02", "V-03", "B-1", "B-2"]
        assert ids(api.records(api.since_token)) == ["V-04"]


def test_a_503_is_retried_and_then_succeeds(fake: FakeWalletServer) -> None:
    fake.api.fail_next(2, status=503)
    with client(fake) as api:
        assert len(list(api.records())) == 7
    assert len(fake.api.requests) == 4 + 2


def test_failures_that_outlast_the_retries_give_a_clear_error(fake: FakeWalletServer) -> None:
    fake.api.fail_next(3, status=502)
    with client(fake) as api, pytest.raises(WalletApiError) as raised:
        list(api.records())
    message = str(raised.value)
    assert raised.value.status == 502 and "HTTP 502" in message and "after 3 attempts" in message
    assert f"{fake.base_url}/vouchers?page_size=2" in message and TOKEN not in message


def test_a_wrong_token_is_not_retried_and_not_shown(fake: FakeWalletServer) -> None:
    with client(fake, token="wrong-token-5678") as api, pytest.raises(WalletApiError) as raised:
        list(api.records())
    assert raised.value.status == 401 and "refused the token" in str(raised.value)
    assert "wrong-token-5678" not in str(raised.value) and len(fake.api.requests) == 1


def test_a_server_that_does_not_answer_in_time_gives_an_error(fake: FakeWalletServer) -> None:
    fake.api.stall_next(2, seconds=1.0)
    started = time.perf_counter()
    with client(fake, timeout=0.2, max_retries=1) as api, pytest.raises(WalletApiError, match="timed out after 2"):
        list(api.records())
    assert time.perf_counter() - started < 1.5


def test_a_server_that_is_not_there_gives_an_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    api = WalletApiClient(f"http://127.0.0.1:{port}/v1", TOKEN, timeout=0.5, max_retries=1, backoff=0.01)
    with api, pytest.raises(WalletApiError, match="could not connect after 2 attempts"):
        list(api.records())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "not JSON"),
        ('{"data": []}', "not a page"),
        ('{"items": [], "next_cursor": 5, "since": "s"}', "next_cursor"),
        ('{"items": [], "next_cursor": null}', "since must be a token"),
        ('{"items": [], "next_cursor": null, "since": "' + "x" * 65 + '"}', "since must be a token"),
    ],
)
def test_a_body_that_is_not_a_page_is_an_error(httpserver: HTTPServer, body: str, message: str) -> None:
    httpserver.expect_request("/api/vouchers").respond_with_data(body, content_type="application/json")
    with WalletApiClient(httpserver.url_for("/api"), TOKEN) as api, pytest.raises(WalletApiError, match=message):
        list(api.records())


def test_a_cursor_that_comes_back_is_an_error_not_a_loop(httpserver: HTTPServer) -> None:
    page = {"items": [], "next_cursor": "same", "since": "s"}
    httpserver.expect_request("/api/vouchers").respond_with_json(page)
    with WalletApiClient(httpserver.url_for("/api"), TOKEN) as api, pytest.raises(WalletApiError, match="before"):
        list(api.records())


def test_a_retry_after_header_is_honoured_up_to_its_cap(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/api/vouchers").respond_with_data("busy", 429, headers={"Retry-After": "120"})
    httpserver.expect_ordered_request("/api/vouchers").respond_with_json({"items": [], "since": "s"})
    httpserver.expect_ordered_request("/api/budgets").respond_with_json({"items": [], "since": "s"})
    started = time.perf_counter()
    with WalletApiClient(httpserver.url_for("/api"), TOKEN, max_retry_after=0.2) as api:
        assert list(api.records()) == []
    assert 0.2 <= time.perf_counter() - started < 5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"base_url": "ftp://wallet.example/api"}, "http"),
        ({"base_url": "https://user:secret@wallet.example/api"}, "credentials"),
        ({"base_url": "https://wallet.example/api?token=x"}, "credentials"),
        ({"token": ""}, "WALLET_API_TOKEN"),
        ({"timeout": 0}, "timeout"),
        ({"max_retries": -1}, "negative"),
        ({"page_size": 0}, "page_size"),
    ],
)
def test_configuration_is_checked(kwargs: dict[str, Any], message: str) -> None:
    arguments = {"base_url": "https://wallet.example/api", "token": TOKEN, **kwargs}
    with pytest.raises(ValueError, match=message):
        WalletApiClient(**arguments)


def test_the_fake_refuses_what_the_real_api_would(fake: FakeWalletServer) -> None:
    import requests

    headers = {"Authorization": f"Bearer {TOKEN}"}
    for query, status in [("since=yesterday", 400), ("cursor=x", 400), ("page_size=0", 400), ("", 200)]:
        response = requests.get(f"{fake.base_url}/vouchers?{query}", headers=headers, timeout=5)
        assert response.status_code == status, query
    assert requests.get(f"{fake.base_url}/persons", headers=headers, timeout=5).status_code == 404
    assert requests.get(f"{fake.base_url}/vouchers", timeout=5).status_code == 401
