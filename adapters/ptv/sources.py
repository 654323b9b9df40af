"""Raw records from files on disk: one JSON file (a response page, one record, or an array) or a directory of them.

Memory stays bounded on national feeds: a directory is read one file at a time, and a JSON array file is decoded
one element at a time (a page file holds at most a page, 100 records from the API, so it is read whole).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from adapters.ptv.errors import FeedError

_CHUNK = 1 << 16
_decoder = json.JSONDecoder()


@dataclass(frozen=True, slots=True)
class RawRecord:
    data: Any
    origin: str  # where it came from, for messages: "page.json itemList[3]"


def iter_records(source: str | Path) -> Iterator[RawRecord]:
    """Every raw record in `source`: a .json file, or a directory whose *.json files are read in name order.

    Subdirectories and other files are not read. A directory with no .json file is an error: an importer that
    replaces its catalogue with the feed must not mistake a wrong path for "nothing is published".
    """
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix == ".json" and not p.name.startswith("."))
        if not files:
            raise FeedError(f"{path}: no .json files in this directory")
        for file in files:
            yield from _iter_file(file)
    elif path.is_file():
        yield from _iter_file(path)
    else:
        raise FeedError(f"{path}: no such file or directory")


def _iter_file(path: Path) -> Iterator[RawRecord]:
    try:
        with path.open(encoding="utf-8-sig") as fh:
            first, consumed = _first_char(fh)
            if first == "[":
                for i, item in enumerate(_iter_array(fh, path, consumed)):
                    yield RawRecord(item, f"{path} [{i}]")
            elif first == "{":
                yield from _iter_object(_load(first + fh.read(), path), path)
            else:
                raise FeedError(f"{path}: not JSON: expected an object or an array, found {first or 'an empty file'!r}")
    except UnicodeDecodeError as exc:
        raise FeedError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise FeedError(f"{path}: cannot be read: {exc.strerror or exc}") from exc


def _iter_object(data: dict[str, Any], path: Path) -> Iterator[RawRecord]:
    if "itemList" not in data:  # one record, as /ServiceChannel/{id} returns it
        yield RawRecord(data, str(path))
        return
    # A paging envelope: {"pageNumber", "pageSize", "pageCount", "itemList"}. PTV sends itemList null when empty.
    items = data["itemList"]
    if items is None:
        return
    if not isinstance(items, list):
        raise FeedError(f"{path}: itemList is not a list")
    for i, item in enumerate(items):
        yield RawRecord(item, f"{path} itemList[{i}]")


def _first_char(fh: TextIO) -> tuple[str, int]:
    """The first non-blank character and how many characters were read to find it."""
    count = 0
    while True:
        char = fh.read(1)
        count += 1
        if not char or not char.isspace():
            return char, count


def _load(text: str, path: Path) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FeedError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    except (ValueError, RecursionError) as exc:  # a number of over 4300 digits; arrays or objects nested too deep
        raise FeedError(f"{path}: JSON this reader cannot take: {_beyond_limits(exc)}") from exc


def _iter_array(fh: TextIO, path: Path, offset: int) -> Iterator[Any]:
    """Decode the elements of a top-level JSON array one by one. The file is read up to its "[", `offset` chars."""
    buffer, eof = "", False  # offset counts the characters of the file consumed before `buffer`
    expect_value = True  # after "[" or ",": a value (or "]" right after "[") must come
    first = True
    while True:
        stripped = buffer.lstrip()
        offset += len(buffer) - len(stripped)
        buffer = stripped
        if not buffer and not eof:
            chunk = fh.read(_CHUNK)
            buffer, eof = chunk, not chunk
            continue
        if not buffer:
            raise FeedError(f"{path}: invalid JSON: the array is not closed (the file ends at offset {offset})")
        if buffer[0] == "]" and (first or not expect_value):
            if buffer[1:].strip() or fh.read().strip():
                raise FeedError(f"{path}: invalid JSON: extra data after the array (offset {offset + 1})")
            return
        if not expect_value:
            if buffer[0] != ",":
                raise FeedError(f"{path}: invalid JSON at offset {offset}: expected ',' or ']'")
            buffer, offset, expect_value = buffer[1:], offset + 1, True
            continue
        try:
            value, end = _decoder.raw_decode(buffer)
            complete = end < len(buffer) or eof  # a number at the buffer's end may go on in the next chunk
        except json.JSONDecodeError as exc:
            if eof:
                raise FeedError(f"{path}: invalid JSON at offset {offset + exc.pos}: {exc.msg}") from exc
            complete = False
        except (ValueError, RecursionError) as exc:  # more of the file cannot make these readable
            raise FeedError(f"{path}: JSON this reader cannot take at offset {offset}: {_beyond_limits(exc)}") from exc
        if not complete:
            chunk = fh.read(max(_CHUNK, len(buffer)))  # grow geometrically: a huge element costs O(n), not O(n^2)
            buffer, eof = buffer + chunk, not chunk
            continue
        yield value
        buffer, offset, expect_value, first = buffer[end:], offset + end, False, False


def _beyond_limits(exc: ValueError | RecursionError) -> str:
    # Valid JSON that json still refuses, with these rather than JSONDecodeError: nesting deeper than Python's recursion
    # limit, and integers longer than int() reads (4300 digits).
    return "arrays or objects nested too deep" if isinstance(exc, RecursionError) else "a number with too many digits"
