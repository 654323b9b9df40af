"""Properties of the PTV reader (adapters/ptv): any record parses or is rejected as a `RecordError`; any file is read
or refused as a `FeedError`. Nothing else escapes, whatever the input (docs/catalogue.md, adapters/ptv/errors.py)."""

from __future__ import annotations

import re
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from adapters.ptv import Feed, FeedError, Organisation, RecordError, Service, ServiceLocation, read_feed, v11
from adapters.ptv.v11 import parse_record
from tests.property.strategies import JSON_VALUE, PARSER, mutated, ptv_file, ptv_record

# A failing example is a whole file; hypothesis warns that it is long to print, and pytest would fail on the warning.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

CHANNEL_ID = "0001a1c4-6273-424f-8d17-2ac62be89741"
ORGANISATION_ID = "00022b78-dd97-4a66-8846-68b179d983e0"
NAME = {"language": "fi", "value": "Terveysasema", "type": "Name"}
A_LOCATION = {
    "id": CHANNEL_ID,
    "serviceChannelType": "ServiceLocation",
    "organizationId": ORGANISATION_ID,
    "serviceChannelNames": [NAME],
}
A_SERVICE = {"id": CHANNEL_ID, "serviceNames": [NAME]}
STREET = {"type": "Location", "subType": "Single", "streetAddress": {"latitude": "6730000", "longitude": "258000"}}


def _with(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**record, **changes}


def _readable(text: str) -> None:
    assert isinstance(text, str) and text.strip()
    text.encode("utf-8")  # a message that cannot be printed or stored is not a clear error


def _check_record_error(error: RecordError) -> None:
    assert isinstance(error.field, str)
    _readable(error.reason)
    _readable(str(error))
    assert not re.fullmatch(r"expected (an? \w+), got \1", error.reason), error  # "expected a string, got a string"


def _check_item(item: Any) -> None:
    assert isinstance(item, ServiceLocation | Service | Organisation)
    assert str(uuid.UUID(item.id)) == item.id  # canonical, lower case
    assert item.names  # a record without a name in fi, sv or en is rejected
    if isinstance(item, ServiceLocation):
        assert str(uuid.UUID(item.organisation_id)) == item.organisation_id
        lat_lon = item.coordinates
        assert lat_lon is None or (59 < lat_lon[0] < 71 and 19 < lat_lon[1] < 32)


@given(mutated(ptv_record()))
@PARSER
# Found by this property; each was an uncaught exception (TypeError, OverflowError) or a wrong rejection.
@example(_with(A_LOCATION, serviceChannelNames=[NAME, {"language": "fi", "value": "x", "type": []}]))  # unhashable
@example(_with(A_LOCATION, displayNameType=[{"type": "AlternativeName", "language": []}]))
@example(_with(A_LOCATION, addresses=[{**STREET, "type": {}}]))
@example(_with(A_SERVICE, organizations=[{"organization": {"id": ORGANISATION_ID}, "roleType": []}]))
@example(_with(A_LOCATION, addresses=[{**STREET, "streetAddress": {"latitude": 10**400, "longitude": "258000"}}]))
@example(_with(A_LOCATION, modified="0001-01-01T00:00:00+05:00"))  # valid text, no UTC time
@example(_with(A_LOCATION, serviceHours=[{"serviceHourType": "Exceptional", "validFrom": "9999-12-31T23:00:00-05:00"}]))
@example(_with(A_LOCATION, serviceChannelDescriptions=[{"language": "fi", "value": " ", "type": "Summary"}]))
@example(_with(A_LOCATION, id="a\ud800\x00"))  # the error named the record by this raw id: not UTF-8
def test_a_record_parses_or_is_rejected_with_a_record_error(raw: Any) -> None:
    try:
        parsed = parse_record(raw)
    except RecordError as error:
        _check_record_error(error)
        return
    assert parsed.kind in (v11.LOCATION, v11.SERVICE, v11.ORGANISATION, v11.CHANNEL)
    assert sum((parsed.item is not None, parsed.removed, parsed.kind == v11.CHANNEL and parsed.item is None)) == 1
    if parsed.item is not None:
        _check_item(parsed.item)
        assert parsed.item.id == parsed.record_id
    for warning in parsed.warnings:
        _readable(str(warning))


@given(JSON_VALUE)
@PARSER
def test_any_json_value_parses_or_is_rejected_with_a_record_error(raw: Any) -> None:
    try:
        parsed = parse_record(raw)
    except RecordError as error:
        _check_record_error(error)
    else:
        if parsed.item is not None:
            _check_item(parsed.item)


def _read(data: bytes, name: str = "feed.json") -> Feed:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        feed = read_feed(path)
        try:
            items = list(feed)
        except FeedError as error:
            _readable(str(error))
            return feed
    for item in items:
        _check_item(item)
    for error in feed.report.rejected:
        _check_record_error(error)
    _readable(feed.report.summary())
    return feed


@given(ptv_file())
@PARSER
def test_a_feed_file_is_read_or_refused_with_a_feed_error(data: bytes) -> None:
    _read(data)


@given(st.binary(max_size=300))
@PARSER
@example(b"")
@example(b"\xef\xbb\xbf")
# Valid JSON that json.loads refuses with a RecursionError or a ValueError, not a JSONDecodeError: they escaped.
@example(b"[" * 100_000)
@example(b'{"itemList": [' + b"1" * 5000 + b"]}")
@example(b"[" + b"1" * 5000 + b"]")
@example(b'{"id": ' + b"[" * 100_000)
def test_any_bytes_are_read_or_refused_with_a_feed_error(data: bytes) -> None:
    _read(data)
