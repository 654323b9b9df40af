"""The wallet export format (adapters/wallet_format.py): the records, their problem codes, the streamed JSON reader
and the CSV files, which must give the same records as the JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from adapters import wallet_format
from adapters.wallet_format import (
    FIELD_CODES,
    PROBLEM_CODES,
    PYDANTIC_CODES,
    BudgetRecord,
    HolderSettings,
    Problem,
    RawRecord,
    VoucherRecord,
    WalletFormatError,
    content_hash,
    parse_record,
    read_csv_export,
    read_export,
    read_json_bytes,
    record_id,
    write_csv_export,
)
from portal.auth import identity
from tests.wallet_samples import HASH_KEY, HOLDERS, LOCATION_ID, budget, client_voucher, export, transaction, voucher

REPO_ROOT = Path(__file__).resolve().parents[2]
HOLDERS_SETTINGS = HolderSettings(HASH_KEY, allow_temporary=True)


def parse(kind: str, data: Any, settings: HolderSettings = HOLDERS_SETTINGS) -> Any:
    return parse_record(RawRecord(kind, data, f"$.{kind}s[0]"), settings)


def problems(kind: str, data: Any) -> set[tuple[str, str]]:
    found = parse(kind, data)
    assert isinstance(found, list), f"accepted: {found!r}"
    return {(p.field, p.code) for p in found}


def test_a_voucher_is_read_into_cents_with_its_holder_hashed() -> None:
    record = parse("voucher", voucher())
    assert isinstance(record, VoucherRecord)
    assert record.holder_hash == identity.lookup_hash(HOLDERS[0], HASH_KEY)
    assert (record.value_per_unit, record.value_total, record.used) == (90_000, 90_000, 0)
    assert record.providers[0].id == LOCATION_ID  # a GUID in lower case, as the catalogue keeps it
    assert record.providers[0].price == 95_000 and record.providers[1].price is None
    assert record.service.name.en == ""
    dumped = json.dumps(record.model_dump(mode="json"))
    assert HOLDERS[0] not in dumped and HOLDERS[0].replace("-", "") not in dumped


def test_a_budget_is_read_with_its_allocations_and_transactions() -> None:
    record = parse("budget", budget())
    assert isinstance(record, BudgetRecord)
    assert record.total == 1_440_000 and [a.amount for a in record.allocations] == [720_000, 240_000]
    assert [(t.id, t.amount, t.status) for t in record.transactions] == [
        ("T-1", 34_500, "paid"),
        ("T-2", 34_500, "paid"),
        ("T-3", 19_000, "paid"),
    ]
    assert str(record.transactions[0].day) == "2026-05-02"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"id": None}, {("id", "required")}),
        ({"id": "a b"}, {("id", "invalid_id")}),
        ({"id": "x" * 65}, {("id", "too_long")}),
        ({"id": 12}, {("id", "wrong_type")}),
        ({"holder": "131052-308A"}, {("holder", "invalid_identity_code")}),  # the check character is wrong
        ({"holder": 1}, {("holder", "wrong_type")}),
        ({"kind": "gift"}, {("kind", "unknown_kind")}),
        ({"unit": "week"}, {("unit", "unknown_unit")}),
        ({"value_per_unit": "12.345"}, {("value_per_unit", "invalid_number")}),
        ({"value_per_unit": 0.1 + 0.2}, {("value_per_unit", "invalid_number")}),
        ({"value_per_unit": "12,50"}, {("value_per_unit", "invalid_number")}),  # JSON has decimal points
        ({"value_per_unit": float("nan")}, {("value_per_unit", "invalid_number")}),
        ({"value_per_unit": True}, {("value_per_unit", "wrong_type")}),
        ({"value_per_unit": "-5.00"}, {("value_per_unit", "negative_amount")}),
        ({"value_total": 30_000_000}, {("value_total", "out_of_range")}),
        ({"value_per_unit": None, "value_total": None}, {("value_per_unit", "value_required")}),
        ({"units_used": 2}, {("units_used", "used_exceeds_granted")}),
        ({"used": "900.01"}, {("used", "used_exceeds_granted")}),
        ({"units_granted": -1}, {("units_granted", "out_of_range")}),
        ({"units_granted": 1.5}, {("units_granted", "invalid_number")}),
        ({"valid_from": "2026-02-30"}, {("valid_from", "invalid_date")}),
        ({"valid_from": "1.11.2026"}, {("valid_from", "invalid_date")}),
        ({"valid_from": 20261101}, {("valid_from", "wrong_type")}),
        ({"valid_to": "2026-10-31"}, {("valid_to", "period_end_before_start")}),
        ({"decision_ref": ""}, {("decision_ref", "required")}),
        ({"decision_ref": "SHT\x00"}, {("decision_ref", "invalid_text")}),
        ({"service": {"code": "P5.10", "name": {"fi": "x" * 201}}}, {("service.name.fi", "too_long")}),
        ({"service": {"code": "P5.10", "name": {"sv": "Tand"}}}, {("service.name.fi", "required")}),
        ({"service": {"code": "P5.10", "name": {"fi": "Hammas\ud800"}}}, {("service.name.fi", "invalid_text")}),
        ({"service": "P5.10"}, {("service", "wrong_type")}),
        ({"providers": {"id": LOCATION_ID}}, {("providers", "wrong_type")}),
        ({"providers": [{"id": LOCATION_ID}, {"id": LOCATION_ID.upper()}]}, {("providers[1].id", "duplicate_id")}),
        ({"providers": [{"id": LOCATION_ID, "price": "abc"}]}, {("providers[0].price", "invalid_number")}),
        ({"providers": [{"price": "1.00"}]}, {("providers[0].id", "required")}),
        ({"colour": "red"}, {("colour", "unknown_field")}),
        ({"holder_hash": "0" * 64}, {("holder_hash", "unknown_field")}),  # the hash is the portal's, never input
        ({"refused_on": "yesterday"}, {("refused_on", "invalid_date")}),
    ],
)
def test_each_refusal_has_its_stable_code_and_field(changes: dict[str, Any], expected: set[tuple[str, str]]) -> None:
    assert problems("voucher", voucher(**changes)) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"period": {"start": "2026-04-01", "end": "2026-03-31"}}, {("period.end", "period_end_before_start")}),
        ({"period": {"start": "2026-04-01"}}, {("period.end", "required")}),
        ({"total": "1000.00"}, {("allocations", "allocations_exceed_total")}),
        ({"total": None}, {("total", "required")}),
        ({"transactions": [transaction(1, status="refunded")]}, {("transactions[0].status", "unknown_status")}),
        ({"transactions": [transaction(1, amount="-1.00")]}, {("transactions[0].amount", "negative_amount")}),
        ({"transactions": [transaction(1, date="2026-13-01")]}, {("transactions[0].date", "invalid_date")}),
        ({"transactions": [transaction(1), transaction(1)]}, {("transactions[1].id", "duplicate_id")}),
        ({"transactions": [transaction(1, provider={"name": "x"})]}, {("transactions[0].provider.id", "required")}),
        ({"transactions": [transaction(1, extra=1)]}, {("transactions[0].extra", "unknown_field")}),
        (
            {"allocations": [{"service": {"code": "m", "name": {"fi": "A"}}, "amount": 1}] * 2},
            {("allocations[1].service.code", "duplicate_id")},
        ),
    ],
)
def test_budget_refusals(changes: dict[str, Any], expected: set[tuple[str, str]]) -> None:
    assert problems("budget", budget(**changes)) == expected


def test_every_problem_is_reported_at_once_and_none_carries_the_identity_code() -> None:
    bad = voucher(kind="x", unit="y", valid_from="z", decision_ref=None, extra=1)
    found = parse("voucher", bad)
    assert {p.field for p in found} == {"kind", "unit", "valid_from", "decision_ref", "extra"}
    assert all(p.record_id == "V-1" and p.kind == "voucher" and p.where.startswith("$.vouchers[0]") for p in found)
    refused = parse("voucher", voucher(holder=HOLDERS[0][:-1] + "X"))
    assert [p.code for p in refused] == ["invalid_identity_code"]
    text = json.dumps([p.as_dict() for p in found + refused]) + " ".join(str(p) for p in found + refused)
    assert HOLDERS[0][:-1] not in text


def test_temporary_identity_codes_are_refused_unless_configured() -> None:
    strict = HolderSettings(HASH_KEY, allow_temporary=False)
    assert [p.code for p in parse("voucher", voucher(), strict)] == ["invalid_identity_code"]


def test_a_record_id_that_is_an_identity_code_is_not_repeated_in_the_report() -> None:
    found = parse("voucher", voucher(id=HOLDERS[2], kind="x"))
    assert [(p.code, p.record_id) for p in found] == [("unknown_kind", None)]
    assert record_id({"id": "V-1"}) == "V-1" and record_id({"id": 5}) is None and record_id([]) is None


def test_a_record_that_is_not_an_object_is_a_wrong_type() -> None:
    assert [p.code for p in parse("budget", ["B-1"])] == ["wrong_type"]


def test_the_code_tables_name_only_documented_codes() -> None:
    assert set(PYDANTIC_CODES.values()) <= PROBLEM_CODES and set(FIELD_CODES.values()) <= PROBLEM_CODES
    doc = (REPO_ROOT / "docs" / "wallet-format.md").read_text(encoding="utf-8")
    table = doc.split("## Problem reports", 1)[1].split("\n## ", 1)[0]
    first_cells = re.findall(r"^\| (`[^|]+`) \|", table, re.MULTILINE)
    documented = {code for cell in first_cells for code in re.findall(r"`([a-z_]+)`", cell)}
    assert documented == PROBLEM_CODES, sorted(documented ^ PROBLEM_CODES)


def test_the_content_hash_ignores_spelling_and_follows_content() -> None:
    first = parse("voucher", voucher())
    same = parse("voucher", voucher(value_per_unit=900, used=0, providers=[*voucher()["providers"]]))
    other = parse("voucher", voucher(units_used=1))
    assert content_hash(first) == content_hash(same) != content_hash(other)
    assert content_hash(first, "v2") != content_hash(first)


# -- the JSON reader --------------------------------------------------------------------------------------------


def dumped(data: Any = None, **kwargs: Any) -> bytes:
    return json.dumps(export() if data is None else data, ensure_ascii=False, **kwargs).encode()


def test_the_json_reader_gives_each_record_with_its_place() -> None:
    records = list(read_json_bytes(dumped()))
    assert [(r.kind, r.where) for r in records] == [
        ("voucher", "$.vouchers[0]"),
        ("voucher", "$.vouchers[1]"),
        ("budget", "$.budgets[0]"),
    ]
    assert [r.data for r in records] == [voucher(), client_voucher(), budget()]
    assert records[0].where_of("providers[1].price") == "$.vouchers[0].providers[1].price"


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
def test_the_stream_reads_the_same_records_whatever_the_chunk(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(wallet_format, "READ_CHUNK", chunk)
    data = export([voucher(id=f"V-{n}", used=n) for n in range(30)], [budget(), budget(id="B-2")])
    text = dumped(data, indent=2).replace(b'"used": 1', b'"used": 1.00')  # numbers that end at a chunk's edge
    records = list(read_json_bytes(b"\xef\xbb\xbf" + text))  # a byte-order mark is fine
    assert [r.data["id"] for r in records] == [f"V-{n}" for n in range(30)] + ["B-1", "B-2"]


def test_a_file_cut_short_anywhere_is_refused_as_truncated_or_unreadable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wallet_format, "READ_CHUNK", 16)
    data = dumped(indent=1)
    for cut in range(1, len(data) - 1, 7):
        with pytest.raises(WalletFormatError) as raised:
            list(read_json_bytes(data[:cut]))
        assert raised.value.problems[0].code in {"truncated", "unreadable"}, (cut, raised.value)
    with pytest.raises(WalletFormatError, match="cut short") as raised:
        list(read_json_bytes(data[: len(data) // 2]))
    assert raised.value.problems[0].code == "truncated" and "line" in raised.value.problems[0].where


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b"[]", "unsupported_format"),
        (b'{"vouchers": []}', "unsupported_format"),
        (b'{"format": "valinta.wallet/2", "vouchers": []}', "unsupported_format"),
        (b'{"format": "valinta.wallet/1", "persons": []}', "unknown_field"),
        (b'{"format": "valinta.wallet/1", "vouchers": [], "vouchers": []}', "duplicate_key"),
        (b'{"format": "valinta.wallet/1", "vouchers": {}}', "wrong_type"),
        (b'{"format": "valinta.wallet/1", "vouchers": [{"id": NaN}]}', "syntax"),
        (b'{"format": "valinta.wallet/1", "vouchers": [{"id": 1}}]}', "syntax"),
        (b'{"format": "valinta.wallet/1", "vouchers": [{"id": 1}]} {}', "syntax"),
        (b'{"format": "valinta.wallet/1", "vouchers": [{"id": "\xff"}]}', "unreadable"),
        (b'{"format": "valinta.wallet/1", "vouchers": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}", "syntax"),
    ],
)
def test_a_file_that_is_not_an_export_is_refused_whole(data: bytes, code: str) -> None:
    with pytest.raises(WalletFormatError) as raised:
        list(read_json_bytes(data))
    assert [p.code for p in raised.value.problems] == [code]


def test_records_that_are_not_objects_come_through_to_be_refused_one_by_one() -> None:
    records = list(read_json_bytes(b'{"format": "valinta.wallet/1", "budgets": [1, "x", null]}'))
    assert [r.data for r in records] == [1, "x", None]


# -- CSV --------------------------------------------------------------------------------------------------------


def test_the_csv_files_read_into_the_same_records_as_the_json(tmp_path: Path) -> None:
    data = export()
    files = write_csv_export(data, tmp_path)
    assert [f.name for f in files] == [
        "vouchers.csv",
        "budgets.csv",
        "budget_allocations.csv",
        "budget_transactions.csv",
    ]
    from_csv = [parse_record(raw, HOLDERS_SETTINGS) for raw in read_export(list(reversed(files)))]
    from_json = [parse_record(raw, HOLDERS_SETTINGS) for raw in read_json_bytes(dumped(data))]
    assert all(isinstance(r, VoucherRecord | BudgetRecord) for r in from_csv + from_json), from_csv
    assert [content_hash(r) for r in from_csv] == [content_hash(r) for r in from_json]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


VOUCHER_HEADER = "id;holder;service_code;service_name_fi;kind;unit;value_per_unit;valid_from;valid_to;decision_ref"


def test_a_finnish_spreadsheet_with_semicolons_and_decimal_commas_is_read(tmp_path: Path) -> None:
    vouchers = write(
        tmp_path,
        "setelit.csv",
        "\ufeff"
        + VOUCHER_HEADER.upper()
        + ";providers;provider_names\n"
        + f"V-9;{HOLDERS[0]};home_care;Kotihoito;client;hour;38,50;2026-01-01;2026-12-31;KH-1;"
        + f"{LOCATION_ID}=39,90|other=;Kotikaari|Muu\n\n",
    )
    (raw,) = read_csv_export([vouchers])
    record = parse_record(raw, HOLDERS_SETTINGS)
    assert isinstance(record, VoucherRecord), record
    assert record.value_per_unit == 3850
    assert [(p.id, p.name, p.price) for p in record.providers] == [
        (LOCATION_ID, "Kotikaari", 3990),
        ("other", "Muu", None),
    ]


def test_csv_problems_name_the_file_line_and_column(tmp_path: Path) -> None:
    files = write_csv_export(
        export(
            [voucher(unit="week")],
            [budget(transactions=[transaction(1), transaction(2, status="refunded")])],
        ),
        tmp_path,
    )
    found = [parse_record(raw, HOLDERS_SETTINGS) for raw in read_csv_export(files)]
    assert [(p.code, p.where) for p in found[0]] == [("unknown_unit", "vouchers.csv line 2, column unit")]
    assert [(p.code, p.field, p.where) for p in found[1]] == [
        ("unknown_status", "transactions[1].status", "budget_transactions.csv line 3, column status")
    ]


def test_rows_for_a_budget_the_export_does_not_have_are_refused(tmp_path: Path) -> None:
    files = write_csv_export(export([], [budget()]), tmp_path)
    transactions = files[3]
    transactions.write_text(
        transactions.read_text(encoding="utf-8") + "B-404,T-1,2026-05-01,p,home_care,1.00,paid,\n", encoding="utf-8"
    )
    found = [parse_record(raw, HOLDERS_SETTINGS) for raw in read_csv_export(files)]
    assert isinstance(found[0], BudgetRecord)
    assert [(p.code, p.record_id, p.where) for p in found[1]] == [
        ("unknown_budget", "B-404", "budget_transactions.csv line 5, column budget_id")
    ]


def test_a_provider_cell_that_does_not_add_up_is_refused(tmp_path: Path) -> None:
    text = VOUCHER_HEADER + ";providers;provider_names\n"
    row = f"V-9;{HOLDERS[0]};home_care;Kotihoito;client;hour;38;2026-01-01;2026-12-31;KH-1"
    vouchers = write(tmp_path, "v.csv", text + row + ";a=1|b=2;Only one\n" + row.replace("V-9", "V-8") + ";=5;\n")
    found = [parse_record(raw, HOLDERS_SETTINGS) for raw in read_csv_export([vouchers])]
    assert [[(p.code, p.field) for p in f] for f in found] == [[("invalid_list", "providers")]] * 2


def test_a_row_with_more_cells_than_the_header_is_refused(tmp_path: Path) -> None:
    row = f"V-9;{HOLDERS[0]};home_care;Kotihoito;client;hour;38;2026-01-01;2026-12-31;KH-1;surprise\n"
    (raw,) = read_csv_export([write(tmp_path, "v.csv", VOUCHER_HEADER + "\n" + row)])
    assert [p.code for p in parse_record(raw, HOLDERS_SETTINGS)] == ["wrong_cell_count"]


@pytest.mark.parametrize(
    ("header", "codes"),
    [
        ("name,address\n", ["unsupported_format"]),
        (VOUCHER_HEADER.replace(";decision_ref", ";colour") + "\n", ["unknown_column", "missing_column"]),
        (VOUCHER_HEADER + ";kind\n", ["duplicate_column"]),
        ("budget_id,id,date,provider_id,service_code,amount\n", ["missing_column"]),
        ("", ["empty"]),
    ],
)
def test_a_csv_header_that_does_not_fit_refuses_the_file(tmp_path: Path, header: str, codes: list[str]) -> None:
    with pytest.raises(WalletFormatError) as raised:
        list(read_csv_export([write(tmp_path, "x.csv", header)]))
    assert [p.code for p in raised.value.problems] == codes


def test_two_files_of_one_kind_or_mixed_formats_are_refused(tmp_path: Path) -> None:
    files = write_csv_export(export(), tmp_path)
    copy = write(tmp_path, "again.csv", files[0].read_text(encoding="utf-8"))
    with pytest.raises(WalletFormatError, match="two vouchers files"):
        list(read_export([files[0], copy]))
    with pytest.raises(WalletFormatError) as raised:
        read_export([files[0], tmp_path / "export.json"])
    assert raised.value.problems[0].code == "unsupported_format"
    with pytest.raises(WalletFormatError) as raised:
        list(read_export([tmp_path / "missing.json"]))
    assert raised.value.problems[0].code == "unreadable"


def test_a_problem_reads_as_one_line() -> None:
    problem = Problem("unknown_status", "must be one of ...", "transactions[1].status", "budget", "B-1", "$.budgets[0]")
    assert str(problem) == "budget B-1 ($.budgets[0]): transactions[1].status: unknown_status: must be one of ..."
    assert str(Problem("truncated", "cut short", where="x.json line 3")) == "file (x.json line 3): truncated: cut short"
