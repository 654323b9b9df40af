"""The national synthetic feed: counts, pages, shape, determinism and streaming, on a small run."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bench import national_feed
from bench.national_feed import NationalFeedSummary, write_national_feed
from portal.demo.ptv_feed import PageWriter
from tests.demo.feed_helpers import PAGE_NAME, classify, load_skeleton, locations, read_pages, shape_violations


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> NationalFeedSummary:
    return write_national_feed(tmp_path_factory.mktemp("national"), locations=2000, municipalities=20)


@pytest.fixture(scope="module")
def small_records(small_run: NationalFeedSummary) -> dict[str, list[dict[str, Any]]]:
    return read_pages(small_run.out_dir)


def test_counts_and_pages(small_run: NationalFeedSummary, small_records: dict[str, list[dict[str, Any]]]) -> None:
    assert (small_run.channel_pages, small_run.service_pages, small_run.organization_pages) == (20, 2, 1)
    assert len(locations(small_records)) == len(small_records["channels"]) == 2000
    assert len(small_records["services"]) == small_run.services == 20 * 6
    assert len(small_records["organizations"]) == small_run.organizations
    pages = sorted(small_run.out_dir.iterdir())
    assert len(pages) == 23 and all(PAGE_NAME.match(p.name) for p in pages)
    sizes = Counter()
    for path in pages:
        page = json.loads(path.read_text(encoding="utf-8"))
        prefix = path.name.split("-")[0]
        assert page["pageSize"] == 100 and page["pageNumber"] == int(path.stem.split("-")[1])
        assert page["pageCount"] == {"channels": 20, "services": 2, "organizations": 1}[prefix]
        sizes[prefix, len(page["itemList"])] += 1
    assert sizes == {("channels", 100): 20, ("services", 100): 1, ("services", 20): 1, ("organizations", 70): 1}


def test_municipalities_have_three_digit_codes_and_locations(small_records: dict[str, list[dict[str, Any]]]) -> None:
    per_code = Counter(c["addresses"][0]["streetAddress"]["municipality"]["code"] for c in small_records["channels"])
    assert len(per_code) == 20 and all(re.fullmatch(r"\d{3}", code) for code in per_code)
    assert min(per_code.values()) >= 1 and max(per_code.values()) > 2 * min(per_code.values())  # skewed like Finland
    kinds = Counter(k for f in classify(small_records).values() for k in f["kinds"])
    assert kinds.keys() == {"sote_centre", "dental_unit", "voucher_provider"}


def test_records_have_v11_keys_and_links(small_records: dict[str, list[dict[str, Any]]]) -> None:
    channel_shape = load_skeleton("V11VmOpenApiServiceLocationChannel.json")
    service_shape = load_skeleton("V11VmOpenApiService.json")
    organisation_shape = load_skeleton("V10VmOpenApiOrganization.json")
    for records, shape in (
        (small_records["channels"][:300], channel_shape),
        (small_records["services"], service_shape),
        (small_records["organizations"], organisation_shape),
    ):
        for record in records:
            assert list(record) == list(shape) and list(shape_violations(record, shape)) == []
    channels = {c["id"] for c in small_records["channels"]}
    services = {s["id"]: s for s in small_records["services"]}
    organisations = {o["id"] for o in small_records["organizations"]}
    assert len(channels) == 2000
    links = {(c["id"], link["service"]["id"]) for c in small_records["channels"] for link in c["services"]}
    assert links == {(c["serviceChannel"]["id"], s["id"]) for s in services.values() for c in s["serviceChannels"]}
    assert {c["organizationId"] for c in small_records["channels"]} <= organisations
    assert {o["organization"]["id"] for s in services.values() for o in s["organizations"]} <= organisations


def test_same_seed_gives_the_same_bytes(tmp_path: Path, small_run: NationalFeedSummary) -> None:
    again = write_national_feed(tmp_path, locations=2000, municipalities=20)
    assert again.bytes_written == small_run.bytes_written
    for path in sorted(small_run.out_dir.iterdir()):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_the_v11_reader_reads_it(small_run: NationalFeedSummary) -> None:
    from adapters.ptv import read_feed

    feed = read_feed(small_run.out_dir)
    assert sum(1 for _ in feed) == 2000 + small_run.services + small_run.organizations
    assert feed.report.rejected == [] and feed.report.warnings == []


def test_page_writer_streams_a_page_at_a_time(tmp_path: Path) -> None:
    writer = PageWriter(tmp_path, "channels", 250)
    for n in range(150):
        writer.add({"id": n})
    assert [p.name for p in tmp_path.iterdir()] == ["channels-0001.json"]  # page 1 is on disk before the end
    writer.add_all({"id": n} for n in range(150, 250))
    with pytest.raises(ValueError, match="more than the announced 250"):
        writer.add({"id": 250})
    assert writer.close() == 3
    last = json.loads((tmp_path / "channels-0003.json").read_text(encoding="utf-8"))
    assert (last["pageNumber"], last["pageCount"], len(last["itemList"])) == (3, 3, 50)
    short = PageWriter(tmp_path, "services", 5)
    short.add({"id": 1})
    with pytest.raises(ValueError, match="1 items written, 5 announced"):
        short.close()


def test_rejects_impossible_sizes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one location per municipality"):
        write_national_feed(tmp_path, locations=10, municipalities=20)
    with pytest.raises(ValueError, match="municipalities must be"):
        write_national_feed(tmp_path, locations=100_000, municipalities=1000)


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert national_feed.main([str(tmp_path), "--locations", "150", "--municipalities", "3"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "channels-0001.json",
        "channels-0002.json",
        "organizations-0001.json",
        "services-0001.json",
    ]
    assert "150 service locations in 3 municipalities" in capsys.readouterr().out
