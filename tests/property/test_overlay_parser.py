"""Properties of the overlay parser (adapters/overlay.py): any bytes give an `Overlay` fit to store, or an
`OverlayError` listing problems with documented codes and a place (docs/catalogue-overlay.md). Nothing else escapes."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from adapters.overlay import (
    LABEL_MAX_LENGTH,
    PROBLEM_CODES,
    Kind,
    Overlay,
    OverlayError,
    dump_overlay_csv,
    dump_overlay_json,
    parse_overlay_bytes,
)
from portal.catalogue.overlay import approval_row
from tests.property.strategies import PARSER, overlay_csv, overlay_json, overlays

# A failing example is a whole file; hypothesis warns that it is long to print, and pytest would fail on the warning.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

FORMATS = st.sampled_from(["csv", "json"])
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
FILE_LEVEL = {"unreadable", "empty"}  # problems with the file as a whole: no line, no JSON path
A = "e3e70682-c209-4cac-629f-6fbed82c07cd"
CSV_HEADER = b"channel_id,kinds,accepts_new_clients,label,t3_days,t3_period_start,t3_period_end\n"


def _json(quality: str = "", label: str = "") -> bytes:
    location = f'"channel_id": "{A}", "kinds": ["sote_centre"], "accepts_new_clients": true'
    location += f', "label": "{label}"' if label else ""
    location += f', "quality": {{{quality}}}' if quality else ""
    return f'{{"version": 1, "locations": [{{{location}}}]}}'.encode()


def _readable(text: str) -> None:
    assert isinstance(text, str) and text.strip()
    text.encode("utf-8")  # a message that cannot be printed or stored is not a clear error


def _check_stored_text(text: str) -> None:
    """Text a database column takes on both engines: UTF-8, and no NUL (PostgreSQL refuses it)."""
    text.encode("utf-8")
    assert "\x00" not in text


def _check_overlay(overlay: Overlay) -> None:
    ids = [entry.channel_id for entry in overlay.entries]
    assert len(ids) == len(set(ids))
    for entry in overlay.entries:
        assert GUID.fullmatch(entry.channel_id)
        assert entry.kinds and list(entry.kinds) == sorted(set(entry.kinds), key=list(Kind).index)
        assert bool(entry.voucher_services) == (Kind.VOUCHER_PROVIDER in entry.kinds)
        assert len(entry.label) <= LABEL_MAX_LENGTH
        _check_stored_text(entry.label)
        for figure in (entry.t3, entry.satisfaction, entry.nps):
            if figure is not None:
                assert figure.period.start <= figure.period.end
                assert figure.responses is None or 1 <= figure.responses <= 10_000_000
        assert entry.t3 is None or (0 <= entry.t3.value <= 365 and isinstance(entry.t3.value, int))
        assert entry.satisfaction is None or 1 <= entry.satisfaction.value <= 5
        assert entry.nps is None or (-100 <= entry.nps.value <= 100 and isinstance(entry.nps.value, int))
        for value in approval_row(entry).values():
            if isinstance(value, str):
                _check_stored_text(value)


def _check_error(error: OverlayError, fmt: str) -> None:
    assert error.problems
    for problem in error.problems:
        assert problem.code in PROBLEM_CODES
        _readable(problem.reason)
        assert str(problem).isprintable(), problem  # one line; no NUL, no lone surrogate
        if problem.code in FILE_LEVEL:
            continue
        if fmt == "json":
            assert problem.json_path and problem.json_path.startswith("$"), problem
        else:
            assert problem.line and problem.line >= 1 and problem.json_path is None, problem
    _readable(str(error))


def _parse(data: bytes, fmt: str) -> Overlay | None:
    try:
        overlay = parse_overlay_bytes(data, fmt)
    except OverlayError as error:
        _check_error(error, fmt)
        return None
    _check_overlay(overlay)
    return overlay


@given(st.binary(max_size=300), FORMATS)
@PARSER
@example(b"", "csv")
@example(b"\xef\xbb\xbf", "json")
@example(b"[" * 100_000, "json")  # json.loads raises RecursionError, not JSONDecodeError
# Problems named an unknown key or column as written: a line break split the problem, a lone surrogate made the
# message unprintable.
@example(b'{"version": 1, "locations": [], "\\ud800": 1, "\\ud800": 2}', "json")
@example(b'{"version": 1, "locations": [{"a\\nb\\u0000": 1}]}', "json")
@example(b'channel_id,kinds,accepts_new_clients,"a\nb"\n', "csv")
def test_any_bytes_parse_or_are_refused_with_an_overlay_error(data: bytes, fmt: str) -> None:
    _parse(data, fmt)


@given(overlay_csv())
@PARSER
# Found by these properties: a ValueError (int() of 5000 digits) and a label PostgreSQL cannot store.
@example(CSV_HEADER + f"{A},sote_centre,true,,{'1' * 5000},2025-01-01,2025-03-31\n".encode())
@example(CSV_HEADER + f"{A},sote_centre,true,a\x00b,,,\n".encode())
def test_a_csv_file_parses_or_is_refused_with_an_overlay_error(data: bytes) -> None:
    _parse(data, "csv")


@given(overlay_json())
@PARSER
# Found by these properties: an OverflowError (float() of a 400-digit integer), labels that cannot be stored.
@example(
    _json(quality=f'"satisfaction": {{"value": {10**400}, "period": {{"start": "2025-01-01", "end": "2025-03-31"}}}}')
)
@example(_json(label="\\u0000"))
@example(_json(label="\\ud800"))
def test_a_json_file_parses_or_is_refused_with_an_overlay_error(data: bytes) -> None:
    _parse(data, "json")


@given(overlays(), FORMATS)
@PARSER
def test_a_written_overlay_reads_back_the_same(overlay: Overlay, fmt: str) -> None:
    text = dump_overlay_csv(overlay) if fmt == "csv" else dump_overlay_json(overlay)
    assert parse_overlay_bytes(text.encode("utf-8"), fmt) == overlay
