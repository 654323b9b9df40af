"""The organiser overlay: both formats read to the same Overlay; every kind of mistake is reported, all or nothing."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from adapters.overlay import (
    COLUMNS,
    PROBLEM_CODES,
    Figure,
    Kind,
    Overlay,
    OverlayEntry,
    OverlayError,
    OverlayProblem,
    Period,
    VoucherService,
    dump_overlay_csv,
    dump_overlay_json,
    parse_overlay,
    parse_overlay_bytes,
    write_overlay,
)

A = "0001a1c4-6273-424f-8d17-2ac62be89741"
B = "32833c27-7d41-4267-800a-a9a888b513b7"
C = "abac25e1-bd15-4c1a-b22e-9d9a705d9220"

HEADER = list(COLUMNS)
ROWS: list[dict[str, str]] = [
    {
        "channel_id": A,
        "label": "Hyvinkään sote-keskus",
        "kinds": "sote_centre",
        "accepts_new_clients": "true",
        "t3_days": "12",
        "t3_period_start": "2025-07-01",
        "t3_period_end": "2025-09-30",
        "satisfaction": "4.2",
        "satisfaction_responses": "310",
        "satisfaction_period_start": "2025-04-01",
        "satisfaction_period_end": "2025-09-30",
        "nps": "38",
        "nps_responses": "295",
        "nps_period_start": "2025-04-01",
        "nps_period_end": "2025-09-30",
    },
    {
        "channel_id": B,
        "label": "Hammasrivi, Järvenpää",
        "kinds": "dental_unit|voucher_provider",
        "voucher_services": "dental_prosthetics",
        "accepts_new_clients": "false",
        "t3_days": "21",
        "t3_period_start": "2025-07-01",
        "t3_period_end": "2025-09-30",
    },
    {
        "channel_id": C,
        "label": "Kotikaari Hoiva",
        "kinds": "voucher_provider",
        "voucher_services": "home_nursing|home_care",
        "accepts_new_clients": "yes",
        "satisfaction": "4.6",
        "satisfaction_period_start": "2025-04-01",
        "satisfaction_period_end": "2025-09-30",
    },
]
JSON_DOCUMENT: dict[str, Any] = {
    "version": 1,
    "locations": [
        {
            "channel_id": A,
            "label": "Hyvinkään sote-keskus",
            "kinds": ["sote_centre"],
            "accepts_new_clients": True,
            "quality": {
                "t3": {"value": 12, "period": {"start": "2025-07-01", "end": "2025-09-30"}},
                "satisfaction": {
                    "value": 4.2,
                    "responses": 310,
                    "period": {"start": "2025-04-01", "end": "2025-09-30"},
                },
                "nps": {"value": 38, "responses": 295, "period": {"start": "2025-04-01", "end": "2025-09-30"}},
            },
        },
        {
            "channel_id": B,
            "label": "Hammasrivi, Järvenpää",
            "kinds": ["dental_unit", "voucher_provider"],
            "voucher_services": ["dental_prosthetics"],
            "accepts_new_clients": False,
            "quality": {"t3": {"value": 21, "period": {"start": "2025-07-01", "end": "2025-09-30"}}},
        },
        {
            "channel_id": C,
            "label": "Kotikaari Hoiva",
            "kinds": ["voucher_provider"],
            "voucher_services": ["home_nursing", "home_care"],
            "accepts_new_clients": True,
            "quality": {"satisfaction": {"value": 4.6, "period": {"start": "2025-04-01", "end": "2025-09-30"}}},
        },
    ],
}
T3_PERIOD = Period(date(2025, 7, 1), date(2025, 9, 30))
SURVEY_PERIOD = Period(date(2025, 4, 1), date(2025, 9, 30))
EXPECTED = Overlay(
    (
        OverlayEntry(
            A,
            (Kind.SOTE_CENTRE,),
            (),
            True,
            t3=Figure(12, T3_PERIOD),
            satisfaction=Figure(4.2, SURVEY_PERIOD, 310),
            nps=Figure(38, SURVEY_PERIOD, 295),
            label="Hyvinkään sote-keskus",
        ),
        OverlayEntry(
            B,
            (Kind.DENTAL_UNIT, Kind.VOUCHER_PROVIDER),
            (VoucherService.DENTAL_PROSTHETICS,),
            False,
            t3=Figure(21, T3_PERIOD),
            label="Hammasrivi, Järvenpää",
        ),
        OverlayEntry(
            C,
            (Kind.VOUCHER_PROVIDER,),
            (VoucherService.HOME_CARE, VoucherService.HOME_NURSING),
            True,
            satisfaction=Figure(4.6, SURVEY_PERIOD),
            label="Kotikaari Hoiva",
        ),
    )
)


def csv_text(rows: list[dict[str, str]] = ROWS, header: list[str] = HEADER, delimiter: str = ",") -> str:
    lines = [delimiter.join(header)]
    for row in rows:
        cells = [row.get(column, "") for column in header]
        lines.append(delimiter.join(f'"{c}"' if delimiter in c else c for c in cells))
    return "\n".join(lines) + "\n"


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path

    return write


def problems_of(path: Path) -> list[OverlayProblem]:
    with pytest.raises(OverlayError) as caught:
        parse_overlay(path)
    assert {p.code for p in caught.value.problems} <= PROBLEM_CODES
    return list(caught.value.problems)


def test_csv_and_json_read_to_the_same_overlay(write: Callable[[str, str | bytes], Path]) -> None:
    from_csv = parse_overlay(write("overlay.csv", csv_text()))
    from_json = parse_overlay(write("overlay.json", json.dumps(JSON_DOCUMENT, ensure_ascii=False)))
    assert from_csv == from_json == EXPECTED
    assert from_csv.get(B.upper()) == EXPECTED.entries[1]
    assert from_csv.channel_ids(Kind.VOUCHER_PROVIDER) == {B, C}
    assert from_csv.get("00000000-0000-0000-0000-000000000000") is None


def test_csv_as_a_finnish_spreadsheet_saves_it(write: Callable[[str, str | bytes], Path]) -> None:
    """Semicolons, decimal commas, Finnish yes/no, a BOM, CRLF line ends, spaces and empty rows."""
    rows = copy.deepcopy(ROWS)
    rows[0]["satisfaction"] = "4,2"
    rows[0]["accepts_new_clients"] = " Kyllä "
    rows[1]["accepts_new_clients"] = "ei"
    rows[2]["kinds"] = " Voucher_Provider "
    text = csv_text(rows, delimiter=";").replace("\n", "\r\n") + ";;;\r\n"
    assert parse_overlay(write("overlay.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))) == EXPECTED


def test_only_the_required_columns_are_needed(write: Callable[[str, str | bytes], Path]) -> None:
    header = ["channel_id", "kinds", "accepts_new_clients"]
    overlay = parse_overlay(write("overlay.csv", csv_text([ROWS[0]], header)))
    assert overlay.entries == (OverlayEntry(A, (Kind.SOTE_CENTRE,), (), True),)


def test_written_files_read_back_the_same(tmp_path: Path) -> None:
    for name in ("o.csv", "o.json"):
        assert parse_overlay(write_overlay(EXPECTED, tmp_path / name)) == EXPECTED
    assert dump_overlay_csv(EXPECTED).splitlines()[0] == ",".join(COLUMNS)
    assert json.loads(dump_overlay_json(EXPECTED))["locations"][1]["voucher_services"] == ["dental_prosthetics"]
    with pytest.raises(ValueError, match=r"\.csv or a \.json"):
        write_overlay(EXPECTED, tmp_path / "o.txt")


# Each case changes one row (index into ROWS) and names the one problem that must be found: (line, field, code).
CSV_CASES = [
    ("unknown kind", 0, {"kinds": "sote_center"}, 2, "kinds", "unknown_kind"),
    ("empty kind in the list", 0, {"kinds": "sote_centre|"}, 2, "kinds", "unknown_kind"),
    ("kind twice", 0, {"kinds": "sote_centre|sote_centre"}, 2, "kinds", "duplicate_kind"),
    ("no kind", 0, {"kinds": ""}, 2, "kinds", "required"),
    ("unknown voucher service", 2, {"voucher_services": "home_care|gardening"}, 4, "voucher_services",
     "unknown_voucher_service"),
    ("voucher service twice", 2, {"voucher_services": "home_care|home_care"}, 4, "voucher_services",
     "duplicate_voucher_service"),
    ("voucher provider without services", 2, {"voucher_services": ""}, 4, "voucher_services",
     "voucher_services_required"),
    ("services without voucher_provider", 0, {"voucher_services": "home_care"}, 2, "voucher_services",
     "voucher_services_not_allowed"),
    ("duplicate channel id", 2, {"channel_id": A.upper()}, 4, "channel_id", "duplicate_channel_id"),
    ("not a GUID", 1, {"channel_id": "Terveysasema 1"}, 3, "channel_id", "invalid_channel_id"),
    ("no channel id", 1, {"channel_id": ""}, 3, "channel_id", "required"),
    ("bad boolean", 1, {"accepts_new_clients": "maybe"}, 3, "accepts_new_clients", "invalid_boolean"),
    ("missing boolean", 1, {"accepts_new_clients": ""}, 3, "accepts_new_clients", "required"),
    ("T3 too long", 0, {"t3_days": "366"}, 2, "t3_days", "out_of_range"),
    ("T3 negative", 0, {"t3_days": "-1"}, 2, "t3_days", "out_of_range"),
    ("T3 not whole", 0, {"t3_days": "12.5"}, 2, "t3_days", "invalid_number"),
    ("satisfaction above 5", 0, {"satisfaction": "5.1"}, 2, "satisfaction", "out_of_range"),
    ("satisfaction in percent", 0, {"satisfaction": "84"}, 2, "satisfaction", "out_of_range"),
    ("satisfaction below 1", 0, {"satisfaction": "0.9"}, 2, "satisfaction", "out_of_range"),
    ("NPS above 100", 0, {"nps": "101"}, 2, "nps", "out_of_range"),
    ("NPS below -100", 0, {"nps": "-101"}, 2, "nps", "out_of_range"),
    ("NPS not a number", 0, {"nps": "good"}, 2, "nps", "invalid_number"),
    ("no responses", 0, {"nps_responses": "0"}, 2, "nps_responses", "out_of_range"),
    ("period ends before it starts", 0, {"nps_period_end": "2025-03-31"}, 2, "nps_period_end",
     "period_end_before_start"),
    ("figure without a period", 1, {"t3_period_start": "", "t3_period_end": ""}, 3, "t3_period", "missing_period"),
    ("period without an end", 0, {"satisfaction_period_end": ""}, 2, "satisfaction_period_end", "missing_period"),
    ("impossible date", 0, {"t3_period_end": "2025-09-31"}, 2, "t3_period_end", "invalid_date"),
    ("Finnish date", 0, {"t3_period_start": "1.7.2025"}, 2, "t3_period_start", "invalid_date"),
    ("period without a figure", 2, {"nps_period_start": "2025-04-01"}, 4, "nps_period_start", "period_without_value"),
    ("T3 for a voucher-only place", 2, {"t3_days": "3", "t3_period_start": "2025-07-01", "t3_period_end": "2025-09-30"},
     4, "t3_days", "not_applicable"),
    ("label too long", 1, {"label": "x" * 201}, 3, "label", "too_long"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("index", "change", "line", "field", "code"), [case[1:] for case in CSV_CASES], ids=[c[0] for c in CSV_CASES]
)
def test_csv_problem_is_reported_with_line_and_field(
    write: Callable[[str, str | bytes], Path], index: int, change: dict[str, str], line: int, field: str, code: str
) -> None:
    rows = copy.deepcopy(ROWS)
    rows[index].update(change)
    [problem] = problems_of(write("overlay.csv", csv_text(rows)))
    assert (problem.line, problem.field, problem.code) == (line, field, code)
    assert problem.json_path is None and problem.reason
    assert str(problem).startswith(f"line {line}: {field}: ")


@pytest.mark.parametrize(
    ("header", "field", "code"),
    [
        ([*HEADER, "comment"], "comment", "unknown_column"),
        ([c for c in HEADER if c != "accepts_new_clients"], "accepts_new_clients", "missing_column"),
        ([*HEADER, "kinds"], "kinds", "duplicate_column"),
    ],
)
def test_csv_header_problems(
    write: Callable[[str, str | bytes], Path], header: list[str], field: str, code: str
) -> None:
    problems = problems_of(write("overlay.csv", csv_text(ROWS, header)))
    assert [(p.line, p.field, p.code) for p in problems] == [(1, field, code)]


def test_csv_row_with_too_many_cells_and_lines_after_empty_rows(write: Callable[[str, str | bytes], Path]) -> None:
    lines = csv_text().splitlines()
    lines.insert(2, ",,,")  # an empty row: skipped, but still counted as a line
    lines[3] += ",surplus"
    problems = problems_of(write("overlay.csv", "\n".join(lines) + "\n"))
    assert [(p.line, p.code) for p in problems] == [(4, "wrong_cell_count")]


def test_csv_syntax_error_names_its_line(write: Callable[[str, str | bytes], Path]) -> None:
    lines = csv_text().splitlines()
    lines[2] = lines[2].replace("Hammasrivi, Järvenpää", '"Hammasrivi" Järvenpää')  # text after a closing quote
    problems = problems_of(write("overlay.csv", "\n".join(lines) + "\n"))
    assert [(p.line, p.code) for p in problems] == [(3, "syntax")]


def test_all_or_nothing_every_problem_at_once(write: Callable[[str, str | bytes], Path]) -> None:
    rows = copy.deepcopy(ROWS)
    rows[0]["nps"] = "150"
    rows[1]["accepts_new_clients"] = "joo"
    rows[2]["voucher_services"] = "home_care|laundry"
    with pytest.raises(OverlayError) as caught:
        parse_overlay(write("overlay.csv", csv_text(rows)))
    error = caught.value
    assert [(p.line, p.field) for p in error.problems] == [
        (2, "nps"),
        (3, "accepts_new_clients"),
        (4, "voucher_services"),
    ]
    assert "3 problem(s); nothing was read" in str(error) and "line 3: accepts_new_clients" in str(error)
    assert error.source.endswith("overlay.csv")


def test_empty_and_unreadable_files(write: Callable[[str, str | bytes], Path]) -> None:
    assert [p.code for p in problems_of(write("empty.csv", "\n\n"))] == ["empty"]
    assert [p.code for p in problems_of(write("latin1.csv", "channel_id,kinds\nä".encode("latin-1")))] == ["unreadable"]
    assert [p.code for p in problems_of(write("overlay.xlsx", b"PK"))] == ["unsupported_format"]
    assert [p.code for p in problems_of(Path("/nonexistent/overlay.csv"))] == ["unreadable"]
    with pytest.raises(ValueError, match="fmt must be"):
        parse_overlay_bytes(b"", "xml")


def _json_case(change: Callable[[dict[str, Any]], None]) -> str:
    document = copy.deepcopy(JSON_DOCUMENT)
    change(document)
    return json.dumps(document, ensure_ascii=False)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change that sets document[...] along a dotted path with [i] steps ("locations.0.quality.nps.value")."""

    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = document
        for step in parents:
            target = target[int(step)] if step.isdigit() else target[step]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return change


_DELETE = object()

JSON_CASES = [
    ("unknown field", _set("locations.0.colour", "blue"), "$.locations[0].colour", "colour", "unknown_field"),
    ("unknown top-level field", _set("organiser", "x"), "$.organiser", "organiser", "unknown_field"),
    ("unknown kind", _set("locations.0.kinds", ["clinic"]), "$.locations[0].kinds", "kinds", "unknown_kind"),
    ("kinds as a string", _set("locations.0.kinds", "sote_centre"), "$.locations[0].kinds", "kinds", "wrong_type"),
    ("unknown voucher service", _set("locations.2.voucher_services", ["taxi"]), "$.locations[2].voucher_services",
     "voucher_services", "unknown_voucher_service"),
    ("boolean as a string", _set("locations.1.accepts_new_clients", "false"), "$.locations[1].accepts_new_clients",
     "accepts_new_clients", "invalid_boolean"),
    ("NPS out of range", _set("locations.0.quality.nps.value", 150), "$.locations[0].quality.nps.value", "nps",
     "out_of_range"),
    ("T3 not whole", _set("locations.0.quality.t3.value", 12.5), "$.locations[0].quality.t3.value", "t3_days",
     "invalid_number"),
    ("number as text", _set("locations.0.quality.satisfaction.value", "4.2"),
     "$.locations[0].quality.satisfaction.value", "satisfaction", "invalid_number"),
    ("boolean as a number", _set("locations.0.quality.nps.value", True), "$.locations[0].quality.nps.value", "nps",
     "invalid_number"),
    ("missing period", _set("locations.0.quality.t3.period", _DELETE), "$.locations[0].quality.t3.period",
     "t3_period", "missing_period"),
    ("period end before start", _set("locations.0.quality.nps.period.end", "2025-01-01"),
     "$.locations[0].quality.nps.period.end", "nps_period_end", "period_end_before_start"),
    ("responses for T3", _set("locations.1.quality.t3.responses", 5), "$.locations[1].quality.t3.responses",
     "responses", "unknown_field"),
    ("duplicate channel id", _set("locations.2.channel_id", A), "$.locations[2].channel_id", "channel_id",
     "duplicate_channel_id"),
    ("wrong version", _set("version", 2), "$.version", "version", "unsupported_version"),
    ("no version", _set("version", _DELETE), "$.version", "version", "unsupported_version"),
    ("location not an object", _set("locations.1", "B"), "$.locations[1]", None, "wrong_type"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "path", "field", "code"), [case[1:] for case in JSON_CASES], ids=[c[0] for c in JSON_CASES]
)
def test_json_problem_is_reported_with_path_and_field(
    write: Callable[[str, str | bytes], Path],
    change: Callable[[dict[str, Any]], None],
    path: str,
    field: str,
    code: str,
) -> None:
    [problem] = problems_of(write("overlay.json", _json_case(change)))
    assert (problem.json_path, problem.field, problem.code) == (path, field, code)
    assert problem.line is None and problem.reason and str(problem).startswith(path)


def test_json_syntax_and_duplicate_keys(write: Callable[[str, str | bytes], Path]) -> None:
    [problem] = problems_of(write("broken.json", '{\n  "version": 1,\n  "locations": [\n    {"channel_id": }\n]}'))
    assert (problem.code, problem.line, problem.json_path) == ("syntax", 4, "$")
    [problem] = problems_of(write("nan.json", '{"version": 1, "locations": [], "x": NaN}'))
    assert problem.code == "syntax"
    text = json.dumps(JSON_DOCUMENT).replace(
        '"accepts_new_clients": true', '"accepts_new_clients": true, "kinds": ["sote_centre"]', 1
    )
    [problem] = problems_of(write("twice.json", text))
    assert (problem.code, problem.field, problem.json_path) == ("duplicate_key", "kinds", "$.locations[0]")
    assert [p.code for p in problems_of(write("list.json", "[]"))] == ["wrong_type"]


def test_pydantic_errors_come_out_as_the_documented_problems(write: Callable[[str, str | bytes], Path]) -> None:
    """A location is validated by pydantic: its own "missing" error is the documented `required`, ours keep their
    code, and every problem is placed by the error's location in the file."""
    document = copy.deepcopy(JSON_DOCUMENT)
    del document["locations"][1]["kinds"]
    document["locations"][1]["accepts_new_clients"] = None
    document["locations"][1]["quality"]["t3"]["period"]["start"] = "2025-10-01"
    problems = problems_of(write("overlay.json", json.dumps(document, ensure_ascii=False)))
    assert [(p.json_path, p.field, p.code, p.reason, p.value) for p in problems] == [
        ("$.locations[1].kinds", "kinds", "required", "required: at least one kind", None),
        ("$.locations[1].accepts_new_clients", "accepts_new_clients", "required", "required: true or false", None),
        (
            "$.locations[1].quality.t3.period.end",
            "t3_period_end",
            "period_end_before_start",
            "the period ends (2025-09-30) before it starts (2025-10-01)",
            None,
        ),
    ]


def test_the_examples_in_the_documentation_are_valid(tmp_path: Path) -> None:
    import re

    doc = (Path(__file__).resolve().parents[2] / "docs" / "catalogue-overlay.md").read_text(encoding="utf-8")
    examples = re.findall(r"```(csv|json)\n(.*?)```", doc, re.DOTALL)
    assert [fmt for fmt, _ in examples] == ["csv", "csv", "json"]
    for i, (fmt, body) in enumerate(examples):
        overlay = parse_overlay(write_overlay_text(tmp_path / f"example-{i}.{fmt}", body))
        assert len(overlay) >= 1
    table = doc.split("| code | when |", 1)[1].split("\n\n", 1)[0]
    documented = {code for row in table.splitlines()[2:] for code in re.findall(r"`([a-z_]+)`", row.split("|")[1])}
    assert documented == PROBLEM_CODES


def write_overlay_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
