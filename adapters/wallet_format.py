"""The voucher and budget exports of the organiser's voucher system, as the portal reads them (docs/wallet-format.md).

Three ways in, one record shape: a JSON export (`{"format": "valinta.wallet/1", "vouchers": [...], "budgets":
[...]}`, read as a stream, one record at a time), CSV exports (one file per kind, told apart by their headers) and
the HTTP API (adapters/wallet_http.py), each giving `RawRecord`s. `parse_record` validates one with the pydantic
models below and gives either a `VoucherRecord` / `BudgetRecord` or its `Problem`s, each with a stable code from
`PROBLEM_CODES` (pydantic's error types are mapped in `PYDANTIC_CODES`; the checks across fields raise ours).

A holder's personal identity code is validated and replaced by its keyed hash while the record is validated: a
parsed record has `holder_hash` only, and no problem, report or log line ever carries the code (pydantic is told to
hide inputs in its errors as well, and the record's id is dropped from a report if it looks like an identity code).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import math
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError
from stdnum.fi import hetu as stdnum_hetu

from portal.auth import identity

FORMAT = "valinta.wallet/1"
MAX_CENTS = 2_000_000_000  # 20 million euros: the database keeps cents in a 32-bit integer
MAX_UNITS = 1_000_000
MAX_RECORD_CHARS = 64 * 1024 * 1024  # one record of a JSON export, read whole; a budget of 2 000 rows is ~0.3 MB
READ_CHUNK = 1024 * 1024
UNITS = ("visit", "hour", "day", "month", "treatment")
STATUSES = ("reserved", "paid", "cancelled")
KINDS = ("client", "service")

# Every Problem.code, as docs/wallet-format.md lists them; stable, for translated messages.
PROBLEM_CODES = frozenset(
    {
        # the file or the response as a whole
        "unsupported_format", "unreadable", "empty", "syntax", "truncated", "too_large", "duplicate_key",
        "unknown_column", "missing_column", "duplicate_column", "duplicate_file",
        # one record
        "required", "wrong_type", "unknown_field", "too_long", "invalid_text", "invalid_id", "invalid_number",
        "negative_amount", "out_of_range", "invalid_date", "unknown_kind", "unknown_unit", "unknown_status",
        "invalid_identity_code", "value_required", "period_end_before_start", "used_exceeds_granted",
        "allocations_exceed_total", "duplicate_id", "wrong_cell_count", "invalid_list", "unknown_budget",
        # against the portal's data, and the API
        "unknown_holder", "unknown_provider", "api_error",
    }
)  # fmt: skip

# pydantic's error type -> our code. A custom error (PydanticCustomError) raised below already has one of ours.
PYDANTIC_CODES = {
    "missing": "required",
    "string_too_short": "required",
    "too_short": "required",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "string_pattern_mismatch": "invalid_text",
    "string_unicode": "invalid_text",
    "string_type": "wrong_type",
    "model_type": "wrong_type",
    "model_attributes_type": "wrong_type",
    "dict_type": "wrong_type",
    "list_type": "wrong_type",
    "extra_forbidden": "unknown_field",
}
# The same error type means something more precise in some fields: (last part of the path, error type) -> code.
FIELD_CODES = {
    ("id", "string_pattern_mismatch"): "invalid_id",
    ("code", "string_pattern_mismatch"): "invalid_id",
    ("service_code", "string_pattern_mismatch"): "invalid_id",
    ("kind", "literal_error"): "unknown_kind",
    ("unit", "literal_error"): "unknown_unit",
    ("status", "literal_error"): "unknown_status",
}
REASONS = {
    "required": "a value is required here",
    "wrong_type": "the value has the wrong type (text, number, list or object)",
    "unknown_field": "a field the format does not have",
    "too_long": "longer than the portal stores",
    "invalid_text": "a character that cannot be stored (a control character, NUL or a lone surrogate)",
    "invalid_id": "not an id: 1-64 characters without spaces or control characters",
    "unknown_kind": "must be client or service",
    "unknown_unit": "must be one of " + ", ".join(UNITS),
    "unknown_status": "must be one of " + ", ".join(STATUSES),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a record (or the whole file). `field` is the path inside the record in the JSON shape,
    e.g. `transactions[3].amount`; `where` says where the record is (`$.budgets[12]`, `budgets.csv line 14`, an API
    page). Never carries a value of the record: `record_id` is the source's id (not the holder), and `reason` is an
    English sentence for the log; show a translated message by `code` instead."""

    code: str
    reason: str
    field: str = ""
    kind: str = ""  # voucher, budget, or "" for the file
    record_id: str | None = None
    where: str = ""
    severity: Literal["error", "warning"] = "error"

    def as_dict(self) -> dict[str, str | None]:
        return {
            "severity": self.severity,
            "code": self.code,
            "kind": self.kind,
            "record_id": self.record_id,
            "field": self.field,
            "where": self.where,
            "reason": self.reason,
        }

    def __str__(self) -> str:
        what = f"{self.kind} {self.record_id or '<no id>'}" if self.kind else "file"
        where = f" ({self.where})" if self.where else ""
        place = f"{self.field}: " if self.field else ""
        return f"{what}{where}: {place}{self.code}: {self.reason}"


class WalletFormatError(Exception):
    """The export as a whole cannot be read (not JSON, cut short, a CSV file of no known kind...): nothing in it may
    be imported. `problems` says why, with stable codes."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems[:5]))


def _file_error(code: str, reason: str, where: str = "") -> WalletFormatError:
    return WalletFormatError([Problem(code, reason, where=where)])


# -- the records --------------------------------------------------------------------------------------------------


def _euros(value: Any) -> int:
    """Euros with at most two decimals (a JSON number or a string "12.50") -> cents."""
    if value is None:
        raise PydanticCustomError("required", "a value is required here")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PydanticCustomError("wrong_type", 'euros must be a number or a string such as "12.50"')
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("invalid_number", "not a finite number")
    if isinstance(value, int):
        cents = value * 100
    else:
        match = _EUROS.match(repr(value) if isinstance(value, float) else value)
        if match is None:
            raise PydanticCustomError("invalid_number", "euros with at most two decimals, such as 12.50")
        sign, whole, decimals = match.groups()
        cents = (int(whole) * 100 + int((decimals or "").ljust(2, "0"))) * (-1 if sign else 1)
    if cents < 0:
        raise PydanticCustomError("negative_amount", "an amount cannot be negative")
    if cents > MAX_CENTS:
        raise PydanticCustomError("out_of_range", "more than the portal stores (20 000 000 euros)")
    return cents


_EUROS = re.compile(r"^(-?)(\d{1,12})(?:\.(\d{1,2}))?$", re.ASCII)


def _count(value: Any) -> int:
    if value is None:
        raise PydanticCustomError("required", "a value is required here")
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError(
            "invalid_number" if isinstance(value, str | float) else "wrong_type", "a whole number is needed"
        )
    if not 0 <= value <= MAX_UNITS:
        raise PydanticCustomError("out_of_range", "a whole number from 0 to 1 000 000")
    return value


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day(value: Any) -> date:
    if value is None:
        raise PydanticCustomError("required", "a value is required here")
    if not isinstance(value, str):
        raise PydanticCustomError("wrong_type", "a date is written as text, YYYY-MM-DD")
    if not _DAY.match(value):
        raise PydanticCustomError("invalid_date", "not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("invalid_date", "not a real date") from None


_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
_ID_PATTERN = r"^[^\s\x00-\x1f\x7f]+$"


def _optional(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else check(value)


Euros = Annotated[int, BeforeValidator(_euros)]
OptionalEuros = Annotated[int | None, BeforeValidator(_optional(_euros))]
Count = Annotated[int, BeforeValidator(_count)]
OptionalCount = Annotated[int | None, BeforeValidator(_optional(_count))]
Day = Annotated[date, BeforeValidator(_day)]
OptionalDay = Annotated[date | None, BeforeValidator(_optional(_day))]
SourceId = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=64, pattern=_ID_PATTERN)]
# PTV ids are GUIDs, which the catalogue keeps in lower case: a provider id is read in lower case.
ProviderId = Annotated[
    str, StringConstraints(strict=True, min_length=1, max_length=64, pattern=_ID_PATTERN, to_lower=True)
]
ServiceCode = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=120, pattern=_ID_PATTERN)]
Name = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200, pattern=_PRINTABLE)]
OptionalName = Annotated[str, StringConstraints(strict=True, max_length=200, pattern=_PRINTABLE)]
DecisionRef = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=64, pattern=_PRINTABLE)]
OptionalDecisionRef = Annotated[str, StringConstraints(strict=True, max_length=64, pattern=_PRINTABLE)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True, validate_by_name=False)


class Names(_Model):
    fi: Name
    sv: OptionalName = ""
    en: OptionalName = ""


class ServiceRef(_Model):
    code: ServiceCode  # the PTV service class (ptvserclass2, such as P4.3) or the system's own service code
    name: Names


class _Held(_Model):
    """A record with a holder: the identity code is validated and hashed here, and only the hash is kept."""

    id: SourceId
    holder_hash: str = Field(alias="holder")

    @field_validator("holder_hash", mode="before")
    @classmethod
    def _hash_holder(cls, value: Any, info: ValidationInfo) -> str:
        settings = info.context.get("holders") if isinstance(info.context, dict) else None
        if not isinstance(settings, HolderSettings):
            raise RuntimeError("parse records with context={'holders': HolderSettings(...)}")
        if not isinstance(value, str):
            raise PydanticCustomError("wrong_type", "the holder's identity code is text")
        try:
            code = identity.validate(value.strip(), allow_temporary=settings.allow_temporary)
        except identity.InvalidHetu:
            raise PydanticCustomError("invalid_identity_code", "not a valid personal identity code") from None
        return identity.lookup_hash(code, settings.hash_key)


class VoucherProviderRecord(_Model):
    id: ProviderId  # a PTV service location id, or an organisation id
    name: OptionalName = ""
    price: OptionalEuros = None  # per unit, as the provider announced it; null: not announced


class VoucherRecord(_Held):
    service: ServiceRef
    kind: Literal["client", "service"]
    unit: Literal["visit", "hour", "day", "month", "treatment"]
    value_per_unit: OptionalEuros = None
    value_total: OptionalEuros = None
    units_granted: OptionalCount = None
    units_used: Count = 0
    used: Euros = 0
    valid_from: Day
    valid_to: Day
    decision_ref: DecisionRef
    providers: list[VoucherProviderRecord] = []
    refused_on: OptionalDay = None


class Period(_Model):
    start: Day
    end: Day


class Allocation(_Model):
    service: ServiceRef
    amount: Euros


class TransactionProvider(_Model):
    id: ProviderId
    name: OptionalName = ""


class Transaction(_Model):
    id: SourceId
    day: Day = Field(alias="date")
    provider: TransactionProvider
    service_code: ServiceCode
    amount: Euros
    status: Literal["reserved", "paid", "cancelled"]


class BudgetRecord(_Held):
    period: Period
    total: Euros
    decision_ref: OptionalDecisionRef = ""
    allocations: list[Allocation] = []
    transactions: list[Transaction] = []
    refused_on: OptionalDay = None


MODELS: dict[str, type[VoucherRecord] | type[BudgetRecord]] = {"voucher": VoucherRecord, "budget": BudgetRecord}


@dataclass(frozen=True)
class HolderSettings:
    """How holders' identity codes are checked and hashed: HETU_HASH_KEY and HETU_ALLOW_TEMPORARY."""

    hash_key: str = field(repr=False)
    allow_temporary: bool = False

    def __post_init__(self) -> None:
        if not self.hash_key:
            raise RuntimeError("HETU_HASH_KEY is not configured")


@dataclass(frozen=True)
class RawRecord:
    """One record as read, before validation. `locate(path)` names where a field is in the source (a JSON path, or a
    CSV file, line and column), for the report."""

    kind: Literal["voucher", "budget"]
    data: Any
    where: str
    problems: tuple[Problem, ...] = ()  # found by the reader already (a CSV row's cell count, say)
    locate: Callable[[str], str] | None = None

    def where_of(self, path: str) -> str:
        if self.locate is not None:
            return self.locate(path)
        return f"{self.where}.{path}" if path else self.where


def record_id(data: Any) -> str | None:
    """The record's own id for the report, or None: an id that is not a short string, or that is a valid identity
    code (a system that put the holder's code in the id field), is not repeated."""
    value = data.get("id") if isinstance(data, dict) else None
    if not isinstance(value, str) or not value or len(value) > 64 or not value.isprintable():
        return None
    if _LIKE_HETU.search(value) and stdnum_hetu.is_valid(value.strip(), allow_temporary=True):
        return None
    return value


_LIKE_HETU = re.compile(r"\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]", re.IGNORECASE)


def path_text(loc: Sequence[str | int]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _problem_code(error: Mapping[str, Any]) -> str:
    """Our code for one of pydantic's errors (its `input` is looked at here only, and never kept)."""
    error_type, loc = error["type"], error["loc"]
    if error_type in PROBLEM_CODES:
        return str(error_type)  # one of ours, raised by a validator above
    last = next((part for part in reversed(loc) if isinstance(part, str)), "")
    code = FIELD_CODES.get((last, error_type)) or PYDANTIC_CODES.get(error_type, "wrong_type")
    return "required" if code == "wrong_type" and error.get("input", ...) is None else code


def _reason(code: str, error: Mapping[str, Any]) -> str:
    if error["type"] in PROBLEM_CODES:
        return str(error["msg"])  # our own sentence; it never includes the value
    if code == "too_long":
        return f"longer than {error.get('ctx', {}).get('max_length', '?')} characters"
    return REASONS.get(code, "not a valid value here")


def parse_record(raw: RawRecord, holders: HolderSettings) -> VoucherRecord | BudgetRecord | list[Problem]:
    """The validated record, or every problem found in it (reader's, field and cross-field ones)."""
    rid = record_id(raw.data)
    problems = [_with(p, raw, rid) for p in raw.problems]
    if problems:
        return problems
    if not isinstance(raw.data, dict):
        return [Problem("wrong_type", f"a {raw.kind} is a JSON object", kind=raw.kind, where=raw.where)]
    try:
        record = MODELS[raw.kind].model_validate(raw.data, context={"holders": holders})
    except ValidationError as error:
        for item in error.errors(include_url=False, include_context=True):
            code = _problem_code(item)
            path = path_text(item["loc"])
            problems.append(Problem(code, _reason(code, item), path, raw.kind, rid, raw.where_of(path)))
        return problems
    checks = _voucher_checks(record) if isinstance(record, VoucherRecord) else _budget_checks(record)
    problems = [Problem(code, reason, path, raw.kind, rid, raw.where_of(path)) for path, code, reason in checks]
    return problems or record


def _with(problem: Problem, raw: RawRecord, rid: str | None) -> Problem:
    return Problem(
        problem.code,
        problem.reason,
        problem.field,
        raw.kind,
        rid,
        problem.where or raw.where_of(problem.field),
        problem.severity,
    )


def _duplicates(values: Iterable[str], path: Callable[[int], str], what: str) -> list[tuple[str, str, str]]:
    seen: dict[str, int] = {}
    found = []
    for number, value in enumerate(values):
        if value in seen:
            found.append((path(number), "duplicate_id", f"the same {what} as item {seen[value]}"))
        else:
            seen[value] = number
    return found


def _voucher_checks(record: VoucherRecord) -> list[tuple[str, str, str]]:
    found = []
    if record.value_per_unit is None and record.value_total is None:
        found.append(("value_per_unit", "value_required", "a voucher has a value per unit, in total, or both"))
    if record.valid_to < record.valid_from:
        found.append(("valid_to", "period_end_before_start", "the voucher's validity ends before it starts"))
    if record.units_granted is not None and record.units_used > record.units_granted:
        found.append(("units_used", "used_exceeds_granted", "more units used than granted"))
    if record.value_total is not None and record.used > record.value_total:
        found.append(("used", "used_exceeds_granted", "more euros used than the voucher's total value"))
    found += _duplicates((p.id for p in record.providers), lambda n: f"providers[{n}].id", "provider")
    return found


def _budget_checks(record: BudgetRecord) -> list[tuple[str, str, str]]:
    found = []
    if record.period.end < record.period.start:
        found.append(("period.end", "period_end_before_start", "the budget period ends before it starts"))
    if sum(a.amount for a in record.allocations) > record.total:
        found.append(("allocations", "allocations_exceed_total", "the allocations add up to more than the total"))
    found += _duplicates(
        (a.service.code for a in record.allocations), lambda n: f"allocations[{n}].service.code", "service"
    )
    found += _duplicates((t.id for t in record.transactions), lambda n: f"transactions[{n}].id", "transaction id")
    return found


def content_hash(record: VoucherRecord | BudgetRecord, version: str = "") -> str:
    """A hash of the validated record in one canonical form (so a CSV and a JSON export of the same data agree, and
    an unchanged record is skipped). The holder is in it as its keyed hash, never as the code."""
    # pydantic writes the fields in the models' order, so its JSON is canonical already (and written in Rust).
    return hashlib.sha256(version.encode() + record.model_dump_json().encode()).hexdigest()


# -- JSON, streamed -----------------------------------------------------------------------------------------------


def read_json_export(path: str | Path) -> Iterator[RawRecord]:
    """The records of a JSON export, one at a time: the file is never in memory whole. `format` must be the first
    key. Raises WalletFormatError (also midway, for a file cut short: its records so far must not be kept)."""
    name = Path(path).name
    try:
        handle = open(path, "rb")  # noqa: SIM115  closed by the generator's finally
    except OSError as error:
        raise _file_error("unreadable", f"cannot open the file: {error.strerror}", name) from None
    try:
        yield from _JsonStream(handle, name).records()
    finally:
        handle.close()


def read_json_bytes(data: bytes, name: str = "export.json") -> Iterator[RawRecord]:
    return _JsonStream(io.BytesIO(data), name).records()


class _JsonStream:
    """A JSON export read with the standard decoder one record at a time from a growing text buffer."""

    def __init__(self, handle: IO[bytes], name: str) -> None:
        self.handle = handle
        self.name = name
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.json = json.JSONDecoder(parse_constant=_no_constant)
        self.buf = ""
        self.pos = 0
        self.consumed = 0  # characters dropped from the front of the buffer
        self.lines = 1  # lines in what was dropped
        self.eof = False

    # plumbing

    def _fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.handle.read(READ_CHUNK)
        try:
            text = self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            raise _file_error("unreadable", "the file is not UTF-8 text", self.name) from None
        if not chunk:
            self.eof = True
        dropped = self.buf[: self.pos]
        self.lines += dropped.count("\n")
        self.consumed += self.pos
        self.buf = self.buf[self.pos :] + text
        self.pos = 0
        return bool(chunk)

    def _where(self, pos: int | None = None) -> str:
        at = self.pos if pos is None else pos
        line = self.lines + self.buf.count("\n", 0, at)
        return f"{self.name} line {line}"

    def _peek(self) -> str | None:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill() and self.pos >= len(self.buf):
                return None

    def _truncated(self) -> WalletFormatError:
        return _file_error(
            "truncated",
            f"the file ends in the middle of the JSON after {self.consumed + len(self.buf)} characters: it was "
            "probably cut short while being sent or copied; nothing was imported",
            self._where(len(self.buf)),
        )

    def _expect(self, allowed: str) -> str:
        char = self._peek()
        if char is None:
            raise self._truncated()
        if char not in allowed:
            expected = " or ".join(repr(c) for c in allowed)
            raise _file_error("syntax", f"expected {expected}, found {char!r}", self._where())
        self.pos += 1
        return char

    def _value(self) -> Any:
        if self._peek() is None:
            raise self._truncated()
        while True:
            try:
                value, end = self.json.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as error:
                near_end = error.pos >= len(self.buf) - 32 or error.msg.startswith("Unterminated string")
                if near_end and not self.eof:
                    self._grow()
                    continue
                if near_end:
                    raise self._truncated() from None
                raise _file_error("syntax", f"not valid JSON: {error.msg}", self._where(error.pos)) from None
            except RecursionError:
                raise _file_error("syntax", "JSON nested too deep to read", self._where()) from None
            except ValueError as error:  # a constant (NaN, Infinity) refused by _no_constant
                raise _file_error("syntax", str(error), self._where()) from None
            if end >= len(self.buf) and not self.eof:  # a number may go on in the next chunk
                self._grow()
                continue
            self.pos = end
            return value

    def _grow(self) -> None:
        if len(self.buf) - self.pos > MAX_RECORD_CHARS:
            raise _file_error("too_large", "one record is larger than 64 MB", self._where())
        self._fill()

    # the export

    def records(self) -> Iterator[RawRecord]:
        first = self._peek()
        if first is None:
            raise _file_error("empty", "the file is empty", self.name)
        if first != "{":
            raise _file_error(
                "unsupported_format", f'not a wallet export: a JSON object with "format": "{FORMAT}"', self.name
            )
        self.pos += 1
        if self._peek() == "}" or self._value() != "format":
            raise _file_error("unsupported_format", f'the export must begin with "format": "{FORMAT}"', self.name)
        self._expect(":")
        if self._value() != FORMAT:
            raise _file_error("unsupported_format", f'"format" is not "{FORMAT}"', self.name)
        seen = {"format"}
        while self._expect(",}") == ",":
            where = self._where()
            key = self._value()
            if not isinstance(key, str):
                raise _file_error("syntax", "an object key must be a string", where)
            if key in seen:
                raise _file_error("duplicate_key", f'"{key}" is given twice', where)
            seen.add(key)
            self._expect(":")
            if key not in ("vouchers", "budgets"):
                raise _file_error("unknown_field", f'"{key}": an export has "format", "vouchers" and "budgets"', where)
            if self._peek() != "[":
                raise _file_error("wrong_type", f'"{key}" must be a list', where)
            yield from self._list(key)
        if self._peek() is not None:
            raise _file_error("syntax", "more data after the end of the export", self._where())

    def _list(self, key: str) -> Iterator[RawRecord]:
        kind: Literal["voucher", "budget"] = "voucher" if key == "vouchers" else "budget"
        self._expect("[")
        if self._peek() == "]":
            self.pos += 1
            return
        number = 0
        while True:
            yield RawRecord(kind, self._value(), f"$.{key}[{number}]")
            number += 1
            if self._expect(",]") == "]":
                return


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# -- CSV ----------------------------------------------------------------------------------------------------------

# file kind -> columns (required ones first); see docs/wallet-format.md.
CSV_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "vouchers": (
        ("id", "holder", "service_code", "service_name_fi", "kind", "unit", "valid_from", "valid_to", "decision_ref"),
        (
            "service_name_sv", "service_name_en", "value_per_unit", "value_total", "units_granted", "units_used",
            "used", "providers", "provider_names", "refused_on",
        ),
    ),
    "budgets": (
        ("id", "holder", "period_start", "period_end", "total"),
        ("decision_ref", "refused_on"),
    ),
    "budget_allocations": (
        ("budget_id", "service_code", "service_name_fi", "amount"),
        ("service_name_sv", "service_name_en"),
    ),
    "budget_transactions": (
        ("budget_id", "id", "date", "provider_id", "service_code", "amount", "status"),
        ("provider_name",),
    ),
}  # fmt: skip
# A cell -> where it goes in the record (JSON shape), per file kind.
_VOUCHER_PATHS = {
    "service_code": "service.code",
    "service_name_fi": "service.name.fi",
    "service_name_sv": "service.name.sv",
    "service_name_en": "service.name.en",
}
_BUDGET_PATHS = {"period_start": "period.start", "period_end": "period.end"}
_ALLOCATION_PATHS = {
    "service_code": "service.code",
    "service_name_fi": "service.name.fi",
    "service_name_sv": "service.name.sv",
    "service_name_en": "service.name.en",
}
_TRANSACTION_PATHS = {"provider_id": "provider.id", "provider_name": "provider.name"}
_MONEY = frozenset({"value_per_unit", "value_total", "used", "total", "amount"})
_INTERNED = frozenset({"budget_id", "date", "provider_id", "provider_name", "service_code", "status"})


def csv_kind(header: Sequence[str]) -> str | None:
    """Which file of a CSV export this is, from its header."""
    names = set(header)
    if "budget_id" in names:
        return "budget_transactions" if names & {"status", "date", "provider_id"} else "budget_allocations"
    if names & {"period_start", "period_end", "total"}:
        return "budgets"
    if names & {"kind", "unit", "valid_from", "valid_to", "providers"}:
        return "vouchers"
    return None


@dataclass
class _CsvFile:
    path: Path
    name: str
    kind: str
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (line number, cells)
    handle: IO[str]


def _open_csv(path: Path) -> _CsvFile:
    name = path.name
    try:
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115  closed by read_csv_export
        first = handle.readline()
    except UnicodeDecodeError:
        raise _file_error("unreadable", "the file is not UTF-8 text", name) from None
    except OSError as error:
        raise _file_error("unreadable", f"cannot open the file: {error.strerror}", name) from None
    if not first.strip():
        handle.close()
        raise _file_error("empty", "the file has no header row", name)
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = [cell.strip().lower() for cell in next(csv.reader([first], delimiter=delimiter))]
    kind = csv_kind(header)
    if kind is None:
        handle.close()
        raise _file_error(
            "unsupported_format",
            "cannot tell from the header which file of the export this is (vouchers, budgets, budget_allocations "
            "or budget_transactions)",
            name,
        )
    required, optional = CSV_COLUMNS[kind]
    problems = [
        Problem("unknown_column", f"unknown column {column!r} in a {kind} file", column, where=f"{name} line 1")
        for column in header
        if column not in required and column not in optional
    ]
    problems += [
        Problem("duplicate_column", f"column {column!r} is given twice", column, where=f"{name} line 1")
        for number, column in enumerate(header)
        if column in header[:number]
    ]
    problems += [
        Problem("missing_column", f"a {kind} file needs the column {column!r}", column, where=f"{name} line 1")
        for column in required
        if column not in header
    ]
    if problems:
        handle.close()
        raise WalletFormatError(problems)

    def rows() -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(handle, delimiter=delimiter, strict=True)
        try:
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    yield reader.line_num + 1, cells
        except csv.Error as error:
            raise _file_error("syntax", f"not valid CSV: {error}", f"{name} line {reader.line_num + 1}") from None
        except UnicodeDecodeError:
            raise _file_error("unreadable", "the file is not UTF-8 text", name) from None

    return _CsvFile(path, name, kind, header, rows(), handle)


def _cells(file: _CsvFile, line: int, cells: list[str]) -> tuple[dict[str, str], Problem | None]:
    """Non-empty cells by column; a problem when the row has more non-empty cells than the header has columns."""
    values = {}
    for column, cell in zip(file.header, cells, strict=False):
        cell = cell.strip()
        if cell:
            values[column] = sys.intern(cell) if column in _INTERNED else cell
    extra = [cell for cell in cells[len(file.header) :] if cell.strip()]
    problem = None
    if extra:
        problem = Problem(
            "wrong_cell_count", f"the row has {len(extra)} more cells than the header", where=f"{file.name} line {line}"
        )
    return values, problem


def _money(value: str) -> str:
    # A spreadsheet in Finnish writes 12,50.
    return value.replace(",", ".", 1) if "," in value and "." not in value else value


def _put(record: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        record = record.setdefault(part, {})
    record[last] = value


def _shaped(values: Mapping[str, str], paths: Mapping[str, str], skip: Iterable[str] = ()) -> dict[str, Any]:
    record: dict[str, Any] = {}
    skipped = set(skip)
    for column, value in values.items():
        if column in skipped:
            continue
        if column in _MONEY:
            value = _money(value)
        _put(record, paths.get(column, column), value)
    return record


def _voucher_providers(values: Mapping[str, str]) -> tuple[list[dict[str, Any]], Problem | None]:
    """providers = "id=price|id=price" (an empty price: not announced); provider_names = "name|name", same order."""
    cells = [part.strip() for part in values.get("providers", "").split("|")] if values.get("providers") else []
    names = [part.strip() for part in values["provider_names"].split("|")] if values.get("provider_names") else []
    if names and len(names) != len(cells):
        return [], Problem(
            "invalid_list", f"{len(names)} provider names for {len(cells)} providers", "providers", severity="error"
        )
    providers = []
    for number, cell in enumerate(cells):
        provider_id, _, price = cell.partition("=")
        if not provider_id.strip():
            return [], Problem("invalid_list", f"provider {number + 1} has no id: write id=price|id=price", "providers")
        item: dict[str, Any] = {"id": provider_id.strip(), "price": _money(price.strip()) if price.strip() else None}
        if names:
            item["name"] = names[number]
        providers.append(item)
    return providers, None


def read_csv_export(paths: Sequence[str | Path]) -> Iterator[RawRecord]:
    """The records of a CSV export: vouchers.csv row by row, then each budget of budgets.csv with its rows of
    budget_allocations.csv and budget_transactions.csv (files named anything; told apart by their headers). A row of
    those for a budget that budgets.csv does not have is refused as `unknown_budget`."""
    files: dict[str, _CsvFile] = {}
    try:
        for path in paths:
            opened = _open_csv(Path(path))
            if opened.kind in files:
                opened.handle.close()
                raise _file_error(
                    "duplicate_file", f"two {opened.kind} files: {files[opened.kind].name} and {opened.name}"
                )
            files[opened.kind] = opened
        if "vouchers" in files:
            yield from _voucher_rows(files["vouchers"])
        if files.keys() & {"budgets", "budget_allocations", "budget_transactions"}:
            yield from _budget_rows(files)
    finally:
        for opened in files.values():
            opened.handle.close()


def _voucher_rows(file: _CsvFile) -> Iterator[RawRecord]:
    for line, cells in file.rows:
        values, problem = _cells(file, line, cells)
        record = _shaped(values, _VOUCHER_PATHS, skip=("providers", "provider_names"))
        providers, list_problem = _voucher_providers(values)
        record["providers"] = providers
        columns = {path: column for column, path in _VOUCHER_PATHS.items()}
        where = f"{file.name} line {line}"

        def locate(path: str, where: str = where, columns: Mapping[str, str] = columns) -> str:
            if path.startswith("providers"):
                return f"{where}, column providers"
            column = columns.get(path, path)
            return f"{where}, column {column}" if path else where

        problems = tuple(p for p in (problem, list_problem) if p is not None)
        yield RawRecord("voucher", record, where, problems, locate)


@dataclass
class _BudgetRows:
    line: int
    values: dict[str, str]
    problem: Problem | None
    allocations: list[tuple[int, dict[str, str], Problem | None]] = field(default_factory=list)
    transactions: list[tuple[int, dict[str, str], Problem | None]] = field(default_factory=list)


def _budget_rows(files: Mapping[str, _CsvFile]) -> Iterator[RawRecord]:
    budgets: dict[str, _BudgetRows] = {}
    orphans: dict[str, list[tuple[str, int]]] = {}
    budget_file = files.get("budgets")
    if budget_file is not None:
        for line, cells in budget_file.rows:
            values, problem = _cells(budget_file, line, cells)
            key = values.get("id", f"<line {line}>")
            if key in budgets:
                key = f"{key}<line {line}>"  # reported as a duplicate id by the importer
            budgets[key] = _BudgetRows(line, values, problem)
    for kind in ("budget_allocations", "budget_transactions"):
        file = files.get(kind)
        if file is None:
            continue
        for line, cells in file.rows:
            values, problem = _cells(file, line, cells)
            owner = budgets.get(values.get("budget_id", ""))
            if owner is None:
                orphans.setdefault(values.get("budget_id", ""), []).append((file.name, line))
                continue
            (owner.allocations if kind == "budget_allocations" else owner.transactions).append((line, values, problem))
    names = {kind: file.name for kind, file in files.items()}
    for budget in budgets.values():
        yield _budget_record(budget, names)
    for budget_id, places in orphans.items():
        file_name, line = places[0]
        more = f" (and {len(places) - 1} more rows)" if len(places) > 1 else ""
        problem = Problem(
            "unknown_budget",
            f"rows for a budget that {names.get('budgets', 'budgets.csv')} does not have{more}",
            "id",
            where=f"{file_name} line {line}, column budget_id",
        )
        yield RawRecord("budget", {"id": budget_id}, f"{file_name} line {line}", (problem,))


def _budget_record(rows: _BudgetRows, names: Mapping[str, str]) -> RawRecord:
    record = _shaped(rows.values, _BUDGET_PATHS)
    record["allocations"] = [
        _shaped(values, _ALLOCATION_PATHS, skip=("budget_id",)) for _, values, _ in rows.allocations
    ]
    transactions = []
    for _, values, _ in rows.transactions:
        item = _shaped(values, _TRANSACTION_PATHS, skip=("budget_id",))
        transactions.append(item)
    record["transactions"] = transactions
    budget_where = f"{names.get('budgets')} line {rows.line}"
    allocation_lines = [line for line, _, _ in rows.allocations]
    transaction_lines = [line for line, _, _ in rows.transactions]
    budget_columns = {path: column for column, path in _BUDGET_PATHS.items()}
    allocation_columns = {path: column for column, path in _ALLOCATION_PATHS.items()}
    transaction_columns = {path: column for column, path in _TRANSACTION_PATHS.items()} | {"date": "date"}

    def locate(path: str) -> str:
        match = re.match(r"^(allocations|transactions)\[(\d+)\]\.?(.*)$", path)
        if match is None:
            column = budget_columns.get(path, path)
            return f"{budget_where}, column {column}" if path and path != "allocations" else budget_where
        part, number, rest = match.group(1), int(match.group(2)), match.group(3)
        if part == "allocations":
            where = f"{names.get('budget_allocations')} line {allocation_lines[number]}"
            column = allocation_columns.get(rest, rest)
        else:
            where = f"{names.get('budget_transactions')} line {transaction_lines[number]}"
            column = transaction_columns.get(rest, rest)
        return f"{where}, column {column}" if column else where

    problems = [p for p in [rows.problem] if p is not None]
    problems += [p for _, _, p in rows.allocations + rows.transactions if p is not None]
    return RawRecord("budget", record, budget_where, tuple(problems), locate)


# -- reading and writing exports ----------------------------------------------------------------------------------


def read_export(paths: Sequence[str | Path]) -> Iterator[RawRecord]:
    """One JSON export, or the CSV files of one export (by name ending in .json or .csv)."""
    files = [Path(p) for p in paths]
    if not files:
        raise _file_error("empty", "no file given")
    suffixes = {p.suffix.lower() for p in files}
    if suffixes == {".json"} and len(files) == 1:
        return read_json_export(files[0])
    if suffixes == {".csv"}:
        return read_csv_export(files)
    raise _file_error(
        "unsupported_format", "give one .json export, or the .csv files of one export", ", ".join(p.name for p in files)
    )


def write_csv_export(export: Mapping[str, Any], folder: str | Path) -> list[Path]:
    """Write a JSON-shaped export (as read, before validation) as the four CSV files of docs/wallet-format.md."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    tables: dict[str, list[dict[str, Any]]] = {kind: [] for kind in CSV_COLUMNS}
    for voucher in export.get("vouchers", []):
        row = _flat(voucher, _VOUCHER_PATHS, skip=("providers",))
        providers = voucher.get("providers") or []
        row["providers"] = "|".join(f"{p['id']}={_cell(p.get('price'))}" for p in providers)
        row["provider_names"] = "|".join(p.get("name", "") for p in providers)
        tables["vouchers"].append(row)
    for budget in export.get("budgets", []):
        tables["budgets"].append(_flat(budget, _BUDGET_PATHS, skip=("allocations", "transactions")))
        for allocation in budget.get("allocations", []):
            tables["budget_allocations"].append({"budget_id": budget["id"], **_flat(allocation, _ALLOCATION_PATHS)})
        for transaction in budget.get("transactions", []):
            tables["budget_transactions"].append({"budget_id": budget["id"], **_flat(transaction, _TRANSACTION_PATHS)})
    written = []
    for kind, rows in tables.items():
        required, optional = CSV_COLUMNS[kind]
        path = out / f"{kind}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=[*required, *optional], lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        written.append(path)
    return written


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _flat(record: Mapping[str, Any], paths: Mapping[str, str], skip: Iterable[str] = ()) -> dict[str, str]:
    by_path = {path: column for column, path in paths.items()}
    row: dict[str, str] = {}

    def walk(value: Any, prefix: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{prefix}.{key}" if prefix else key)
        elif prefix not in skip:
            row[by_path.get(prefix, prefix)] = _cell(value)

    walk({k: v for k, v in record.items() if k not in skip}, "")
    return row
