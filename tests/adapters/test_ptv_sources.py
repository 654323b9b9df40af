"""Reading raw records from files and directories."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.ptv import FeedError, read_feed, sources
from adapters.ptv.sources import iter_records


def values(source: Path) -> list[Any]:
    return [r.data for r in iter_records(source)]


def test_page_single_object_and_array_files(
    load_sample: Callable[[str], Any], write_json: Callable[[str, Any], Path]
) -> None:
    page = load_sample("smbackend/municipality_channels.json")
    records = page["itemList"]
    assert values(write_json("page.json", page)) == records
    assert values(write_json("one.json", records[0])) == [records[0]]
    assert values(write_json("array.json", records)) == records
    assert (
        values(write_json("empty-page.json", {"pageNumber": 1, "pageSize": 100, "pageCount": 0, "itemList": None}))
        == []
    )
    assert values(write_json("empty-array.json", [])) == []
    origins = [r.origin for r in iter_records(write_json("array2.json", records))]
    assert origins[2].endswith("array2.json [2]")


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_array_files_are_decoded_element_by_element_across_chunk_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(sources, "_CHUNK", chunk)
    data = [12345, {"a": "x, ]"}, 's"q', [1, [2]], -0.5e3, None, True, {"id": "ä€𝄞"}]
    path = tmp_path / "a.json"
    path.write_text(
        "\ufeff \n[ " + " ,\n ".join(json.dumps(v, ensure_ascii=False) for v in data) + " ]\n", encoding="utf-8"
    )
    assert values(path) == data


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"pageNumber": 1, "itemList": [{"id": "x"},]}', r"bad\.json: invalid JSON at line 1 column 44"),
        ('{\n  "id": "x"\n  "name": "y"\n}', r"bad\.json: invalid JSON at line 3 column 3"),
        ('[{"id": "a"}, {"id": ', r"bad\.json: invalid JSON at offset 21"),
        ('[{"id": "a"} {"id": "b"}]', r"bad\.json: invalid JSON at offset 13: expected ',' or '\]'"),
        ('\n  [{"id": "a"} {"id": "b"}]', r"bad\.json: invalid JSON at offset 16: expected ',' or '\]'"),
        ('[{"id": "a"},]', r"bad\.json: invalid JSON at offset 13"),
        ('[{"id": "a"}', r"bad\.json: invalid JSON: the array is not closed"),
        ('[{"id": "a"}] x', r"bad\.json: invalid JSON: extra data after the array"),
        ("", r"bad\.json: not JSON: expected an object or an array, found 'an empty file'"),
        ("  \n ", r"bad\.json: not JSON"),
        ("<html>502 Bad Gateway</html>", r"bad\.json: not JSON: expected an object or an array, found '<'"),
        ('{"itemList": {"id": "a"}}', r"bad\.json: itemList is not a list"),
    ],
)
def test_malformed_files_raise_feed_error_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FeedError, match=message):
        list(read_feed(path))


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"id": "Hälsostationen"}'.encode("latin-1"))
    with pytest.raises(FeedError, match=r"latin1\.json: not UTF-8 text"):
        list(read_feed(path))


def test_directory_is_read_in_name_order_and_only_json_files(
    load_sample: Callable[[str], Any], write_json: Callable[[str, Any], Path], tmp_path: Path
) -> None:
    page = load_sample("smbackend/municipality_channels.json")
    write_json("b.json", page["itemList"][0])
    write_json("a.json", page["itemList"][1])
    write_json("sub/c.json", page["itemList"][2])
    (tmp_path / "notes.txt").write_text("not a feed", encoding="utf-8")
    (tmp_path / ".hidden.json").write_text("{broken", encoding="utf-8")
    assert [r["id"] for r in values(tmp_path)] == [page["itemList"][1]["id"], page["itemList"][0]["id"]]


def test_directory_files_are_opened_one_at_a_time(write_json: Callable[[str, Any], Path], tmp_path: Path) -> None:
    write_json("1.json", [{"id": "a"}, {"id": "b"}])
    second = write_json("2.json", [{"id": "c"}])
    records = iter_records(tmp_path)
    assert next(records).data == {"id": "a"}
    second.write_text("[{", encoding="utf-8")  # the second file has not been read yet
    assert next(records).data == {"id": "b"}
    with pytest.raises(FeedError, match=r"2\.json"):
        next(records)


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    # An importer replacing its catalogue with the feed must not take a wrong path for "nothing published".
    (tmp_path / "readme.txt").write_text("x", encoding="utf-8")
    with pytest.raises(FeedError, match="no .json files in this directory"):
        list(read_feed(tmp_path))


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FeedError, match=r"nothing-here\.json: no such file or directory"):
        list(read_feed(tmp_path / "nothing-here.json"))


def test_feed_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="only to an http"):
        read_feed(tmp_path, municipalities=["091"])
    with pytest.raises(ValueError, match="needs municipalities"):
        read_feed("https://api.example.fi/api/v11")
    with pytest.raises(ValueError, match="timezone-aware"):
        read_feed("https://api.example.fi/api/v11", since=datetime(2024, 5, 1))
    with pytest.raises(ValueError, match="not one string"):
        read_feed("https://api.example.fi/api/v11", municipalities="091")


def test_a_feed_is_read_once(write_json: Callable[[str, Any], Path]) -> None:
    feed = read_feed(write_json("x.json", []))
    assert list(feed) == []
    with pytest.raises(RuntimeError, match="only once"):
        list(feed)
