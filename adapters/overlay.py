"""The organiser's catalogue overlay: which PTV service locations are approved for freedom of choice, and how they do.

PTV no longer marks freedom-of-choice providers, so the organiser publishes its own list, keyed by PTV service
channel id: which locations are approved sote centres, dental units and voucher providers (and for which voucher
services), whether each accepts new clients, and the quality figures the organiser publishes (T3, client
satisfaction, net promoter score), each with the period it was measured over.

Two equivalent file formats, both documented in docs/catalogue-overlay.md: a CSV file (one row per location, for
people who keep the list in a spreadsheet) and a JSON file (for systems). `parse_overlay` reads either and
validates everything; validation is all or nothing: any problem raises `OverlayError` with every problem found
(line or JSON path, field, code and an English reason), and nothing is returned. The `code` of a problem is stable,
so a caller can show its own translated message instead of the English `reason`. The readers check the files'
structure; the values of each location are checked by pydantic models, whose error types are these codes.

`dump_overlay_csv`, `dump_overlay_json` and `write_overlay` write an `Overlay` back out in either format.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ClassVar, cast

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, PydanticKnownError

FORMAT_VERSION = 1
LIST_SEPARATOR = "|"
LABEL_MAX_LENGTH = 200
T3_MAX_DAYS = 365
SATISFACTION_MIN, SATISFACTION_MAX = 1.0, 5.0
NPS_MIN, NPS_MAX = -100, 100
MAX_LISTED_PROBLEMS = 20  # in the exception message; `problems` always has all of them

# Every OverlayProblem.code, as docs/catalogue-overlay.md lists them; stable, for translated messages.
PROBLEM_CODES = frozenset(
    {
        "unsupported_format", "unreadable", "empty", "syntax",
        "unknown_column", "duplicate_column", "missing_column", "wrong_cell_count",
        "unknown_field", "duplicate_key", "unsupported_version", "wrong_type",
        "required", "invalid_channel_id", "duplicate_channel_id",
        "unknown_kind", "duplicate_kind", "unknown_voucher_service", "duplicate_voucher_service",
        "voucher_services_required", "voucher_services_not_allowed",
        "invalid_boolean", "invalid_number", "out_of_range", "invalid_date",
        "missing_period", "period_end_before_start", "period_without_value", "not_applicable", "too_long",
        "invalid_text",
    }
)  # fmt: skip


class Kind(StrEnum):
    """What the organiser has approved a location as."""

    SOTE_CENTRE = "sote_centre"  # sote-keskus: primary health and social care, residents list with one
    DENTAL_UNIT = "dental_unit"  # suun terveydenhuollon yksikkö: residents list with one, separately
    VOUCHER_PROVIDER = "voucher_provider"  # palvelusetelituottaja: paid with a client voucher


class VoucherService(StrEnum):
    """Services a client voucher can pay for (the pilots' list: STM call for pilots 2018, law draft § 24)."""

    HOME_CARE = "home_care"  # kotihoito / kotipalvelu
    HOME_NURSING = "home_nursing"  # kotisairaanhoito
    HOUSING_SERVICES = "housing_services"  # asumispalvelut (e.g. 24-hour service housing)
    SOCIAL_REHABILITATION = "social_rehabilitation"  # sosiaalinen kuntoutus
    DISABILITY_WORK_ACTIVITY = "disability_work_activity"  # vammaisten henkilöiden työtoiminta
    DENTAL_PROSTHETICS = "dental_prosthetics"  # hammasproteettiset hoidot


T3_KINDS = frozenset({Kind.SOTE_CENTRE, Kind.DENTAL_UNIT})  # T3 is about appointments: not for voucher-only places


@dataclass(frozen=True)
class Period:
    """The days a figure was measured over, both included."""

    start: date
    end: date


@dataclass(frozen=True)
class Figure:
    """One published quality figure. `responses`: how many client answers it is based on (survey figures only)."""

    value: int | float
    period: Period
    responses: int | None = None


@dataclass(frozen=True)
class OverlayEntry:
    channel_id: str  # PTV service channel id, lower case
    kinds: tuple[Kind, ...]  # in Kind order, no repeats
    voucher_services: tuple[VoucherService, ...]  # in VoucherService order; non-empty exactly for voucher providers
    accepts_new_clients: bool
    t3: Figure | None = None  # days to the third available non-urgent appointment (int)
    satisfaction: Figure | None = None  # mean client satisfaction on the 1-5 scale (float)
    nps: Figure | None = None  # net promoter score, -100..100 (int)
    label: str = ""  # free text for the people editing the file; not shown to residents

    def has_kind(self, kind: Kind) -> bool:
        return kind in self.kinds


@dataclass(frozen=True)
class Overlay:
    entries: tuple[OverlayEntry, ...]
    _index: Mapping[str, OverlayEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {entry.channel_id: entry for entry in self.entries})

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, channel_id: str) -> OverlayEntry | None:
        return self._index.get(channel_id.lower())

    def channel_ids(self, kind: Kind | None = None) -> set[str]:
        return {e.channel_id for e in self.entries if kind is None or kind in e.kinds}


@dataclass(frozen=True)
class OverlayProblem:
    """One thing wrong with an overlay file.

    `line` is the CSV row number as a spreadsheet shows it (the header is line 1), or the line of a JSON syntax
    error. `json_path` points into a JSON file ("$.locations[2].quality.nps.period.end"). `field` uses the CSV
    column names in both formats ("nps_period_end"), so a caller can label problems the same way for either.
    """

    field: str | None
    code: str
    reason: str
    line: int | None = None
    json_path: str | None = None
    value: str | None = None

    @property
    def where(self) -> str:
        if self.json_path:
            return self.json_path + (f" (line {self.line})" if self.line else "")
        if self.line:
            return f"line {self.line}"
        return "file"

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.reason}" if self.field else f"{self.where}: {self.reason}"


class OverlayError(ValueError):
    """The overlay was rejected as a whole; `problems` lists everything found."""

    def __init__(self, source: str, problems: Sequence[OverlayProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        listed = "\n".join(f"  - {p}" for p in self.problems[:MAX_LISTED_PROBLEMS])
        more = len(self.problems) - MAX_LISTED_PROBLEMS
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{source}: {len(self.problems)} problem(s); nothing was read:\n{listed}{tail}")


# ---------------------------------------------------------------------------------------------------------------
# Fields. CSV columns and their JSON places.

REQUIRED_COLUMNS = ("channel_id", "kinds", "accepts_new_clients")
# The columns in their documented order, each with its place in a location as the models below take it: the JSON
# shape with the figures taken out of "quality". Problems name the column in both formats.
_PLACES = {
    "channel_id": ("channel_id",),
    "label": ("label",),
    "kinds": ("kinds",),
    "voucher_services": ("voucher_services",),
    "accepts_new_clients": ("accepts_new_clients",),
    "t3_days": ("t3", "value"),
    "t3_period_start": ("t3", "period", "start"),
    "t3_period_end": ("t3", "period", "end"),
    "satisfaction": ("satisfaction", "value"),
    "satisfaction_responses": ("satisfaction", "responses"),
    "satisfaction_period_start": ("satisfaction", "period", "start"),
    "satisfaction_period_end": ("satisfaction", "period", "end"),
    "nps": ("nps", "value"),
    "nps_responses": ("nps", "responses"),
    "nps_period_start": ("nps", "period", "start"),
    "nps_period_end": ("nps", "period", "end"),
}
COLUMNS = tuple(_PLACES)


@dataclass(frozen=True)
class _FigureSpec:
    name: str  # JSON key under "quality" and CSV column prefix
    value_field: str
    responses_field: str | None
    what: str  # for messages

    @property
    def start_field(self) -> str:
        return f"{self.name}_period_start"

    @property
    def end_field(self) -> str:
        return f"{self.name}_period_end"

    @property
    def period_field(self) -> str:
        return f"{self.name}_period"


FIGURES = (
    _FigureSpec("t3", "t3_days", None, "T3 (days)"),
    _FigureSpec("satisfaction", "satisfaction", "satisfaction_responses", "satisfaction"),
    _FigureSpec("nps", "nps", "nps_responses", "net promoter score"),
)
_FIGURE_NAMES = {spec.name for spec in FIGURES}
_COLUMN_AT = {place: column for column, place in _PLACES.items()} | {
    (f, "period"): f"{f}_period" for f in _FIGURE_NAMES
}

_TRUE = {"true", "yes", "1", "kyllä", "ja"}
_FALSE = {"false", "no", "0", "ei", "nej"}
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
# Characters a label cannot be stored with: NUL (PostgreSQL text refuses it), lone surrogates (JSON "\ud800"; no UTF-8)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _shown(name: str) -> str:
    """A key or column name as a problem names it: escaped as repr() does unless printable (a line break, a NUL or
    a lone surrogate would break the one-line problem, or the message could not be printed at all)."""
    return name if name.isprintable() else repr(name)[1:-1]


@dataclass
class _Record:
    """One location as read from either format, before validation: `fields` in the models' shape, holding strings
    from CSV (an empty cell is left out) or JSON values (a null is left out); `line` in CSV, `path` in JSON."""

    fields: dict[str, Any]
    line: int | None = None
    path: str | None = None


class _Problems(list[OverlayProblem]):
    def add(
        self,
        field: str | None,
        code: str,
        reason: str,
        line: int | None = None,
        path: str | None = None,
        value: Any = None,
    ) -> None:
        shown = None if value is None else (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        self.append(OverlayProblem(field, code, reason, line, path, shown))

    def at(self, record: _Record, loc: tuple[str, ...], code: str, reason: str, value: Any = None) -> None:
        """A problem with a value in `record`, at its place `loc`."""
        path = None
        if record.path is not None:
            path = ".".join((record.path, *(("quality",) if loc[0] in _FIGURE_NAMES else ()), *loc))
        self.add(_COLUMN_AT.get(loc, ".".join(loc)), code, reason, record.line, path, value)


# ---------------------------------------------------------------------------------------------------------------
# Validation, the same for both formats: pydantic models of one location. A problem is a pydantic error whose type
# is our code and whose message is the reason (a template without fields, so shown as it is); its input is the
# value the problem shows.


def _problem(code: str, reason: str, value: Any = None, *loc: str) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(code, reason), loc=loc, input=value)


def _invalid(*problems: InitErrorDetails) -> ValidationError:
    """Problems to raise from a validator: several at once, or one that shows another value than the input."""
    return ValidationError.from_exception_data("overlay", list(problems))


def _csv(info: ValidationInfo) -> bool:
    """Whether the value is CSV text: there everything is a string, and booleans and lists are spelled out."""
    return bool(info.context and info.context["csv"])


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("wrong_type", "must be a string")
    return value


def _channel_id(value: Any) -> str:
    if not _string(value).strip():
        raise PydanticKnownError("missing")
    channel_id = value.strip().lower()
    if not _GUID.match(channel_id):
        raise PydanticCustomError("invalid_channel_id", "not a PTV service channel id (a GUID)")
    return channel_id


def _label(value: Any) -> str:
    if len(_string(value)) > LABEL_MAX_LENGTH:
        raise _invalid(_problem("too_long", f"longer than {LABEL_MAX_LENGTH} characters"))
    if unstorable := _UNSTORABLE.search(value):
        reason = f"contains U+{ord(unstorable[0]):04X}, a character that cannot be stored; remove it"
        raise _invalid(_problem("invalid_text", reason))
    return value


def _choices(enum: type[StrEnum], what: str, *, required: bool) -> BeforeValidator:
    """A list of `enum` values, as a tuple in enum order; every unknown or repeated item is a problem."""
    allowed = [member.value for member in enum]
    code = what.replace(" ", "_")  # unknown_kind, duplicate_voucher_service, ...

    def parse(value: Any, info: ValidationInfo) -> tuple[Any, ...]:
        if isinstance(value, list | tuple) and not value:  # [] in JSON; () is the default
            if required:
                raise PydanticKnownError("missing")
            return ()
        if _csv(info):
            items = [part.strip().lower() for part in value.split(LIST_SEPARATOR)]
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            items = [item.strip().lower() for item in value]
        else:
            raise PydanticCustomError("wrong_type", "must be a list of strings")
        problems = [
            _problem(f"unknown_{code}", f"unknown {what} {item or '(empty)'!r}; allowed: {', '.join(allowed)}", item)
            for item in items
            if item not in allowed
        ]
        for item in sorted({item for item in items if item and items.count(item) > 1}):
            problems.append(_problem(f"duplicate_{code}", f"{what} {item!r} is listed twice", item))
        if problems:
            raise _invalid(*problems)
        return tuple(member for member in enum if member.value in items)

    return BeforeValidator(parse)


def _yes_no(value: Any, info: ValidationInfo) -> bool:
    if isinstance(value, bool):
        return value
    if not _csv(info):
        raise PydanticCustomError("invalid_boolean", "must be true or false (a JSON boolean, not a string)")
    word = value.strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise PydanticCustomError("invalid_boolean", f"{value!r} is not a yes/no value: use true or false")


def _number(low: float, high: float, *, whole: bool) -> BeforeValidator:
    """A number from `low` to `high`: a whole number (int) or a decimal (float)."""
    kind = "a whole number" if whole else "a number"
    pattern = _INTEGER if whole else _DECIMAL

    def parse(value: Any, info: ValidationInfo) -> int | float:
        if _csv(info):
            if not pattern.match(value):
                raise PydanticCustomError("invalid_number", f"{value!r} is not {kind}")
            # float(), not int(): int() refuses over 4300 digits, float() makes them inf. In range, the value is exact.
            number = float(value.replace(",", "."))
        elif isinstance(value, bool) or not isinstance(value, int | float) or (whole and not isinstance(value, int)):
            raise PydanticCustomError("invalid_number", f"must be {kind}")
        else:
            number = value  # compared as it is: float() of a JSON integer of 400 digits overflows
        if not low <= number <= high:
            raise PydanticCustomError("out_of_range", f"{value} is outside the allowed range {low}..{high}")
        return int(number) if whole else float(number)

    return BeforeValidator(parse)


def _iso_date(value: Any) -> date:
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value.strip())
    raise PydanticCustomError("invalid_date", f"{value!r} is not a date in the form YYYY-MM-DD")


_Date = Annotated[date, BeforeValidator(_iso_date)]
_Responses = Annotated[int, _number(1, 10_000_000, whole=True)]


class _Period(BaseModel):
    start: _Date | None = None
    end: _Date | None = None


class _Figure(BaseModel):
    """A quality figure; each figure below gives its value's type. It is None when only its period or responses are
    given, after reporting them."""

    spec: ClassVar[_FigureSpec]
    value: Any = None
    period: _Period = _Period()
    responses: _Responses | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _with_its_period(cls, data: dict[str, Any], handler: Callable[[Any], _Figure]) -> Any:
        """Every part's own problems, then those of the parts together."""
        spec, period = cls.spec, data.get("period", {})
        try:
            figure, problems = handler(data), []
        except ValidationError as error:
            figure = None  # its parts' problems, to raise again with those of the parts together
            problems = [_problem(e["type"], e["msg"], e["input"], *map(str, e["loc"])) for e in error.errors()]
        if "value" not in data:  # probably what is left of a figure deleted in editing
            reason = f"given, but there is no {spec.what} value ({spec.value_field}) it would belong to"
            ends = [end for end in ("start", "end") if end in period]
            problems += [_problem("period_without_value", reason, period[end], "period", end) for end in ends]
            if "responses" in data:
                problems.append(_problem("period_without_value", reason, data["responses"], "responses"))
        elif not period:
            reason = f"the {spec.what} has no measurement period: give {spec.start_field} and {spec.end_field}"
            problems.append(_problem("missing_period", reason, None, "period"))
        elif len(period) < 2:
            (missing,) = {"start", "end"} - period.keys()
            reason = f"the {spec.what} needs both ends of its period; this is empty"
            problems.append(_problem("missing_period", reason, None, "period", missing))
        else:
            with contextlib.suppress(PydanticCustomError):  # a date's own problem, reported above
                start, end = _iso_date(period["start"]), _iso_date(period["end"])
                if end < start:
                    reason = f"the period ends ({end}) before it starts ({start})"
                    problems.append(_problem("period_end_before_start", reason, None, "period", "end"))
        if problems:
            raise _invalid(*problems)
        return figure if "value" in data else None

    def as_figure(self) -> Figure:
        # The checks above leave no figure without both ends of its period.
        return Figure(self.value, Period(cast(date, self.period.start), cast(date, self.period.end)), self.responses)


class _T3(_Figure):
    spec = FIGURES[0]
    value: Annotated[int, _number(0, T3_MAX_DAYS, whole=True)] | None = None


class _Satisfaction(_Figure):
    spec = FIGURES[1]
    value: Annotated[float, _number(SATISFACTION_MIN, SATISFACTION_MAX, whole=False)] | None = None


class _Nps(_Figure):
    spec = FIGURES[2]
    value: Annotated[int, _number(NPS_MIN, NPS_MAX, whole=True)] | None = None


class _Location(BaseModel):
    """One location of the overlay. The fields are checked in this order, and problems are listed in it."""

    channel_id: Annotated[str, BeforeValidator(_channel_id)]
    kinds: Annotated[tuple[Kind, ...], _choices(Kind, "kind", required=True)]
    voucher_services: Annotated[
        tuple[VoucherService, ...], _choices(VoucherService, "voucher service", required=False)
    ] = Field((), validate_default=True)  # checked against the kinds when absent, too
    accepts_new_clients: Annotated[bool, BeforeValidator(_yes_no)]
    label: Annotated[str, BeforeValidator(_label)] = ""
    t3: _T3 | None = None
    satisfaction: _Satisfaction | None = None
    nps: _Nps | None = None

    @field_validator("voucher_services", mode="wrap")
    @classmethod
    def _services_match_kinds(
        cls, value: Any, handler: Callable[[Any], Any], info: ValidationInfo
    ) -> tuple[VoucherService, ...]:
        services: tuple[VoucherService, ...] = handler(value)
        kinds = info.data.get("kinds")  # absent when the kinds have a problem
        if kinds is not None and Kind.VOUCHER_PROVIDER in kinds and not services:
            reason = "a voucher_provider must name the voucher services it is approved for"
            raise _invalid(_problem("voucher_services_required", reason))
        if kinds is not None and Kind.VOUCHER_PROVIDER not in kinds and services:
            reason = "voucher services are given but kinds does not include voucher_provider"
            raise PydanticCustomError("voucher_services_not_allowed", reason)
        return services

    @field_validator("t3", mode="wrap")
    @classmethod
    def _t3_only_with_appointments(cls, value: Any, handler: Callable[[Any], Any], info: ValidationInfo) -> _T3 | None:
        t3: _T3 | None = handler(value)
        kinds = info.data.get("kinds")
        if t3 is not None and kinds is not None and T3_KINDS.isdisjoint(kinds):
            reason = "T3 applies only to sote_centre and dental_unit locations"
            raise _invalid(_problem("not_applicable", reason, value["value"], "value"))
        return t3

    def as_entry(self) -> OverlayEntry:
        figures = {name: figure.as_figure() for name in _FIGURE_NAMES if (figure := getattr(self, name))}
        entry = (self.channel_id, self.kinds, self.voucher_services, self.accepts_new_clients)
        return OverlayEntry(*entry, label=self.label, **figures)


# pydantic's own "missing" error is the `required` problem, with these reasons. Every other error type is one of
# PROBLEM_CODES already, its message the reason.
_REQUIRED = {
    "channel_id": "required; it is empty",
    "kinds": "required: at least one kind",
    "accepts_new_clients": "required: true or false",
}


def _validate(records: Sequence[_Record], fmt: str, problems: _Problems) -> list[OverlayEntry]:
    entries = []
    first_seen: dict[str, _Record] = {}
    for record in records:
        try:
            entry = _Location.model_validate(record.fields, context={"csv": fmt == "csv"}).as_entry()
        except ValidationError as error:
            for e in error.errors():
                loc = tuple(map(str, e["loc"]))
                if e["type"] == "missing":
                    problems.at(record, loc, "required", _REQUIRED[loc[0]])
                else:
                    problems.at(record, loc, e["type"], e["msg"], e["input"])
            continue
        earlier = first_seen.setdefault(entry.channel_id, record)
        if earlier is not record:
            where = f"line {earlier.line}" if earlier.line else earlier.path
            reason = f"channel id already listed at {where}"
            problems.at(record, ("channel_id",), "duplicate_channel_id", reason, entry.channel_id)
        else:
            entries.append(entry)
    return entries


# ---------------------------------------------------------------------------------------------------------------
# Reading


def parse_overlay(path: Path | str) -> Overlay:
    """Read and validate an overlay file; the format follows the suffix (.csv or .json). Raises `OverlayError`."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("csv", "json"):
        reason = f"unsupported file type {path.suffix or '(none)'!r}: use a .csv or a .json file"
        raise OverlayError(str(path), [OverlayProblem(None, "unsupported_format", reason)])
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise OverlayError(
            str(path), [OverlayProblem(None, "unreadable", f"cannot be read: {exc.strerror or exc}")]
        ) from exc
    return parse_overlay_bytes(data, fmt, source=str(path))


def parse_overlay_bytes(data: bytes, fmt: str, *, source: str = "overlay") -> Overlay:
    """Read and validate an overlay from bytes (an upload, say); `fmt` is "csv" or "json"."""
    if fmt not in ("csv", "json"):
        raise ValueError(f"fmt must be 'csv' or 'json', not {fmt!r}")
    problems = _Problems()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.add(None, "unreadable", f"not UTF-8 text (byte {exc.start}); save the file as UTF-8")
        raise OverlayError(source, problems) from None
    records = _read_csv(text, problems) if fmt == "csv" else _read_json(text, problems)
    entries = _validate(records, fmt, problems)
    if problems:
        raise OverlayError(source, problems)
    return Overlay(tuple(entries))


def _read_csv(text: str, problems: _Problems) -> list[_Record]:
    if not text.strip():
        problems.add(None, "empty", "the file is empty: the first line must name the columns")
        return []
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: Iterator[list[str]] = iter(reader)
    try:
        header = [cell.strip().lower() for cell in next(rows)]
    except csv.Error as exc:
        problems.add(None, "syntax", f"the header row is not valid CSV: {exc}", 1)
        return []
    known: list[str | None] = []
    for column in header:
        if not column:
            problems.add(None, "unknown_column", "a column has no name in the header row", 1)
            known.append(None)
        elif column not in COLUMNS:
            problems.add(_shown(column), "unknown_column", f"unknown column {column!r}", 1, value=column)
            known.append(None)
        elif column in known:
            problems.add(column, "duplicate_column", f"column {column!r} appears twice", 1, value=column)
            known.append(None)
        else:
            known.append(column)
    missing = [c for c in REQUIRED_COLUMNS if c not in known]
    for column in missing:
        problems.add(column, "missing_column", f"required column {column!r} is missing", 1)
    if missing:
        return []  # every row would repeat the same complaint

    records = []
    line = 1  # physical line where the previous record ended
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.add(None, "syntax", f"not valid CSV: {exc}", reader.line_num)
            break
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # spreadsheets leave empty rows behind
        if len(cells) > len(known) and any(c.strip() for c in cells[len(known) :]):
            reason = f"the row has {len(cells)} cells but the header names {len(known)}"
            problems.add(None, "wrong_cell_count", reason, start)
            continue
        record = _Record({}, line=start)
        for name, cell in zip(known, cells, strict=False):
            if name is not None and cell.strip():
                *parents, last = _PLACES[name]
                target = record.fields
                for key in parents:
                    target = target.setdefault(key, {})
                target[last] = cell.strip()
        records.append(record)
    return records


class _JsonObject(dict[str, Any]):
    """A decoded JSON object that remembers keys it saw twice (plain json.loads keeps the last silently)."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.repeated = sorted({k for i, (k, _) in enumerate(pairs) if any(k == k2 for k2, _ in pairs[:i])})


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


_LOCATION_KEYS = ("channel_id", "label", "kinds", "voucher_services", "accepts_new_clients", "quality")
_PERIOD_KEYS = ("start", "end")
_NO_KEYS = _JsonObject([])


def _read_json(text: str, problems: _Problems) -> list[_Record]:
    """The locations with their figures taken out of "quality", keeping known keys that are not null. Key problems
    (unknown, repeated) and objects where there must be one are reported here, before any value is checked."""
    try:
        document = json.loads(text, object_pairs_hook=_JsonObject, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        problems.add(None, "syntax", f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno, "$")
        return []
    except ValueError as exc:
        problems.add(None, "syntax", f"not valid JSON: {exc}", None, "$")
        return []
    except RecursionError:  # valid JSON, but nested deeper than json.loads goes
        problems.add(None, "syntax", "not valid JSON here: nested too deep", None, "$")
        return []

    def known(obj: Any, path: str, allowed: Collection[str], field: str | None, reason: str, show: bool = False) -> Any:
        """The keys of the JSON object `obj` that are `allowed` and not null, after reporting any other; None when
        `obj` is not an object, reported under `field` with `reason` (and `obj` if `show`)."""
        if not isinstance(obj, _JsonObject):
            problems.add(field, "wrong_type", reason, None, path, obj if show else None)
            return None
        for key in obj.repeated:
            problems.add(_shown(key), "duplicate_key", f"key {key!r} appears twice", None, path)
        for key in obj:
            if key not in allowed:
                problems.add(_shown(key), "unknown_field", f"unknown field {key!r}", None, f"{path}.{_shown(key)}", key)
        return {key: value for key, value in obj.items() if key in allowed and value is not None}

    if known(document, "$", ("version", "locations"), None, "the file must hold a JSON object") is None:
        return []
    version = document.get("version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        reason = f'"version" must be {FORMAT_VERSION}' + (" (it is missing)" if version is None else "")
        shown = None if version is None else json.dumps(version)
        problems.add("version", "unsupported_version", reason, None, "$.version", shown)
    locations = document.get("locations")
    if not isinstance(locations, list):
        reason = '"locations" must be a list of objects' + (" (it is missing)" if locations is None else "")
        problems.add("locations", "wrong_type", reason, None, "$.locations")
        return []

    records = []
    for i, item in enumerate(locations):
        base = f"$.locations[{i}]"
        fields = known(item, base, _LOCATION_KEYS, None, "each location must be a JSON object")
        if fields is None:
            continue
        reason = '"quality" must be an object'
        quality = known(fields.pop("quality", _NO_KEYS), f"{base}.quality", _FIGURE_NAMES, "quality", reason, True)
        for spec in FIGURES:
            if spec.name not in (quality or {}):
                continue
            path = f"{base}.quality.{spec.name}"
            keys = ("value", "period", "responses") if spec.responses_field else ("value", "period")
            figure = known(quality[spec.name], path, keys, spec.value_field, f"{spec.name!r} must be an object")
            if figure is not None:
                reason = '"period" must be an object with "start" and "end"'
                period = known(
                    figure.pop("period", _NO_KEYS), f"{path}.period", _PERIOD_KEYS, spec.period_field, reason, True
                )
                fields[spec.name] = figure | {"period": period or {}}
        records.append(_Record(fields, path=base))
    return records


# ---------------------------------------------------------------------------------------------------------------
# Writing


def _number_text(value: float) -> str:
    return str(value) if isinstance(value, int) else repr(float(value))


def dump_overlay_csv(overlay: Overlay) -> str:
    """The overlay as CSV text with every column, comma-separated, in the documented column order."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in overlay.entries:
        row: dict[str, str] = {
            "channel_id": entry.channel_id,
            "label": entry.label,
            "kinds": LIST_SEPARATOR.join(entry.kinds),
            "voucher_services": LIST_SEPARATOR.join(entry.voucher_services),
            "accepts_new_clients": "true" if entry.accepts_new_clients else "false",
        }
        for spec in FIGURES:
            figure: Figure | None = getattr(entry, spec.name)
            if figure is None:
                continue
            row[spec.value_field] = _number_text(figure.value)
            row[spec.start_field] = figure.period.start.isoformat()
            row[spec.end_field] = figure.period.end.isoformat()
            if spec.responses_field and figure.responses is not None:
                row[spec.responses_field] = str(figure.responses)
        writer.writerow([row.get(column, "") for column in COLUMNS])
    return out.getvalue()


def dump_overlay_json(overlay: Overlay) -> str:
    """The overlay as JSON text (version, locations), two-space indented."""
    locations = []
    for entry in overlay.entries:
        item: dict[str, Any] = {"channel_id": entry.channel_id}
        if entry.label:
            item["label"] = entry.label
        item["kinds"] = list(entry.kinds)
        if entry.voucher_services:
            item["voucher_services"] = list(entry.voucher_services)
        item["accepts_new_clients"] = entry.accepts_new_clients
        quality = {}
        for spec in FIGURES:
            figure: Figure | None = getattr(entry, spec.name)
            if figure is None:
                continue
            quality[spec.name] = {
                "value": figure.value,
                **({"responses": figure.responses} if figure.responses is not None else {}),
                "period": {"start": figure.period.start.isoformat(), "end": figure.period.end.isoformat()},
            }
        if quality:
            item["quality"] = quality
        locations.append(item)
    return json.dumps({"version": FORMAT_VERSION, "locations": locations}, ensure_ascii=False, indent=2) + "\n"


def write_overlay(overlay: Overlay, path: Path | str) -> Path:
    """Write `overlay` to `path` as CSV or JSON according to the suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = dump_overlay_csv(overlay)
    elif suffix == ".json":
        text = dump_overlay_json(overlay)
    else:
        raise ValueError(f"{path}: use a .csv or a .json file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    return path
