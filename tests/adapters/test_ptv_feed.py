"""read_feed over the live-API route, against a local HTTP server serving pages recorded from the samples."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from adapters.ptv import FeedError, Organisation, PtvClient, RemovedRecord, Service, ServiceLocation, read_feed

API = "/api/v11"
VAASA = "7fdd7f84-e52a-4c17-a59a-d7c2a3095ed5"
KRIISI = "9f242076-de0b-4c58-810e-aac4979d71fa"


def quick_client(base_url: str) -> PtvClient:
    return PtvClient(base_url, timeout=0.5, max_retries=1, backoff=0.01)


def guid_page(ids: list[str], number: int = 1, count: int = 1) -> dict[str, Any]:
    items = [{"id": i, "name": "x"} for i in ids] or None  # PTV sends null for an empty list
    return {"pageNumber": number, "pageSize": 1000, "pageCount": count, "itemList": items}


def serve_list(httpserver: HTTPServer, path: str, records: list[dict[str, Any]]) -> list[list[str]]:
    """Serve /list?guids= from `records`, returning those asked for; the GUIDs asked are recorded."""
    asked: list[list[str]] = []

    def handler(request: Request) -> Response:
        guids = request.args["guids"].split(",")
        asked.append(guids)
        found = [r for r in records if r["id"] in guids]
        return Response(json.dumps(found), content_type="application/json")

    httpserver.expect_request(f"{API}/{path}").respond_with_handler(handler)
    return asked


def test_municipality_listing(httpserver: HTTPServer, load_sample: Callable[[str], Any]) -> None:
    first = load_sample("smbackend/municipality_channels.json")
    second = load_sample("smbackend/municipality_channels_3.json")
    first["pageCount"] = second["pageCount"] = 2
    second["pageNumber"] = 2
    channels = f"{API}/ServiceChannel/list/area/Municipality/code/001"
    httpserver.expect_request(channels, query_string={"page": "1"}).respond_with_json(first)
    httpserver.expect_request(channels, query_string={"page": "2"}).respond_with_json(second)
    httpserver.expect_request(
        f"{API}/Service/list/area/Municipality/code/001", query_string={"page": "1"}
    ).respond_with_json(load_sample("smbackend/municipality_services.json"))
    # The sample organisation, standing in for the one the first location names.
    organisation = load_sample("kunta-api-server/7fdd7f84-e52a-4c17-a59a-d7c2a3095ed5.json")
    organisation["id"] = "00022b78-dd97-4a66-8846-68b179d983e0"
    asked = serve_list(httpserver, "Organization/list", [organisation])

    feed = read_feed(httpserver.url_for(API), municipalities=["1"], client_factory=quick_client)
    items = list(feed)
    assert [(type(i).__name__, i.id) for i in items] == [
        ("ServiceLocation", "0001a1c4-6273-424f-8d17-2ac62be89741"),
        ("ServiceLocation", "00006fe3-7df2-409e-9cd6-cce4bf4338b1"),
        ("ServiceLocation", "0009b6a3-ff15-47cd-a461-48f5c452d9be"),
        ("Service", "0008afc0-182c-4580-ba73-7472287f4d63"),
        ("Service", "00094685-ccc8-44a7-8345-07e36afde1b6"),
        ("Organisation", "00022b78-dd97-4a66-8846-68b179d983e0"),
    ]
    # Only the organisations the locations refer to are fetched, in one request.
    assert asked == [["00022b78-dd97-4a66-8846-68b179d983e0", "000d2b5c-ee77-452e-a3f9-f163842a92e9"]]
    report = feed.report
    assert report.counts == {"service_location": 3, "service": 2, "organisation": 1}
    assert report.skipped_channels == {"Phone": 1}
    assert report.rejected == [] and report.removed == []
    assert isinstance(items[-1], Organisation) and items[-1].business_code == "0209602-6"
    assert "3 service_location, 2 service, 1 organisation" in report.summary()


def test_incremental_sync(httpserver: HTTPServer, load_sample: Callable[[str], Any]) -> None:
    terveysasema = load_sample("smbackend/municipality_channels.json")["itemList"][0]
    terveyskeskus = load_sample("smbackend/municipality_channels_3.json")["itemList"][0]
    withdrawn = dict(terveysasema, id="11111111-2222-3333-4444-555555555555", publishingStatus="Deleted")
    since = {"date": "2024-05-01T00:00:00"}
    located = f"{API}/ServiceChannel/type/ServiceLocation"
    httpserver.expect_request(located, query_string={**since, "page": "1"}).respond_with_json(
        guid_page([terveysasema["id"], withdrawn["id"]], 1, 2)
    )
    httpserver.expect_request(located, query_string={**since, "page": "2"}).respond_with_json(
        guid_page([terveyskeskus["id"]], 2, 2)
    )
    channel_asks = serve_list(httpserver, "ServiceChannel/list", [terveysasema, withdrawn, terveyskeskus])
    httpserver.expect_request(f"{API}/Service", query_string={**since, "page": "1"}).respond_with_json(
        guid_page([KRIISI])
    )
    serve_list(httpserver, "Service/list", [load_sample(f"kunta-api-server/{KRIISI}.json")])
    httpserver.expect_request(f"{API}/Organization", query_string={**since, "page": "1"}).respond_with_json(
        guid_page([VAASA])
    )
    organisation_asks = serve_list(httpserver, "Organization/list", [load_sample(f"kunta-api-server/{VAASA}.json")])
    archived = f"{API}/ServiceChannel"
    httpserver.expect_request(archived, query_string={**since, "status": "Archived", "page": "1"}).respond_with_json(
        guid_page(["99999999-0000-0000-0000-000000000001"])
    )
    httpserver.expect_request(archived, query_string={**since, "status": "Withdrawn", "page": "1"}).respond_with_json(
        guid_page([], 1, 0)
    )

    feed = read_feed(httpserver.url_for(API), since=datetime(2024, 5, 1, tzinfo=UTC), client_factory=quick_client)
    items = list(feed)
    assert [type(i) for i in items] == [ServiceLocation, ServiceLocation, Service, Organisation]
    assert channel_asks == [[terveysasema["id"], withdrawn["id"], terveyskeskus["id"]]]
    assert organisation_asks[0] == [VAASA]
    assert organisation_asks[1] == sorted({terveysasema["organizationId"], terveyskeskus["organizationId"]})
    assert feed.report.removed == [
        RemovedRecord("service_location", withdrawn["id"], "Deleted"),
        RemovedRecord("channel", "99999999-0000-0000-0000-000000000001", "Archived"),
    ]
    assert feed.report.removed_ids("channel") == {"99999999-0000-0000-0000-000000000001"}


def test_an_api_failure_fails_the_whole_feed(httpserver: HTTPServer, load_sample: Callable[[str], Any]) -> None:
    page = load_sample("smbackend/municipality_channels.json")
    page["pageCount"] = 2
    channels = f"{API}/ServiceChannel/list/area/Municipality/code/091"
    httpserver.expect_request(channels, query_string={"page": "1"}).respond_with_json(page)
    httpserver.expect_request(channels, query_string={"page": "2"}).respond_with_data("", status=502)
    feed = read_feed(httpserver.url_for(API), municipalities=["091"], client_factory=quick_client)
    with pytest.raises(FeedError, match=r"code/091\?page=2 failed after 2 attempts: HTTP 502"):
        list(feed)
