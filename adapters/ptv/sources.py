"""Raw records from files on disk: one JSON file (a response page, one record, or an array) or a directory of them.

Memory stays bounded on national feeds: a directory is read one file at a time, and a JSON array file is decoded
one element at a time (a page file holds at most a page, 100 records from the API, so it is read whole).

Each record keeps its source text, the characters it is written with in the file. Given the records a catalogue
stored (`unchanged.StoredRecords`), a record whose text is a stored one is passed on undecoded (`RawRecord.known`):
decoding the JSON is most of what reading a national feed costs once parsing is skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from adapters.ptv.errors import FeedError
from adapters.ptv.unchanged import StoredRecords, Unchanged

_CHUNK = 1 << 16
_decoder = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\n\r]*")
# PTV writes a record's id first: its stored length then says where the record ends if it is unchanged.
_ID_FIRST = re.compile(r'\{[ \t\n\r]*"id"[ \t\n\r]*:[ \t\n\r]*"([^"\\]{1,100})"')


@dataclass(frozen=True, slots=True)
class RawRecord:
    data: Any  # the decoded JSON; None when `known`
    origin: str  # where it came from, for messages: "page.json itemList[3]"
    text: str | None = None  # the record's JSON as written in the file; None when it came decoded (the API)
    known: Unchanged | None = None  # a stored record, recognised by its text without decoding it


def iter_records(source: str | Path, stored: StoredRecords | None = None) -> Iterator[RawRecord]:
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
            yield from _iter_file(file, stored)
    elif path.is_file():
        yield from _iter_file(path, stored)
    else:
        raise FeedError(f"{path}: no such file or directory")


def _iter_file(path: Path, stored: StoredRecords | None) -> Iterator[RawRecord]:
    try:
        with path.open(encoding="utf-8-sig") as fh:
            first, consumed = _first_char(fh)
            if first == "[":
                yield from _iter_array(fh, path, consumed, stored)
            elif first == "{":
                yield from _iter_object_file(first + fh.read(), path, stored)
            else:
                raise FeedError(f"{path}: not JSON: expected an object or an array, found {first or 'an empty file'!r}")
    except UnicodeDecodeError as exc:
        raise FeedError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise FeedError(f"{path}: cannot be read: {exc.strerror or exc}") from exc


def _iter_object_file(text: str, path: Path, stored: StoredRecords | None) -> Iterator[RawRecord]:
    records = _page_records(text, path, stored) if '"itemList"' in text else None
    if records is not None:
        yield from records
        return
    body = text.rstrip(" \t\n\r")
    known = stored.recognise(body) if stored is not None else None
    if known is not None:  # one record, as stored before
        yield RawRecord(None, str(path), body, known)
        return
    # Anything the scan below does not take (one record, itemList null or not a list, invalid JSON) is decoded whole,
    # so it is accepted or refused with the same message as always.
    data = _load(text, path)
    if "itemList" not in data:
        yield RawRecord(data, str(path), body)
        return
    yield from _iter_object(data, path)


def _page_records(text: str, path: Path, stored: StoredRecords | None) -> list[RawRecord] | None:
    """The records of a page envelope whose itemList is a list, each with its text, the unchanged ones undecoded;
    None when the text is anything else (the caller then decodes it whole). The text starts with its "{"."""
    items: list[RawRecord] | None = None
    pos = _skip(text, 1)
    if text.startswith("}", pos):
        return None
    while True:
        if not text.startswith('"', pos):
            return None
        try:
            key, pos = _decoder.raw_decode(text, pos)
        except ValueError:
            return None
        pos = _skip(text, pos)
        if not text.startswith(":", pos):
            return None
        pos = _skip(text, pos + 1)
        if key == "itemList" and text.startswith("[", pos):
            found = _array_records(text, pos, f"{path} itemList", stored)
            if found is None:
                return None
            items, pos = found
        else:
            try:
                _, pos = _decoder.raw_decode(text, pos)
            except (ValueError, RecursionError):
                return None
            if key == "itemList":  # null, or not a list: as json.loads would, the last itemList counts
                items = None
        pos = _skip(text, pos)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
        elif text.startswith("}", pos):
            break
        else:
            return None
    if _skip(text, pos + 1) != len(text):
        return None
    return items


def _array_records(
    text: str, pos: int, origin: str, stored: StoredRecords | None
) -> tuple[list[RawRecord], int] | None:
    """The elements of the array at `pos` and the position after it; None on anything but a well-formed array."""
    records: list[RawRecord] = []
    pos = _skip(text, pos + 1)
    if text.startswith("]", pos):
        return records, pos + 1
    while True:
        where = f"{origin}[{len(records)}]"
        known = _known_at(text, pos, stored)
        if known is not None:
            records.append(RawRecord(None, where, known[0], known[1]))
            pos += len(known[0])
        else:
            try:
                value, end = _decoder.raw_decode(text, pos)
            except (ValueError, RecursionError):
                return None
            records.append(RawRecord(value, where, text[pos:end]))
            pos = end
        pos = _skip(text, pos)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
        elif text.startswith("]", pos):
            return records, pos + 1
        else:
            return None


def _known_at(text: str, pos: int, stored: StoredRecords | None) -> tuple[str, Unchanged] | None:
    """The text of the stored, unchanged record at `pos`, and which record it is; found without decoding it."""
    if stored is None:
        return None
    match = _ID_FIRST.match(text, pos)
    length = stored.length(match[1]) if match else None
    if length is None:
        return None
    body = text[pos : pos + length]
    known = stored.recognise(body)
    return (body, known) if known is not None else None


def _stored_length(text: str, stored: StoredRecords | None) -> int:
    """The stored length of the record that `text` starts with; 0 when there is none."""
    if stored is None:
        return 0
    match = _ID_FIRST.match(text)
    return (stored.length(match[1]) or 0) if match else 0


def _skip(text: str, pos: int) -> int:
    """The position of the first character at or after `pos` that is not JSON white space."""
    match = _WHITESPACE.match(text, pos)
    return match.end() if match else pos


def _iter_object(data: dict[str, Any], path: Path) -> Iterator[RawRecord]:
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


def _iter_array(fh: TextIO, path: Path, offset: int, stored: StoredRecords | None) -> Iterator[RawRecord]:
    """Decode the elements of a top-level JSON array one by one. The file is read up to its "[", `offset` chars."""
    buffer, eof = "", False  # offset counts the characters of the file consumed before `buffer`
    expect_value = True  # after "[" or ",": a value (or "]" right after "[") must come
    first = True
    index = 0
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
        if not eof and _stored_length(buffer, stored) > len(buffer):  # an unchanged record may end in the next chunk
            chunk = fh.read(max(_CHUNK, len(buffer)))
            buffer, eof = buffer + chunk, not chunk
            continue
        known = _known_at(buffer, 0, stored)
        if known is not None:
            yield RawRecord(None, f"{path} [{index}]", known[0], known[1])
            end = len(known[0])
            buffer, offset, expect_value, first, index = buffer[end:], offset + end, False, False, index + 1
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
        yield RawRecord(value, f"{path} [{index}]", buffer[:end])
        buffer, offset, expect_value, first, index = buffer[end:], offset + end, False, False, index + 1


def _beyond_limits(exc: ValueError | RecursionError) -> str:
    # Valid JSON that json still refuses, with these rather than JSONDecodeError: nesting deeper than Python's recursion
    # limit, and integers longer than int() reads (4300 digits).
    return "arrays or objects nested too deep" if isinstance(exc, RecursionError) else "a number with too many digits"
