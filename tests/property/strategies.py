"""Hypothesis settings and the inputs the property tests generate: hostile values, PTV records and feed files,
organiser overlays as CSV and JSON files, and byte-level damage to any of them.

Structured inputs start from something valid in shape (a v11 record, an overlay the writer produced) and then change
a few places: a value replaced by a hostile one (huge, negative or non-finite numbers, NUL and other control
characters, lone surrogates, BOMs, Unicode digits, very long strings, wrong JSON types), a key or cell removed, one
added, a list item or row repeated. Shrinking then removes the changes that do not matter, so a failure names the
one place that breaks the reader.
"""

from __future__ import annotations

import csv
import io
import json
import operator
from datetime import date, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from adapters.overlay import (
    COLUMNS,
    NPS_MAX,
    NPS_MIN,
    SATISFACTION_MAX,
    SATISFACTION_MIN,
    T3_KINDS,
    T3_MAX_DAYS,
    Figure,
    Kind,
    Overlay,
    OverlayEntry,
    Period,
    VoucherService,
    dump_overlay_csv,
    dump_overlay_json,
)

# Reproducible in CI: the same examples on every run (derandomize), no per-example time limit (the first call into
# pyproj or PostgreSQL is slow), and no example database written into the working tree.
BASE = settings(derandomize=True, deadline=None, database=None, print_blob=False)
PARSER = settings(BASE, max_examples=200)
# Through the real importer and loader on the `app` fixture: few examples, so each engine takes seconds. The fixture
# is per test, not per example, so each example resets the tables it uses itself.
DATABASE = settings(
    BASE,
    max_examples=50,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- hostile values ----------------------------------------------------------------------------------------------

# Characters that have broken readers before: NUL and other controls, line and paragraph separators str.splitlines
# knows, lone surrogates (JSON's "\ud800" decodes to one), BOM, non-characters, separators, quotes, and digits that
# Python's \d, int() and str.isdigit() accept though they are not ASCII.
TRICKY_CHARACTERS = list(
    "\x00\x01\x1f\x7f\t\r\n\x0b\x0c\x1c\x85\u2028\u2029\ufeff\ud800\udfff\ufffe\U0010ffff;,|\"'\\ "
    "\u0663\u00b2\uff10\u0130\u00df\u0301\u00e4"
)
CHARACTER = st.one_of(st.characters(), st.sampled_from(TRICKY_CHARACTERS))
TEXT = st.one_of(
    st.text(CHARACTER, max_size=12),
    # Very long: longer than any column it could be stored in.
    st.builds(operator.mul, st.text(CHARACTER, min_size=1, max_size=3), st.integers(100, 3000)),
)
HUGE_INTEGERS = st.sampled_from([10**400, -(10**400), 2**63, -(2**63) - 1, 2**31, 10**4299])
NUMBER = st.one_of(st.integers(), HUGE_INTEGERS, st.floats())  # floats include NaN and the infinities
JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), NUMBER, TEXT),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*path, index)))
    return found


def _parent(value: Any, path: tuple) -> Any:
    for step in path[:-1]:
        value = value[step]
    return value


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[Any], *, max_changes: int = 3) -> Any:
    """A value of `base` (JSON-shaped) with up to `max_changes` places below the top replaced (by a hostile value of
    the same JSON type, or by any JSON value), removed, added to or repeated. Any JSON value at the top is a test of
    its own."""
    value = draw(base)
    for _ in range(draw(st.integers(0, max_changes))):
        change = draw(st.sampled_from(["alike", "replace", "remove", "add", "repeat"]))
        paths = _paths(value)
        if change == "alike":  # a leaf: a string, a number (bool is one too), or null
            paths = [path for path in paths if path and not isinstance(_parent(value, path)[path[-1]], dict | list)]
            if not paths:
                continue
        path = draw(st.sampled_from(paths))
        if path and change in ("alike", "replace"):
            old = _parent(value, path)[path[-1]]
            alike = TEXT if isinstance(old, str) else NUMBER if isinstance(old, int | float) else JSON_VALUE
            _parent(value, path)[path[-1]] = draw(alike if change == "alike" else JSON_VALUE)
            continue
        target = value
        for step in path:
            target = target[step]
        if change == "remove" and path:
            del _parent(value, path)[path[-1]]
        elif change == "add" and isinstance(target, dict):
            target[draw(TEXT)] = draw(JSON_VALUE)
        elif change == "add" and isinstance(target, list):
            target.append(draw(JSON_VALUE))
        elif change == "repeat" and path and isinstance(_parent(value, path), list):
            _parent(value, path).insert(path[-1], json.loads(json.dumps(target)))
    return value


ONE_IN_THREE = st.sampled_from([False, False, True])


@st.composite
def damaged_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` with up to three byte-level accidents: a BOM, a cut, bytes inserted or overwritten (often not UTF-8)."""
    junk = st.one_of(
        st.binary(min_size=1, max_size=4),
        st.sampled_from([b"\xef\xbb\xbf", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\r", b"\n", b'"', b"[", b"{"]),
    )
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        change = draw(st.sampled_from(["bom", "cut", "insert", "overwrite"]))
        if change == "bom":
            data = b"\xef\xbb\xbf" + data
        elif change == "cut":
            data = data[:at]
        elif change == "insert":
            data = data[:at] + draw(junk) + data[at:]
        else:
            piece = draw(junk)
            data = data[:at] + piece + data[at + len(piece) :]
    return data


# --- PTV v11 records ---------------------------------------------------------------------------------------------

GUID = st.one_of(st.uuids().map(str), st.uuids().map(lambda u: str(u).upper()))
LANGUAGE = st.sampled_from(["fi", "sv", "en", "sms"])
WORDS = st.sampled_from(["Terveysasema", "Hälsostationen", "Hammashoitola", "Kotihoito", "Ympärivuorokautinen"])
SHORT_TEXT = st.one_of(WORDS, TEXT)
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_OFFSETS = st.timedeltas(min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59))
_ZONES = st.one_of(st.none(), _OFFSETS.map(lambda offset: timezone(offset)))
# PTV's `modified` and hours validity: ISO text, naive or with an offset, from year 1 to 9999; or anything at all.
TIMESTAMP = st.one_of(
    st.none(),
    st.builds(lambda moment: moment.isoformat(), st.datetimes(timezones=_ZONES)),
    st.builds(lambda moment: moment.isoformat() + "1", st.datetimes(min_value=datetime(2000, 1, 1))),  # 7 digits
    st.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "2025-02-30T00:00:00"]),
    TEXT,
)
# TM35FIN metres as PTV writes them, a number where a string belongs, or anything at all.
NORTHING = st.one_of(st.floats(6_590_000, 7_790_000).map(lambda n: f"{n:.3f}"), st.just("0"), NUMBER, TEXT)
EASTING = st.one_of(st.floats(40_000, 780_000).map(lambda e: f"{e:.3f}"), st.just("0"), NUMBER, TEXT)
TIME_OF_DAY = st.one_of(
    st.builds(lambda h, m: f"{h:02d}:{m:02d}:00", st.integers(0, 23), st.integers(0, 59)),
    st.sampled_from(["24:00", "24:00:00", "25:00", "8:00", "00:00"]),
    TEXT,
)


def localized(types: list[str] | None = None, *, min_size: int = 0) -> st.SearchStrategy[list[dict[str, Any]]]:
    optional = {"type": st.sampled_from(types)} if types else {}
    entry = st.fixed_dictionaries({"language": LANGUAGE, "value": SHORT_TEXT}, optional=optional)
    return st.lists(entry, min_size=min_size, max_size=3)


# A Finnish name first, as nearly every record has, then perhaps others in any language and of any type.
NAMES = st.builds(
    lambda first, others: [first, *others],
    st.fixed_dictionaries({"language": st.just("fi"), "value": WORDS, "type": st.just("Name")}),
    st.lists(
        st.fixed_dictionaries(
            {"language": LANGUAGE, "value": SHORT_TEXT, "type": st.sampled_from(["Name", "AlternativeName", "Nick"])}
        ),
        max_size=2,
    ),
)
MUNICIPALITY = st.fixed_dictionaries(
    {
        "code": st.one_of(st.sampled_from(["091", "1", "186", "0910"]), st.integers(-5, 10**6).map(str), TEXT),
        "name": localized(),
    }
)
AREAS = st.lists(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["Municipality", "Province"]), "municipalities": st.lists(MUNICIPALITY, max_size=2)}
    ),
    max_size=2,
)
PHONE = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["Phone", "Sms", "Fax", "Pager"]),
        "prefixNumber": st.one_of(st.just("+358"), TEXT),
        "number": st.one_of(st.from_regex(r"\A[0-9 ]{5,12}\Z"), TEXT),
        "isFinnishServiceNumber": st.booleans(),
        "serviceChargeType": st.sampled_from(["Chargeable", "FreeOfCharge"]),
        "additionalInformation": st.none() | SHORT_TEXT,
        "language": LANGUAGE,
    }
)
EMAIL = st.fixed_dictionaries({"value": st.one_of(st.just("info@example.fi"), TEXT), "language": LANGUAGE})
WEB_PAGE = st.fixed_dictionaries(
    {"url": st.one_of(st.just("https://example.fi"), TEXT), "value": SHORT_TEXT, "language": LANGUAGE}
)
OPENING_ROW = st.fixed_dictionaries(
    {
        "dayFrom": st.sampled_from([*WEEKDAYS, "", "Funday"]),
        "dayTo": st.sampled_from([*WEEKDAYS, ""]),
        "from": TIME_OF_DAY,
        "to": TIME_OF_DAY,
    }
)
SERVICE_HOURS = st.lists(
    st.fixed_dictionaries(
        {
            "serviceHourType": st.sampled_from(["DaysOfTheWeek", "OverMidnight", "Exceptional", "Special"]),
            "validFrom": TIMESTAMP,
            "validTo": TIMESTAMP,
            "isClosed": st.booleans(),
            "isAlwaysOpen": st.booleans(),
            "isReservation": st.booleans(),
            "additionalInformation": localized(),
            "openingHour": st.lists(OPENING_ROW, max_size=3),
        }
    ),
    max_size=2,
)
POINT = st.fixed_dictionaries({"latitude": NORTHING, "longitude": EASTING})
STREET_ADDRESS = st.fixed_dictionaries(
    {
        "street": localized(),
        "streetNumber": st.one_of(st.just("13"), TEXT),
        "postalCode": st.one_of(st.from_regex(r"\A[0-9]{5}\Z"), TEXT),
        "postOffice": localized(),
        "municipality": st.none() | MUNICIPALITY,
        "latitude": NORTHING,
        "longitude": EASTING,
        "additionalInformation": localized(),
    }
)
ENTRANCE = st.fixed_dictionaries(
    {
        "name": localized(),
        "isMainEntrance": st.booleans(),
        "coordinates": st.none() | POINT,
        "accessibilitySentences": st.lists(
            st.fixed_dictionaries(
                {
                    "sentenceGroup": localized(),
                    "sentences": st.lists(st.fixed_dictionaries({"sentence": localized()}), max_size=2),
                }
            ),
            max_size=2,
        ),
    }
)
ADDRESS = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["Location", "Visiting", "Postal", "Delivery"]),
        "subType": st.sampled_from(["Single", "Street", "PostOfficeBox", "Other", "Abroad"]),
        "streetAddress": st.none() | STREET_ADDRESS,
        "postOfficeBoxAddress": st.none()
        | st.fixed_dictionaries({"postOfficeBox": localized(), "postalCode": TEXT, "municipality": MUNICIPALITY}),
        "otherAddress": st.none() | POINT,
        "locationAbroad": localized(),
        "entrances": st.lists(ENTRANCE, max_size=1),
    }
)
CONTACT = st.fixed_dictionaries(
    {
        "phoneNumbers": st.lists(PHONE, max_size=1),
        "emails": st.lists(EMAIL, max_size=1),
        "webPages": st.lists(WEB_PAGE, max_size=1),
    }
)
STATUS = st.sampled_from(["Published"] * 8 + ["Deleted", "Withdrawn"])


def _connection(other: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            other: st.fixed_dictionaries({"id": st.one_of(GUID, TEXT), "name": SHORT_TEXT}),
            "serviceChargeType": st.none() | SHORT_TEXT,
            "description": localized(),
            "serviceHours": SERVICE_HOURS,
            "contactDetails": st.none() | CONTACT,
            "modified": TIMESTAMP,
        }
    )


def ptv_location(ids: st.SearchStrategy[str] = GUID) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "id": ids,
            "serviceChannelType": st.just("ServiceLocation"),
            "organizationId": GUID,
            "serviceChannelNames": NAMES,
            "displayNameType": st.lists(
                st.fixed_dictionaries({"type": st.sampled_from(["Name", "AlternativeName"]), "language": LANGUAGE}),
                max_size=2,
            ),
            "serviceChannelDescriptions": localized(["Summary", "Description"]),
            "areas": AREAS,
            "phoneNumbers": st.lists(PHONE, max_size=2),
            "emails": st.lists(EMAIL, max_size=1),
            "languages": st.lists(st.one_of(LANGUAGE, TEXT), max_size=3),
            "webPages": st.lists(WEB_PAGE, max_size=1),
            "addresses": st.lists(ADDRESS, max_size=2),
            "serviceHours": SERVICE_HOURS,
            "services": st.lists(_connection("service"), max_size=2),
            "publishingStatus": STATUS,
            "modified": TIMESTAMP,
        }
    )


def ptv_service(ids: st.SearchStrategy[str] = GUID) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "id": ids,
            "serviceNames": NAMES,
            "serviceDescriptions": localized(["Summary", "Description"]),
            "type": st.sampled_from(["Service", "PermitOrObligation"]),
            "fundingType": st.sampled_from(["PubliclyFunded", "MarketFunded"]),
            "serviceChargeType": st.none() | SHORT_TEXT,
            "generalDescriptionId": st.none() | GUID | TEXT,
            "serviceClasses": st.lists(
                st.fixed_dictionaries(
                    {
                        "code": st.one_of(st.sampled_from(["P5.10", "P5"]), TEXT),
                        "uri": st.none() | TEXT,
                        "name": localized(),
                    }
                ),
                max_size=3,
            ),
            "targetGroups": st.lists(st.fixed_dictionaries({"code": st.one_of(st.just("KR1"), TEXT)}), max_size=2),
            "languages": st.lists(LANGUAGE, max_size=3),
            "areas": AREAS,
            "organizations": st.lists(
                st.fixed_dictionaries(
                    {
                        "organization": st.fixed_dictionaries({"id": st.one_of(GUID, TEXT), "name": SHORT_TEXT}),
                        "roleType": st.sampled_from(["Responsible", "OtherResponsible", "Producer", "Funder"]),
                        "provisionType": st.sampled_from(["SelfProducedServices", "ProcuredServices", "Lottery"]),
                        "additionalInformation": localized(),
                    }
                ),
                max_size=2,
            ),
            "serviceVouchersInUse": st.booleans(),
            "serviceVouchers": st.lists(
                st.fixed_dictionaries({"value": SHORT_TEXT, "url": TEXT, "additionalInformation": TEXT}), max_size=1
            ),
            "serviceChannels": st.lists(_connection("serviceChannel"), max_size=2),
            "publishingStatus": STATUS,
            "modified": TIMESTAMP,
        }
    )


def ptv_organisation(ids: st.SearchStrategy[str] = GUID) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "id": ids,
            "organizationNames": NAMES,
            "organizationDescriptions": localized(["Summary", "Description"]),
            "businessCode": st.one_of(st.just("0123456-7"), TEXT),
            "organizationType": st.one_of(st.sampled_from(["Municipality", "Company", "Organization"]), TEXT),
            "oid": st.none() | TEXT,
            "parentOrganizationId": st.none() | GUID,
            "municipality": st.none() | MUNICIPALITY,
            "addresses": st.lists(ADDRESS, max_size=1),
            "phoneNumbers": st.lists(PHONE, max_size=1),
            "emails": st.lists(EMAIL, max_size=1),
            "webPages": st.lists(WEB_PAGE, max_size=1),
            "publishingStatus": STATUS,
            "modified": TIMESTAMP,
        }
    )


def ptv_other_channel(ids: st.SearchStrategy[str] = GUID) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "id": ids,
            "serviceChannelType": st.sampled_from(["EChannel", "Phone", "WebPage"]),
            "serviceChannelNames": NAMES,
        }
    )


def ptv_record(ids: st.SearchStrategy[str] = GUID) -> st.SearchStrategy[dict[str, Any]]:
    """Any kind of v11 record, valid in shape, with hostile values in its leaves."""
    location = ptv_location(ids)
    return st.one_of(location, ptv_service(ids), location, ptv_organisation(ids), location, ptv_other_channel(ids))


@st.composite
def ptv_file(draw: st.DrawFn, ids: st.SearchStrategy[str] = GUID, *, damage: bool = True) -> bytes:
    """A feed file: a response page, an array or one record, written as JSON, then perhaps damaged byte by byte."""
    records = draw(st.lists(mutated(ptv_record(ids), max_changes=2), max_size=3))
    shape = draw(st.sampled_from(["page", "array", "record"]))
    if shape == "page":
        document: Any = {"pageNumber": 1, "pageSize": 100, "pageCount": 1, "itemList": records or None}
    elif shape == "array":
        document = records
    else:
        document = records[0] if records else {}
    text = json.dumps(document, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 1])))
    data = text.encode("utf-8", "surrogatepass")  # a lone surrogate written raw is not UTF-8: the file is unreadable
    return draw(damaged_bytes(data)) if damage and draw(ONE_IN_THREE) else data


# --- organiser overlays ------------------------------------------------------------------------------------------


CHANNEL_IDS = st.uuids().map(str)


def _period() -> st.SearchStrategy[Period]:
    days = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
    return st.tuples(days, days).map(lambda pair: Period(*sorted(pair)))


RESPONSES = st.none() | st.integers(1, 10_000_000)
# Labels as organisers write them: CSV cells lose surrounding spaces, so generated labels have none; no NUL, which
# cannot be stored, and no lone surrogate, which a UTF-8 file cannot hold (st.characters() gives them unless told).
LABEL = st.one_of(
    st.just(""), WORDS, st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=200).map(str.strip)
)


@st.composite
def overlay_entry(draw: st.DrawFn, channel_id: str) -> OverlayEntry:
    chosen_kinds = draw(st.sets(st.sampled_from(list(Kind)), min_size=1))
    kinds = tuple(m for m in Kind if m in chosen_kinds)
    vouchers: tuple[VoucherService, ...] = ()
    if Kind.VOUCHER_PROVIDER in kinds:
        chosen = draw(st.sets(st.sampled_from(list(VoucherService)), min_size=1))
        vouchers = tuple(m for m in VoucherService if m in chosen)
    t3 = None
    if T3_KINDS & set(kinds):
        t3 = draw(st.none() | st.builds(Figure, st.integers(0, T3_MAX_DAYS), _period()))
    satisfaction = draw(
        st.none() | st.builds(Figure, st.floats(SATISFACTION_MIN, SATISFACTION_MAX), _period(), RESPONSES)
    )
    nps = draw(st.none() | st.builds(Figure, st.integers(NPS_MIN, NPS_MAX), _period(), RESPONSES))
    return OverlayEntry(
        channel_id,
        kinds,
        vouchers,
        draw(st.booleans()),
        t3=t3,
        satisfaction=satisfaction,
        nps=nps,
        label=draw(LABEL),
    )


@st.composite
def overlays(draw: st.DrawFn, ids: st.SearchStrategy[str] = CHANNEL_IDS) -> Overlay:
    channel_ids = draw(st.lists(ids, max_size=4, unique=True))
    return Overlay(tuple(draw(overlay_entry(channel_id)) for channel_id in channel_ids))


# Cell values that have tripped CSV readers, by what the column holds: numbers too long for int(), non-ASCII
# digits, both decimal marks, non-finite numbers; impossible and extreme dates; yes/no words in other languages;
# list separators in odd places.
NUMBER_CELL = st.one_of(
    st.sampled_from(["1" * 5000, "-0", "+5", "1e3", "4,5", "4.5.1", "\u0663", "\uff11\uff12", "\u00b2", "NaN", "inf"]),
    NUMBER.map(str),
    st.integers(-200, 400).map(str),
)
DATE_CELL = st.one_of(
    st.sampled_from(
        ["2025-02-30", "0000-01-01", "9999-12-31", "0001-01-01", "\u0662\u0660\u0662\u0665-01-01", "1.7.2025"]
    ),
    st.dates().map(date.isoformat),
)
BOOLEAN_CELL = st.sampled_from([" true ", "kyllä", "KYLLÄ", "joo", "Ja", "nej", "2", "\u0661"])
LIST_CELL = st.one_of(
    st.sampled_from(["sote_centre|", "|", "sote_centre|sote_centre", "voucher_provider", "home_care", "Dental_Unit"]),
    st.lists(st.sampled_from([*Kind, *VoucherService]), max_size=3).map("|".join),
)
CELL = st.one_of(st.just(""), TEXT, NUMBER_CELL, DATE_CELL, BOOLEAN_CELL, LIST_CELL)


def _cell(column: str) -> st.SearchStrategy[str]:
    if column.endswith(("_start", "_end")):
        alike = DATE_CELL
    elif column in ("t3_days", "satisfaction", "nps") or column.endswith("_responses"):
        alike = NUMBER_CELL
    else:
        alike = {"accepts_new_clients": BOOLEAN_CELL, "kinds": LIST_CELL, "voucher_services": LIST_CELL}.get(
            column, TEXT
        )
    return st.one_of(alike, CELL)


HEADER_NAME = st.one_of(
    st.sampled_from(COLUMNS),
    st.sampled_from(COLUMNS).map(lambda name: f" {name.upper()} "),
    st.sampled_from(["colour", "", "\ufeffchannel_id", "channel id"]),
    TEXT,
)


@st.composite
def overlay_csv(draw: st.DrawFn, ids: st.SearchStrategy[str] = CHANNEL_IDS, *, damage: bool = True) -> bytes:
    """An overlay as a spreadsheet might save it: the writer's CSV with cells, columns and rows changed, any
    separator, quoting and line end, perhaps a BOM, then perhaps damaged byte by byte."""
    rows = list(csv.reader(io.StringIO(dump_overlay_csv(draw(overlays(ids))), newline="")))
    for _ in range(draw(st.integers(0, 4))):
        change = draw(st.sampled_from(["cell", "cell", "header", "drop column", "extra cell", "short row", "repeat"]))
        row = draw(st.integers(0, len(rows) - 1))
        column = draw(st.integers(0, max(len(rows[0]), 1) - 1))
        if change == "cell" and row > 0 and column < min(len(rows[row]), len(rows[0])):
            rows[row][column] = draw(_cell(rows[0][column].strip().lower()))
        elif change == "header" and column < len(rows[0]):
            rows[0][column] = draw(HEADER_NAME)
        elif change == "drop column":
            rows = [cells[:column] + cells[column + 1 :] for cells in rows]
            if not rows[0]:
                rows[0] = [""]
        elif change == "extra cell":
            rows[row].append(draw(CELL))
        elif change == "short row":
            rows[row] = rows[row][:column]
        elif change == "repeat":
            rows.insert(row, list(rows[row]))
    delimiter = draw(st.sampled_from([",", ";"] * 3 + ["\t", "|"]))  # the reader knows comma and semicolon
    terminator = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    if draw(st.booleans()):
        out = io.StringIO(newline="")
        quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
        csv.writer(out, delimiter=delimiter, lineterminator=terminator, quoting=quoting).writerows(rows)
        text = out.getvalue()
    else:  # joined by hand, as a script might: no quoting at all
        text = "".join(delimiter.join(cells) + terminator for cells in rows)
    data = (("\ufeff" if draw(st.booleans()) else "") + text).encode("utf-8", "surrogatepass")
    return draw(damaged_bytes(data)) if damage and draw(ONE_IN_THREE) else data


def _dump_with_repeats(value: Any, repeat: set[int], counter: list[int]) -> str:
    """JSON text in which the objects numbered in `repeat` (depth-first) say their first key twice."""
    if isinstance(value, dict):
        counter[0] += 1
        pairs = list(value.items())
        if counter[0] in repeat and pairs:
            pairs.append(pairs[0])
        inner = ", ".join(f"{json.dumps(k)}: {_dump_with_repeats(v, repeat, counter)}" for k, v in pairs)
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_dump_with_repeats(v, repeat, counter) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


@st.composite
def overlay_json(draw: st.DrawFn, ids: st.SearchStrategy[str] = CHANNEL_IDS, *, damage: bool = True) -> bytes:
    """An overlay as a system might send it: the writer's JSON with values changed (wrong types, hostile numbers and
    text), keys removed, added or said twice, then perhaps damaged byte by byte."""
    document = json.loads(dump_overlay_json(draw(overlays(ids))))
    for location in document["locations"]:  # hostile numbers where the figures are, more often than by chance
        if draw(ONE_IN_THREE):
            quality = location.setdefault("quality", {})
            figure = quality.setdefault(draw(st.sampled_from(["t3", "satisfaction", "nps"])), {})
            figure[draw(st.sampled_from(["value", "responses"]))] = draw(NUMBER)
    document = draw(mutated(st.just(document), max_changes=4))
    repeat = draw(st.sets(st.integers(1, 30), max_size=1))  # often more than the objects there are: no repeat
    text = _dump_with_repeats(document, repeat, [0])
    data = text.encode("utf-8", "surrogatepass")
    return draw(damaged_bytes(data)) if damage and draw(ONE_IN_THREE) else data
