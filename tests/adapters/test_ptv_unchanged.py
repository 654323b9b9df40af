"""A Feed given the stored records recognises unchanged ones by their source text: neither parsed nor, from files,
decoded; everything else (errors, duplicates, the organisations fetched from the API) as without them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from adapters.ptv import (
    FeedError,
    Service,
    ServiceLocation,
    StoredRecord,
    StoredRecords,
    Unchanged,
    read_feed,
    source_digest,
    sources,
    v11,
)
from tests.adapters.test_ptv_feed import API, quick_client, serve_list

ORGANISATION = "00022b78-dd97-4a66-8846-68b179d983e0"


def _stored(source: Path | str, **options: Any) -> tuple[StoredRecords, list[Any]]:
    """Read `source` once, as an importer storing every item would, and what it stored."""
    feed = read_feed(source, stored=StoredRecords([], version="v1"), **options)
    records, items = [], []
    for item in feed:
        assert feed.last_text is not None and feed.last_digest is not None
        kind = {ServiceLocation: v11.LOCATION, Service: v11.SERVICE}.get(type(item), v11.ORGANISATION)
        records.append(StoredRecord(kind, item.id, feed.last_digest, len(feed.last_text)))
        items.append(item)
    return StoredRecords(records, version="v1"), items


@pytest.fixture
def counted_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the records the reader parses (the real parser runs)."""
    parsed: list[str] = []
    real = v11.parse_record

    def counting(raw: Any) -> v11.Parsed:
        parsed.append(raw.get("id") if isinstance(raw, dict) else "?")
        return real(raw)

    monkeypatch.setattr(v11, "parse_record", counting)
    return parsed


@pytest.fixture
def counted_decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many JSON values the file reader decodes (with the real decoder)."""
    decoded: list[int] = []

    class Counting:
        def raw_decode(self, text: str, idx: int = 0) -> tuple[Any, int]:
            decoded.append(idx)
            return json.JSONDecoder().raw_decode(text, idx)

    monkeypatch.setattr(sources, "_decoder", Counting())
    return decoded


def _locations(load_sample: Callable[[str], Any]) -> list[dict[str, Any]]:
    names = ("municipality_channels.json", "municipality_channels_3.json")
    channels = [record for name in names for record in load_sample(f"smbackend/{name}")["itemList"]]
    return [record for record in channels if record["serviceChannelType"] == "ServiceLocation"]


def _page(records: list[dict[str, Any]], **dumps: Any) -> str:
    return json.dumps({"pageNumber": 1, "pageSize": 100, "pageCount": 1, "itemList": records}, **dumps)


def test_unchanged_records_are_neither_decoded_nor_parsed(
    load_sample: Callable[[str], Any], tmp_path: Path, counted_parses: list[str], counted_decodes: list[int]
) -> None:
    records = [
        *load_sample("smbackend/municipality_channels.json")["itemList"],  # two locations and a Phone channel
        *load_sample("smbackend/municipality_channels_3.json")["itemList"],
    ]
    phones = [r["id"] for r in records if r["serviceChannelType"] != "ServiceLocation"]
    (tmp_path / "page.json").write_text(_page(records, separators=(",", ":")), encoding="utf-8")
    stored, items = _stored(tmp_path)
    assert len(items) == len(records) - len(phones) >= 3 and len(counted_parses) == len(records)
    counted_parses.clear()
    counted_decodes.clear()

    feed = read_feed(tmp_path, stored=stored)
    again = list(feed)
    assert again == [Unchanged(v11.LOCATION, item.id) for item in items]
    # Only the envelope's own keys and values and the other channels (never stored) are decoded; only those are parsed.
    assert counted_parses == phones
    assert len(counted_decodes) == 4 + 3 + len(phones)  # the envelope's four keys and three numbers
    assert feed.report.counts == {v11.LOCATION: len(items)} and feed.report.unchanged == {v11.LOCATION: len(items)}
    assert sum(feed.report.skipped_channels.values()) == len(phones)
    assert f"{len(items)} unchanged (not read again)" in feed.report.summary()


def test_a_changed_record_and_another_version_are_read_again(
    load_sample: Callable[[str], Any], tmp_path: Path, counted_parses: list[str]
) -> None:
    records = _locations(load_sample)
    page = tmp_path / "page.json"
    page.write_text(_page(records), encoding="utf-8")
    stored, items = _stored(page)
    records[1]["serviceChannelNames"][0]["value"] += " (uusi)"
    page.write_text(_page(records), encoding="utf-8")
    counted_parses.clear()
    again = list(read_feed(page, stored=stored))
    assert [type(item).__name__ for item in again] == ["Unchanged", "ServiceLocation", "Unchanged"]
    assert counted_parses == [records[1]["id"]]

    bumped = StoredRecords([], version="v2")
    assert bumped.digest("{}") != stored.digest("{}")
    relabelled = StoredRecords(
        [StoredRecord(v11.LOCATION, item.id, stored.digest("x"), 1) for item in items], version="v2"
    )
    assert not any(isinstance(item, Unchanged) for item in read_feed(page, stored=relabelled))


@pytest.mark.parametrize("layout", ["pretty", "id last", "array", "one record"])
def test_other_layouts_are_recognised_too(
    load_sample: Callable[[str], Any], tmp_path: Path, counted_parses: list[str], layout: str
) -> None:
    records = _locations(load_sample)
    if layout == "id last":  # the length cannot be looked up: decoded, then recognised by its text
        records = [{**{k: v for k, v in r.items() if k != "id"}, "id": r["id"]} for r in records]
    text = {
        "pretty": _page(records, indent=2, ensure_ascii=False),
        "id last": _page(records),
        "array": "\n" + json.dumps(records, indent=1),
        "one record": json.dumps(records[0], indent=2) + "\n",
    }[layout]
    path = tmp_path / "feed.json"
    path.write_text(text, encoding="utf-8")
    stored, items = _stored(path)
    counted_parses.clear()
    again = list(read_feed(path, stored=stored))
    assert again == [Unchanged(v11.LOCATION, item.id) for item in items] and counted_parses == []


def test_an_unchanged_record_is_a_duplicate_the_second_time(load_sample: Callable[[str], Any], tmp_path: Path) -> None:
    record = load_sample("smbackend/municipality_channels.json")["itemList"][0]
    path = tmp_path / "page.json"
    path.write_text(_page([record]), encoding="utf-8")
    stored, _ = _stored(path)
    path.write_text(_page([record, record]), encoding="utf-8")
    feed = read_feed(path, stored=stored)
    assert list(feed) == [Unchanged(v11.LOCATION, record["id"])]
    assert [(d.kind, d.id) for d in feed.report.duplicates] == [(v11.LOCATION, record["id"])]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"pageNumber": 1, "itemList": [{"id": "x"},]}', r"bad\.json: invalid JSON at line 1 column 44"),
        ('{"pageNumber": 1, "itemList": [{"id": "x"} {"id": "x"}]}', r"bad\.json: invalid JSON at line 1 column 44"),
        ('{"itemList": [{"id": "x"}], "pageCount": }', r"bad\.json: invalid JSON at line 1 column 42"),
        ('{"itemList": [{"id": "x"}]} x', r"bad\.json: invalid JSON at line 1 column 29"),
        ('{"itemList": [{"id": "x"}], "itemList": {"id": "x"}}', r"bad\.json: itemList is not a list"),
        ('[{"id": "x"},]', r"bad\.json: invalid JSON at offset 13"),
        ('[{"id": "x"} {"id": "x"}]', r"bad\.json: invalid JSON at offset 13: expected ',' or '\]'"),
        ('[{"id": "x"}', r"bad\.json: invalid JSON: the array is not closed"),
    ],
)
def test_a_malformed_file_is_refused_around_unchanged_records(tmp_path: Path, text: str, message: str) -> None:
    stored = StoredRecords([StoredRecord(v11.LOCATION, "x", source_digest('{"id": "x"}', "v1"), 11)], version="v1")
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FeedError, match=message):
        list(read_feed(path, stored=stored))
    with pytest.raises(FeedError, match=message):  # as without them
        list(read_feed(path))


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_array_files_are_recognised_across_chunk_boundaries(
    load_sample: Callable[[str], Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    records = _locations(load_sample)
    path = tmp_path / "array.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    stored, items = _stored(path)
    monkeypatch.setattr(sources, "_CHUNK", chunk)
    assert list(read_feed(path, stored=stored)) == [Unchanged(v11.LOCATION, item.id) for item in items]


def test_organisation_references_are_the_parsed_items(load_sample: Callable[[str], Any]) -> None:
    records = [
        *load_sample("smbackend/municipality_channels.json")["itemList"],
        *load_sample("smbackend/municipality_services.json")["itemList"],
    ]
    services = 0
    for raw in records:
        item = v11.parse_record(raw).item
        if isinstance(item, ServiceLocation):
            expected = {item.organisation_id}
        elif isinstance(item, Service):
            services += 1
            expected = set(item.responsible_organisation_ids)
            expected |= {p.organisation_id for p in item.producers if p.organisation_id}
        else:
            continue
        assert v11.organisation_references(raw) == expected
    assert services >= 2


def test_the_api_route_still_fetches_the_organisations_unchanged_records_refer_to(
    httpserver: HTTPServer, load_sample: Callable[[str], Any], counted_parses: list[str]
) -> None:
    channels = f"{API}/ServiceChannel/list/area/Municipality/code/001"
    httpserver.expect_request(channels, query_string={"page": "1"}).respond_with_json(
        load_sample("smbackend/municipality_channels.json")
    )
    httpserver.expect_request(
        f"{API}/Service/list/area/Municipality/code/001", query_string={"page": "1"}
    ).respond_with_json(load_sample("smbackend/municipality_services.json"))
    organisation = load_sample("kunta-api-server/7fdd7f84-e52a-4c17-a59a-d7c2a3095ed5.json")
    organisation["id"] = ORGANISATION
    asked = serve_list(httpserver, "Organization/list", [organisation])
    options: dict[str, Any] = {"municipalities": ["1"], "client_factory": quick_client}
    stored, items = _stored(httpserver.url_for(API), **options)
    assert any(item.id == ORGANISATION for item in items)
    counted_parses.clear()

    feed = read_feed(httpserver.url_for(API), stored=stored, **options)
    again = list(feed)
    assert all(isinstance(item, Unchanged) for item in again) and len(again) == len(items)
    assert counted_parses == [load_sample("smbackend/municipality_channels.json")["itemList"][2]["id"]]  # Phone
    assert len(asked) == 2 and asked[0] == asked[1]
