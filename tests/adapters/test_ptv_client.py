"""PtvClient against a real local HTTP server (pytest-httpserver) serving pages recorded from the samples."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from adapters.ptv import FeedError, PtvClient
from adapters.ptv.model import HELSINKI

PAGE_PATH = "/api/v11/ServiceChannel/list/area/Municipality/code/091"


@pytest.fixture
def make_client() -> Iterator[Callable[..., PtvClient]]:
    made: list[PtvClient] = []

    def make(base_url: str, **kwargs: Any) -> PtvClient:
        made.append(PtvClient(base_url, **kwargs))
        return made[-1]

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(httpserver: HTTPServer, make_client: Callable[..., PtvClient]) -> PtvClient:
    return make_client(httpserver.url_for("/api/v11/"), timeout=(0.5, 0.5), max_retries=2, backoff=0.01)


def recorded_pages(load_sample: Callable[[str], Any]) -> list[dict[str, Any]]:
    """The three smbackend channel pages, renumbered as pages 1-3 of one listing."""
    names = ["municipality_channels.json", "municipality_channels_2.json", "municipality_channels_3.json"]
    pages = [load_sample(f"smbackend/{name}") for name in names]
    for number, page in enumerate(pages, start=1):
        page.update(pageNumber=number, pageCount=len(pages))
    return pages


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"base_url": "ftp://api.example.fi/api/v11"}, "http"),
        ({"base_url": "api.palvelutietovaranto.suomi.fi/api/v11"}, "http"),
        ({"base_url": "https://"}, "http"),
        ({"base_url": "https://a.fi", "timeout": 0}, "timeout"),
        ({"base_url": "https://a.fi", "timeout": (5, -1)}, "timeout"),
        ({"base_url": "https://a.fi", "timeout": (1, 2, 3)}, "timeout"),
        ({"base_url": "https://a.fi", "max_retries": -1}, "max_retries"),
        ({"base_url": "https://a.fi", "backoff": -0.1}, "backoff"),
    ],
)
def test_configuration_is_validated(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PtvClient(**kwargs)


def test_pages_are_followed_to_page_count(
    httpserver: HTTPServer, client: PtvClient, load_sample: Callable[[str], Any]
) -> None:
    pages = recorded_pages(load_sample)
    for number, page in enumerate(pages, start=1):
        httpserver.expect_ordered_request(PAGE_PATH, query_string={"page": str(number)}).respond_with_json(page)
    records = list(client.service_locations_in_municipality("091"))
    assert [r["id"] for r in records] == [r["id"] for page in pages for r in page["itemList"]]
    assert len(httpserver.log) == 3
    httpserver.check()


def test_municipality_code_is_padded_and_checked(httpserver: HTTPServer, client: PtvClient) -> None:
    httpserver.expect_request("/api/v11/Service/list/area/Municipality/code/091").respond_with_json(
        {"pageNumber": 1, "pageSize": 100, "pageCount": 1, "itemList": [{"id": "s"}]}
    )
    assert list(client.services_in_municipality("91")) == [{"id": "s"}]
    with pytest.raises(ValueError, match="municipality code"):
        list(client.services_in_municipality("Helsinki"))


def test_a_response_that_is_not_a_page_is_a_feed_error(httpserver: HTTPServer, client: PtvClient) -> None:
    httpserver.expect_request(PAGE_PATH).respond_with_json([{"id": "x"}])
    with pytest.raises(FeedError, match=r"code/091 page 1: not a paging envelope"):
        list(client.service_locations_in_municipality("091"))


def test_guids_are_fetched_in_chunks_of_100(httpserver: HTTPServer, client: PtvClient) -> None:
    ids = [f"00000000-0000-0000-0000-{i:012d}" for i in range(250)]
    asked: list[list[str]] = []

    def handler(request: Request) -> Response:
        chunk = request.args["guids"].split(",")
        asked.append(chunk)
        return Response(json.dumps([{"id": guid} for guid in chunk]), content_type="application/json")

    httpserver.expect_request("/api/v11/ServiceChannel/list").respond_with_handler(handler)
    records = list(client.channels(iter(ids)))
    assert [len(chunk) for chunk in asked] == [100, 100, 50]
    assert [guid for chunk in asked for guid in chunk] == ids
    assert [r["id"] for r in records] == ids
    assert list(client.services([])) == []  # no ids, no request
    assert len(httpserver.log) == 3


def test_changed_ids_use_the_utc_date_filter(httpserver: HTTPServer, client: PtvClient) -> None:
    guid_page = {"pageNumber": 1, "pageSize": 1000, "pageCount": 1, "itemList": [{"id": "a", "name": "A"}]}
    httpserver.expect_request(
        "/api/v11/ServiceChannel/type/ServiceLocation",
        query_string={"date": "2024-05-01T09:00:00", "dateBefore": "2024-05-02T00:00:00", "page": "1"},
    ).respond_with_json(guid_page)
    since = datetime(2024, 5, 1, 12, 0, tzinfo=HELSINKI)  # UTC+3 in May
    assert list(client.changed_service_location_ids(since, datetime(2024, 5, 2, tzinfo=UTC))) == ["a"]
    with pytest.raises(ValueError, match="timezone-aware"):
        list(client.changed_service_ids(datetime(2024, 5, 1)))
    with pytest.raises(ValueError, match="Archived or Withdrawn"):
        list(client.removed_channel_ids(since, "Deleted"))


def test_retry_then_success_on_503(httpserver: HTTPServer, client: PtvClient) -> None:
    httpserver.expect_ordered_request("/api/v11/Organization/list").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/api/v11/Organization/list").respond_with_json([{"id": "o"}])
    assert list(client.organisations(["o"])) == [{"id": "o"}]
    assert len(httpserver.log) == 2
    httpserver.check()


def test_retry_after_zero_on_429_is_honoured(httpserver: HTTPServer, make_client: Callable[..., PtvClient]) -> None:
    # The backoff alone would wait 3 s; Retry-After: 0 says to retry at once.
    slow = make_client(httpserver.url_for("/api/v11"), timeout=0.5, max_retries=1, backoff=3)
    httpserver.expect_ordered_request("/api/v11/Service/list").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "0"}
    )
    httpserver.expect_ordered_request("/api/v11/Service/list").respond_with_json([{"id": "s"}])
    started = time.monotonic()
    assert list(slow.services(["s"])) == [{"id": "s"}]
    assert time.monotonic() - started < 2
    httpserver.check()


def test_retry_after_is_capped(httpserver: HTTPServer, make_client: Callable[..., PtvClient]) -> None:
    capped = make_client(httpserver.url_for("/api/v11"), timeout=0.5, max_retries=1, backoff=0, max_retry_after=0.01)
    httpserver.expect_ordered_request("/api/v11/Service/list").respond_with_data(
        "", status=429, headers={"Retry-After": "3600"}
    )
    httpserver.expect_ordered_request("/api/v11/Service/list").respond_with_json([])
    started = time.monotonic()
    assert list(capped.services(["s"])) == []
    assert time.monotonic() - started < 2


def test_gives_up_after_max_retries(httpserver: HTTPServer, client: PtvClient) -> None:
    httpserver.expect_request("/api/v11/Service/list").respond_with_data("maintenance", status=503)
    with pytest.raises(FeedError) as caught:
        list(client.services(["s"]))
    assert caught.value.status == 503
    message = str(caught.value)
    assert httpserver.url_for("/api/v11/Service/list") in message
    assert "after 3 attempts: HTTP 503" in message and "maintenance" in message
    assert len(httpserver.log) == 3  # the first try and max_retries=2 retries


def test_client_errors_are_not_retried(httpserver: HTTPServer, client: PtvClient) -> None:
    httpserver.expect_request("/api/v11/Service/list").respond_with_json(
        {"errorMessage": "Guid list is invalid"}, status=400
    )
    with pytest.raises(FeedError, match=r"HTTP 400 .*Guid list is invalid") as caught:
        list(client.services(["s"]))
    assert caught.value.status == 400
    assert len(httpserver.log) == 1


def test_a_body_that_is_not_json_is_a_feed_error(httpserver: HTTPServer, client: PtvClient) -> None:
    httpserver.expect_request("/api/v11/Service/list").respond_with_data("<html>proxy</html>", status=200)
    with pytest.raises(FeedError, match="not JSON"):
        list(client.services(["s"]))


def test_timeouts_are_retried_then_reported(make_client: Callable[..., PtvClient]) -> None:
    # Its own threaded server, so the sleeping handler does not hold up the shared one.
    server = HTTPServer(threaded=True)
    server.start()
    try:
        server.expect_request("/api/v11/Service/list").respond_with_handler(
            lambda request: time.sleep(0.6) or Response("[]", content_type="application/json")
        )
        slow = make_client(server.url_for("/api/v11"), timeout=0.2, max_retries=1, backoff=0.01)
        started = time.monotonic()
        with pytest.raises(
            FeedError, match=r"/api/v11/Service/list\?guids=s failed after 2 attempts: .*[Tt]imed? ?out"
        ):
            list(slow.services(["s"]))
        assert time.monotonic() - started < 0.6  # two 0.2 s timeouts, not the handler's 0.6 s sleep
    finally:
        server.clear()
        server.stop()


def test_connection_errors_are_retried_then_reported(make_client: Callable[..., PtvClient]) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = make_client(f"http://127.0.0.1:{port}/api/v11", timeout=0.2, max_retries=2, backoff=0.01)
    with pytest.raises(
        FeedError, match=rf"127\.0\.0\.1:{port}/api/v11/Organization/list\?guids=o failed after 3 attempts"
    ):
        list(dead.organisations(["o"]))


def test_an_api_that_accepts_and_never_answers_ends_the_feed_with_a_clear_error() -> None:
    from adapters.ptv import read_feed
    from tests.faults import HANG, Forwarder

    def short(base_url: str) -> PtvClient:
        return PtvClient(base_url, timeout=0.2, max_retries=1, backoff=0.01)

    with Forwarder(mode=HANG) as hung:
        feed = read_feed(f"{hung.url}/api/v11", municipalities=["186"], client_factory=short)
        started = time.monotonic()
        with pytest.raises(FeedError) as error:
            list(feed)
        assert time.monotonic() - started < 5 * 2 * 0.2  # two attempts of 0.2 s each: it did not hang
    message = str(error.value)
    assert f"{hung.address}/api/v11/ServiceChannel/list/area/Municipality/code/186?page=1" in message
    assert "failed after 2 attempts" in message and "timed out" in message.lower()
