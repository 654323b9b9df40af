"""The organiser's catalogue overlay: which PTV service locations are approved for freedom of choice, and how they do.

PTV no longer marks freedom-of-choice providers, so the organiser publishes its own list, keyed by PTV service
channel id: which locations are approved sote centres, dental units and voucher providers (and for which voucher
services), whether each accepts new clients, and the quality figures the organiser publishes (T3, client
satisfaction, net promoter score), each with the period it was measured over.

Two equivalent file formats, both documented in docs/catalogue-overlay.md: a CSV file (one row per location, for
people who keep the list in a spreadsheet) and a JSON file (for systems). `parse_overlay` reads either and
validates everything; validation is all or nothing: any problem raises `OverlayError` with every problem found
(line or JSON path, field, code and an English reason), and nothing is returned. The `code` of a problem is stable,
so a caller can show its own translated message instead of the English `reason`.

`dump_overlay_csv`, `dump_overlay_json` and `write_overlay` write an `Overlay` back out in either format.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

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
COLUMNS = (
    "channel_id",
    "label",
    "kinds",
    "voucher_services",
    "accepts_new_clients",
    "t3_days",
    "t3_period_start",
    "t3_period_end",
    "satisfaction",
    "satisfaction_responses",
    "satisfaction_period_start",
    "satisfaction_period_end",
    "nps",
    "nps_responses",
    "nps_period_start",
    "nps_period_end",
)


@dataclass(frozen=True)
class _FigureSpec:
    name: str  # JSON key under "quality" and CSV column prefix
    value_field: str
    responses_field: str | None
    integer: bool
    minimum: float
    maximum: float
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
    _FigureSpec("t3", "t3_days", None, True, 0, T3_MAX_DAYS, "T3 (days)"),
    _FigureSpec(
        "satisfaction",
        "satisfaction",
        "satisfaction_responses",
        False,
        SATISFACTION_MIN,
        SATISFACTION_MAX,
        "satisfaction",
    ),
    _FigureSpec("nps", "nps", "nps_responses", True, NPS_MIN, NPS_MAX, "net promoter score"),
)

_TRUE = {"true", "yes", "1", "kyllä", "ja"}
_FALSE = {"false", "no", "0", "ei", "nej"}
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
# Characters a label cannot be stored with: NUL (PostgreSQL text refuses it), lone surrogates (JSON "\ud800"; no UTF-8)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


@dataclass
class _Raw:
    """One location as read from either format, before validation.

    `values` maps field names to raw values: strings from CSV (absent when the cell is empty), JSON values from
    JSON (absent when the key is missing or null). `paths` maps field names to JSON paths.
    """

    values: dict[str, Any]
    textual: bool  # CSV: everything is text, and booleans and lists are spelled out
    line: int | None = None
    base_path: str | None = None
    paths: dict[str, str] = field(default_factory=dict)


def _shown(name: str) -> str:
    """A key or column name as a problem names it: escaped as repr() does unless printable (a line break, a NUL or
    a lone surrogate would break the one-line problem, or the message could not be printed at all)."""
    return name if name.isprintable() else repr(name)[1:-1]


class _Problems:
    def __init__(self) -> None:
        self.items: list[OverlayProblem] = []

    def add(self, raw: _Raw | None, name: str | None, code: str, reason: str, value: Any = None) -> None:
        path = None
        if raw is not None and raw.base_path is not None:
            path = raw.paths.get(name or "", raw.base_path)
        shown = None if value is None else (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        self.items.append(OverlayProblem(name, code, reason, raw.line if raw else None, path, shown))


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
        problems.add(None, None, "unreadable", f"not UTF-8 text (byte {exc.start}); save the file as UTF-8")
        raise OverlayError(source, problems.items) from None
    raws = _read_csv(text, problems) if fmt == "csv" else _read_json(text, problems)
    entries = _validate(raws, problems)
    if problems.items:
        raise OverlayError(source, problems.items)
    return Overlay(tuple(entries))


def _read_csv(text: str, problems: _Problems) -> list[_Raw]:
    if not text.strip():
        problems.add(None, None, "empty", "the file is empty: the first line must name the columns")
        return []
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: Iterator[list[str]] = iter(reader)
    try:
        header = [cell.strip().lower() for cell in next(rows)]
    except csv.Error as exc:
        problems.add(_Raw({}, True, line=1), None, "syntax", f"the header row is not valid CSV: {exc}")
        return []
    header_raw = _Raw({}, True, line=1)
    known: list[str | None] = []
    for column in header:
        if not column:
            problems.add(header_raw, None, "unknown_column", "a column has no name in the header row")
            known.append(None)
        elif column not in COLUMNS:
            problems.add(header_raw, _shown(column), "unknown_column", f"unknown column {column!r}", column)
            known.append(None)
        elif column in known:
            problems.add(header_raw, column, "duplicate_column", f"column {column!r} appears twice", column)
            known.append(None)
        else:
            known.append(column)
    missing = [c for c in REQUIRED_COLUMNS if c not in known]
    for column in missing:
        problems.add(header_raw, column, "missing_column", f"required column {column!r} is missing")
    if missing:
        return []  # every row would repeat the same complaint

    raws = []
    line = 1  # physical line where the previous record ended
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.add(_Raw({}, True, line=reader.line_num), None, "syntax", f"not valid CSV: {exc}")
            break
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # spreadsheets leave empty rows behind
        raw = _Raw({}, True, line=start)
        if len(cells) > len(known) and any(c.strip() for c in cells[len(known) :]):
            problems.add(
                raw, None, "wrong_cell_count", f"the row has {len(cells)} cells but the header names {len(known)}"
            )
            continue
        for known_column, cell in zip(known, cells, strict=False):
            if known_column is not None and cell.strip():
                raw.values[known_column] = cell.strip()
        raws.append(raw)
    return raws


class _JsonObject(dict[str, Any]):
    """A decoded JSON object that remembers keys it saw twice (plain json.loads keeps the last silently)."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.repeated = sorted({k for i, (k, _) in enumerate(pairs) if any(k == k2 for k2, _ in pairs[:i])})


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


_LOCATION_KEYS = ("channel_id", "label", "kinds", "voucher_services", "accepts_new_clients", "quality")


def _read_json(text: str, problems: _Problems) -> list[_Raw]:
    try:
        document = json.loads(text, object_pairs_hook=_JsonObject, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        problems.items.append(
            OverlayProblem(None, "syntax", f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno, "$")
        )
        return []
    except ValueError as exc:
        problems.items.append(OverlayProblem(None, "syntax", f"not valid JSON: {exc}", None, "$"))
        return []
    except RecursionError:  # valid JSON, but nested deeper than json.loads goes
        problems.items.append(OverlayProblem(None, "syntax", "not valid JSON here: nested too deep", None, "$"))
        return []

    def check_keys(obj: _JsonObject, path: str, allowed: Sequence[str], raw: _Raw | None = None) -> None:
        for key in obj.repeated:
            problems.items.append(
                OverlayProblem(
                    _shown(key), "duplicate_key", f"key {key!r} appears twice", raw.line if raw else None, path
                )
            )
        for key in obj:
            if key not in allowed:
                problems.items.append(
                    OverlayProblem(
                        _shown(key), "unknown_field", f"unknown field {key!r}", None, f"{path}.{_shown(key)}", key
                    )
                )

    if not isinstance(document, _JsonObject):  # every JSON object is one (object_pairs_hook)
        problems.items.append(OverlayProblem(None, "wrong_type", "the file must hold a JSON object", None, "$"))
        return []
    check_keys(document, "$", ("version", "locations"))
    version = document.get("version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        reason = f'"version" must be {FORMAT_VERSION}' + (" (it is missing)" if version is None else "")
        shown = None if version is None else json.dumps(version)
        problems.items.append(OverlayProblem("version", "unsupported_version", reason, None, "$.version", shown))
    locations = document.get("locations")
    if not isinstance(locations, list):
        reason = '"locations" must be a list of objects' + (" (it is missing)" if locations is None else "")
        problems.items.append(OverlayProblem("locations", "wrong_type", reason, None, "$.locations"))
        return []

    raws = []
    for i, item in enumerate(locations):
        base = f"$.locations[{i}]"
        if not isinstance(item, _JsonObject):
            problems.items.append(OverlayProblem(None, "wrong_type", "each location must be a JSON object", None, base))
            continue
        raw = _Raw({}, False, base_path=base)
        check_keys(item, base, _LOCATION_KEYS)
        for key in _LOCATION_KEYS[:-1]:
            raw.paths[key] = f"{base}.{key}"
            if item.get(key) is not None:
                raw.values[key] = item[key]
        raw.paths["quality"] = f"{base}.quality"
        quality = item.get("quality")
        if quality is not None and not isinstance(quality, _JsonObject):
            problems.add(raw, "quality", "wrong_type", '"quality" must be an object', quality)
        elif quality is not None:
            check_keys(quality, f"{base}.quality", [f.name for f in FIGURES])
            for spec in FIGURES:
                _read_json_figure(
                    spec, quality.get(spec.name), f"{base}.quality.{spec.name}", raw, problems, check_keys
                )
        raws.append(raw)
    return raws


def _read_json_figure(
    spec: _FigureSpec,
    figure: Any,
    path: str,
    raw: _Raw,
    problems: _Problems,
    check_keys: Callable[..., None],
) -> None:
    raw.paths[spec.value_field] = f"{path}.value"
    raw.paths[spec.period_field] = f"{path}.period"
    raw.paths[spec.start_field] = f"{path}.period.start"
    raw.paths[spec.end_field] = f"{path}.period.end"
    if spec.responses_field:
        raw.paths[spec.responses_field] = f"{path}.responses"
    if figure is None:
        return
    if not isinstance(figure, dict):
        problems.items.append(
            OverlayProblem(spec.value_field, "wrong_type", f"{spec.name!r} must be an object", None, path)
        )
        return
    allowed = ["value", "period"] + (["responses"] if spec.responses_field else [])
    check_keys(figure, path, allowed)
    for key, name in (("value", spec.value_field), ("responses", spec.responses_field)):
        if name and figure.get(key) is not None:
            raw.values[name] = figure[key]
    period = figure.get("period")
    if period is not None and not isinstance(period, dict):
        problems.add(raw, spec.period_field, "wrong_type", '"period" must be an object with "start" and "end"', period)
    elif period is not None:
        check_keys(period, f"{path}.period", ("start", "end"))
        for key, name in (("start", spec.start_field), ("end", spec.end_field)):
            if period.get(key) is not None:
                raw.values[name] = period[key]


# ---------------------------------------------------------------------------------------------------------------
# Validation, the same for both formats


def _validate(raws: Sequence[_Raw], problems: _Problems) -> list[OverlayEntry]:
    entries = []
    first_seen: dict[str, _Raw] = {}
    for raw in raws:
        entry = _validate_entry(raw, problems)
        if entry is None:
            continue
        earlier = first_seen.get(entry.channel_id)
        if earlier is not None:
            where = f"line {earlier.line}" if earlier.line else earlier.base_path
            problems.add(
                raw, "channel_id", "duplicate_channel_id", f"channel id already listed at {where}", entry.channel_id
            )
            continue
        first_seen[entry.channel_id] = raw
        entries.append(entry)
    return entries


def _validate_entry(raw: _Raw, problems: _Problems) -> OverlayEntry | None:
    before = len(problems.items)
    values = raw.values

    channel_id = _text(raw, "channel_id", problems, required=True)
    if channel_id is not None:
        channel_id = channel_id.strip().lower()
        if not _GUID.match(channel_id):
            problems.add(
                raw, "channel_id", "invalid_channel_id", "not a PTV service channel id (a GUID)", values["channel_id"]
            )

    kinds = _choices(raw, "kinds", Kind, problems, required=True, what="kind")
    vouchers = _choices(raw, "voucher_services", VoucherService, problems, required=False, what="voucher service")
    if kinds is not None and vouchers is not None:
        if Kind.VOUCHER_PROVIDER in kinds and not vouchers:
            problems.add(
                raw,
                "voucher_services",
                "voucher_services_required",
                "a voucher_provider must name the voucher services it is approved for",
            )
        elif Kind.VOUCHER_PROVIDER not in kinds and vouchers:
            problems.add(
                raw,
                "voucher_services",
                "voucher_services_not_allowed",
                "voucher services are given but kinds does not include voucher_provider",
                values.get("voucher_services"),
            )

    accepts = _boolean(raw, "accepts_new_clients", problems)
    label = _text(raw, "label", problems) or ""
    if len(label) > LABEL_MAX_LENGTH:
        problems.add(raw, "label", "too_long", f"longer than {LABEL_MAX_LENGTH} characters")
    elif unstorable := _UNSTORABLE.search(label):
        reason = f"contains U+{ord(unstorable[0]):04X}, a character that cannot be stored; remove it"
        problems.add(raw, "label", "invalid_text", reason)

    figures: dict[str, Figure | None] = {}
    for spec in FIGURES:
        figures[spec.name] = _figure(raw, spec, problems)
        if figures[spec.name] is not None and kinds is not None and not T3_KINDS & set(kinds) and spec.name == "t3":
            problems.add(
                raw,
                spec.value_field,
                "not_applicable",
                "T3 applies only to sote_centre and dental_unit locations",
                values.get(spec.value_field),
            )

    if len(problems.items) > before or channel_id is None or kinds is None or vouchers is None or accepts is None:
        return None
    return OverlayEntry(
        channel_id=channel_id,
        kinds=kinds,
        voucher_services=vouchers,
        accepts_new_clients=accepts,
        t3=figures["t3"],
        satisfaction=figures["satisfaction"],
        nps=figures["nps"],
        label=label,
    )


def _text(raw: _Raw, name: str, problems: _Problems, *, required: bool = False) -> str | None:
    value = raw.values.get(name)
    if value is None:
        if required:
            problems.add(raw, name, "required", "required; it is empty")
        return None
    if not isinstance(value, str):
        problems.add(raw, name, "wrong_type", "must be a string", value)
        return None
    if required and not value.strip():
        problems.add(raw, name, "required", "required; it is empty")
        return None
    return value


def _choices(raw: _Raw, name: str, enum: type[StrEnum], problems: _Problems, *, required: bool, what: str) -> Any:
    """A tuple of enum members in enum order, () when absent and optional, None after a problem."""
    value = raw.values.get(name)
    if value is None or value == []:
        if required:
            problems.add(raw, name, "required", f"required: at least one {what}")
            return None
        return ()
    if raw.textual:
        items = [part.strip().lower() for part in value.split(LIST_SEPARATOR)]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = [v.strip().lower() for v in value]
    else:
        problems.add(raw, name, "wrong_type", "must be a list of strings", value)
        return None
    allowed = [m.value for m in enum]
    ok = True
    for item in items:
        if item not in allowed:
            code = "unknown_kind" if enum is Kind else "unknown_voucher_service"
            shown = item or "(empty)"
            problems.add(raw, name, code, f"unknown {what} {shown!r}; allowed: {', '.join(allowed)}", item)
            ok = False
    repeated = sorted({i for i in items if items.count(i) > 1 and i})
    for item in repeated:
        code = "duplicate_kind" if enum is Kind else "duplicate_voucher_service"
        problems.add(raw, name, code, f"{what} {item!r} is listed twice", item)
        ok = False
    return tuple(m for m in enum if m.value in items) if ok else None


def _boolean(raw: _Raw, name: str, problems: _Problems) -> bool | None:
    value = raw.values.get(name)
    if value is None:
        problems.add(raw, name, "required", "required: true or false")
        return None
    if isinstance(value, bool):
        return value
    if raw.textual and isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        problems.add(raw, name, "invalid_boolean", f"{value!r} is not a yes/no value: use true or false", value)
        return None
    problems.add(raw, name, "invalid_boolean", "must be true or false (a JSON boolean, not a string)", value)
    return None


def _number(raw: _Raw, name: str, problems: _Problems, *, integer: bool, minimum: float, maximum: float) -> Any:
    """The number in `name`: int or float; None when absent or after a problem (`problems` says which)."""
    value = raw.values.get(name)
    if value is None:
        return None
    kind = "a whole number" if integer else "a number"
    if raw.textual:
        pattern = _INTEGER if integer else _DECIMAL
        if not isinstance(value, str) or not pattern.match(value):
            problems.add(raw, name, "invalid_number", f"{value!r} is not {kind}", value)
            return None
        # float(), not int(): int() refuses over 4300 digits, float() makes them inf. In range, the value is exact.
        number: int | float = float(value.replace(",", "."))
    elif isinstance(value, bool) or not isinstance(value, int | float) or (integer and not isinstance(value, int)):
        problems.add(raw, name, "invalid_number", f"must be {kind}", value)
        return None
    else:
        number = value  # compared as it is: float() of a JSON integer of 400 digits overflows
    if not minimum <= number <= maximum:
        low, high = (int(minimum), int(maximum)) if integer else (minimum, maximum)
        problems.add(raw, name, "out_of_range", f"{value} is outside the allowed range {low}..{high}", value)
        return None
    return int(number) if integer else float(number)


def _date(raw: _Raw, name: str, problems: _Problems) -> date | None:
    value = raw.values.get(name)
    if value is None:
        return None
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    problems.add(raw, name, "invalid_date", f"{value!r} is not a date in the form YYYY-MM-DD", value)
    return None


def _figure(raw: _Raw, spec: _FigureSpec, problems: _Problems) -> Figure | None:
    before = len(problems.items)
    has = {name: name in raw.values for name in (spec.value_field, spec.start_field, spec.end_field)}
    value = _number(raw, spec.value_field, problems, integer=spec.integer, minimum=spec.minimum, maximum=spec.maximum)
    start = _date(raw, spec.start_field, problems)
    end = _date(raw, spec.end_field, problems)
    responses = None
    if spec.responses_field:
        responses = _number(raw, spec.responses_field, problems, integer=True, minimum=1, maximum=10_000_000)
    if not has[spec.value_field]:
        for name in (spec.start_field, spec.end_field, spec.responses_field):
            if name and name in raw.values:
                problems.add(
                    raw,
                    name,
                    "period_without_value",
                    f"given, but there is no {spec.what} value ({spec.value_field}) it would belong to",
                    raw.values[name],
                )
        return None
    if not has[spec.start_field] and not has[spec.end_field]:
        problems.add(
            raw,
            spec.period_field,
            "missing_period",
            f"the {spec.what} has no measurement period: give {spec.start_field} and {spec.end_field}",
        )
    else:
        for name in (spec.start_field, spec.end_field):
            if not has[name]:
                problems.add(
                    raw, name, "missing_period", f"the {spec.what} needs both ends of its period; this is empty"
                )
    if start and end and end < start:
        problems.add(
            raw, spec.end_field, "period_end_before_start", f"the period ends ({end}) before it starts ({start})"
        )
    if len(problems.items) > before or value is None or start is None or end is None:
        return None
    return Figure(value, Period(start, end), responses)


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
