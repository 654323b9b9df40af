"""Reader for v11 `serviceHours[]` (channel-level and connection-level alike) into `OpeningHours`.

An hours entry that cannot be read (unknown type, a time like "25:00", an exceptional period without a date) is
left out whole with a warning: leaving out just one of its rows would show wrong hours as if they were right.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from adapters.ptv._fields import Fields
from adapters.ptv.hours import HoursKind, HoursPeriod, OpeningHours, TimeRange

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


class _Skip(ValueError):
    """Leave this hours entry out; the message becomes the warning."""


def opening_hours(f: Fields, value: Any, path: str) -> OpeningHours:
    periods = []
    for p, item in f.objects(value, path):
        try:
            periods.append(_period(f, item, p))
        except _Skip as skip:
            f.warn(p, f"{skip}; these hours left out")
    return OpeningHours(tuple(periods))


def _period(f: Fields, item: dict[str, Any], path: str) -> HoursPeriod:
    raw_kind: Any = item.get("serviceHourType")  # any JSON value: the lookup below refuses what is not a kind
    try:
        kind = HoursKind(raw_kind)
    except ValueError:
        raise _Skip(f"unknown serviceHourType {raw_kind!r}") from None
    try:
        valid_from = f.local_date(item.get("validFrom"), f"{path}.validFrom")
        valid_to = f.local_date(item.get("validTo"), f"{path}.validTo")
    except ValueError as exc:
        raise _Skip(str(exc)) from None
    if kind is HoursKind.EXCEPTIONAL and valid_from is None:
        raise _Skip("exceptional hours without a validFrom date")
    ranges = []
    for rp, row in f.objects(item.get("openingHour"), f"{path}.openingHour"):
        ranges.extend(_ranges(kind, row, rp))
    return HoursPeriod(
        kind=kind,
        ranges=tuple(ranges),
        valid_from=valid_from,
        valid_to=valid_to,
        is_closed=f.boolean(item.get("isClosed"), f"{path}.isClosed"),
        always_open=f.boolean(item.get("isAlwaysOpen"), f"{path}.isAlwaysOpen"),
        by_appointment=f.boolean(item.get("isReservation"), f"{path}.isReservation"),
        info=f.localized(item.get("additionalInformation"), f"{path}.additionalInformation"),
    )


def _ranges(kind: HoursKind, row: dict[str, Any], path: str) -> list[TimeRange]:
    opens, opens_24 = _time(row.get("from"), f"{path}.from")
    closes, closes_24 = _time(row.get("to"), f"{path}.to")
    # "24:00" closes at the midnight that ends the day; any close not after the open crosses midnight.
    crosses = 1 if closes_24 or closes <= opens else 0
    if kind is HoursKind.EXCEPTIONAL:
        return [TimeRange(None, opens, closes, crosses)]
    first = _weekday(row.get("dayFrom"), f"{path}.dayFrom")
    last = _optional_weekday(row.get("dayTo"), f"{path}.dayTo")
    if kind is HoursKind.OVER_MIDNIGHT:
        if last is None:
            return [TimeRange(first, opens, closes, crosses)]
        span = (last - first) % 7
        return [TimeRange(first, opens, closes, span or (7 if closes <= opens else 0))]
    # DaysOfTheWeek: PTV blanks dayTo and sends one row per day; older data may send a span of days, each open.
    days = range((last - first) % 7 + 1) if last is not None else range(1)
    return [TimeRange((first + d) % 7, opens, closes, crosses) for d in days]


def _time(value: Any, path: str) -> tuple[time, bool]:
    match = _TIME.match(value) if isinstance(value, str) else None
    hour, minute = (int(match[1]), int(match[2])) if match else (-1, -1)
    if hour == 24 and minute == 0:
        return time(0), True
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise _Skip(f"{path}: not a time of day: {value!r}")
    return time(hour, minute), False


def _optional_weekday(value: Any, path: str) -> int | None:
    return None if value in (None, "") else _weekday(value, path)


def _weekday(value: Any, path: str) -> int:
    if value not in WEEKDAYS:
        raise _Skip(f"{path}: not a weekday: {value!r}")
    return WEEKDAYS.index(value)
