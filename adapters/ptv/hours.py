"""Opening hours, independent of the API version, and the rules that answer "open now?" and "hours on a date".

Rules (taken from FORMAT.md §2.2, where PTV's own behaviour is documented, and otherwise chosen and stated here):

* Weekly hours (`DaysOfTheWeek`, `OverMidnight`) apply on the dates inside their validity. A time-limited weekly
  period (one with an end date, e.g. summer hours) replaces the open-ended ones on the dates it covers, because PTV
  sets `validTo` only on such seasonal periods.
* Exceptional hours replace all weekly hours on every date they cover, closed days included. A weekly range that
  runs past midnight into an exceptional date is cut at that midnight: the exceptional date is described whole by
  its own hours.
* A range whose closing time is not after its opening time crosses midnight (22:00-02:00), so 00:00-00:00 is a
  whole day.
* "By appointment" periods (`isReservation`) never count as open: the place is not open to walk in.
* Times are Europe/Helsinki wall-clock times; PTV stores them as local time, not UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from adapters.ptv.text import LocalizedText

HELSINKI = ZoneInfo("Europe/Helsinki")

# The longest span an over-midnight range can have is a whole week, so "open now?" looks back that far.
_LOOKBACK_DAYS = 7


class HoursKind(StrEnum):
    WEEKLY = "DaysOfTheWeek"
    OVER_MIDNIGHT = "OverMidnight"
    EXCEPTIONAL = "Exceptional"


@dataclass(frozen=True, slots=True)
class TimeRange:
    """Open from `opens` until `closes` on the date `days_after` days later (0 = the same date).

    `weekday` is 0 for Monday ... 6 for Sunday, or None for a range that applies on every date of its period
    (exceptional hours, whose weekday fields PTV leaves meaningless).
    """

    weekday: int | None
    opens: time
    closes: time
    days_after: int = 0


@dataclass(frozen=True, slots=True)
class HoursPeriod:
    """One `serviceHours` entry. `valid_to` is inclusive; an exceptional period without it lasts one day."""

    kind: HoursKind
    ranges: tuple[TimeRange, ...] = ()
    valid_from: date | None = None
    valid_to: date | None = None
    is_closed: bool = False
    always_open: bool = False
    by_appointment: bool = False
    info: LocalizedText = field(default_factory=LocalizedText)

    def covers(self, day: date) -> bool:
        if self.kind is HoursKind.EXCEPTIONAL:
            if self.valid_from is None:
                return False
            return self.valid_from <= day <= (self.valid_to or self.valid_from)
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True, slots=True)
class DayHours:
    """What the hours say about one local date.

    `intervals` are the open spans that start on this date, as Helsinki-aware datetimes; an over-midnight span
    ends on a later date. `closed` is an explicit closure by exceptional hours; `exceptional` tells that
    exceptional hours (not the weekly ones) decided this date.
    """

    day: date
    intervals: tuple[tuple[datetime, datetime], ...] = ()
    always_open: bool = False
    by_appointment: bool = False
    closed: bool = False
    exceptional: bool = False
    info: LocalizedText = field(default_factory=LocalizedText)


@dataclass(frozen=True, slots=True)
class OpeningHours:
    periods: tuple[HoursPeriod, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.periods)

    def hours_on(self, day: date) -> DayHours:
        """The hours of one Europe/Helsinki local date, with exceptional hours applied."""
        exceptional = [p for p in self.periods if p.kind is HoursKind.EXCEPTIONAL and p.covers(day)]
        if exceptional:
            return self._exceptional_day(day, exceptional)
        weekly = [p for p in self.periods if p.kind is not HoursKind.EXCEPTIONAL and p.covers(day)]
        limited = [p for p in weekly if p.valid_to is not None]
        return self._weekly_day(day, limited or weekly)

    def is_open(self, at: datetime) -> bool:
        """Whether the place is open (to walk in) at `at`. A naive datetime is taken as Helsinki local time."""
        local = at.replace(tzinfo=HELSINKI) if at.tzinfo is None else at.astimezone(HELSINKI)
        for back in range(_LOOKBACK_DAYS + 1):
            hours = self.hours_on(local.date() - timedelta(days=back))
            if any(start <= local < end for start, end in hours.intervals):
                return True
        return False

    def _exceptional_day(self, day: date, periods: list[HoursPeriod]) -> DayHours:
        open_periods = [p for p in periods if not p.is_closed]
        if not open_periods:
            return DayHours(day, closed=True, exceptional=True, info=periods[0].info)
        intervals = _intervals(day, open_periods, weekday_matters=False)
        always = any(p.always_open and not p.by_appointment for p in open_periods)
        if always:
            intervals = (_whole_day(day),)
        return DayHours(
            day,
            intervals,
            always_open=always,
            by_appointment=any(p.by_appointment for p in open_periods),
            exceptional=True,
            info=open_periods[0].info,
        )

    def _weekly_day(self, day: date, periods: list[HoursPeriod]) -> DayHours:
        if not periods:
            return DayHours(day)
        always = any(p.always_open and not p.by_appointment for p in periods)
        if always:
            intervals: tuple[tuple[datetime, datetime], ...] = (_whole_day(day),)
        else:
            intervals = tuple(
                (start, self._cut_at_exceptional(start, end))
                for start, end in _intervals(day, periods, weekday_matters=True)
            )
        return DayHours(
            day,
            intervals,
            always_open=always,
            by_appointment=any(p.by_appointment for p in periods),
            info=periods[0].info,
        )

    def _cut_at_exceptional(self, start: datetime, end: datetime) -> datetime:
        # A weekly range spilling past midnight must not reach into a date that exceptional hours describe.
        day = start.date() + timedelta(days=1)
        while day <= end.date():
            if any(p.kind is HoursKind.EXCEPTIONAL and p.covers(day) for p in self.periods):
                return datetime.combine(day, time(0), tzinfo=HELSINKI)
            day += timedelta(days=1)
        return end


def _intervals(
    day: date, periods: list[HoursPeriod], *, weekday_matters: bool
) -> tuple[tuple[datetime, datetime], ...]:
    spans = []
    for period in periods:
        if period.by_appointment or period.always_open:
            continue
        for r in period.ranges:
            if weekday_matters and r.weekday != day.weekday():
                continue
            start = datetime.combine(day, r.opens, tzinfo=HELSINKI)
            end = datetime.combine(day + timedelta(days=r.days_after), r.closes, tzinfo=HELSINKI)
            if end > start:
                spans.append((start, end))
    return tuple(sorted(set(spans)))


def _whole_day(day: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(day, time(0), tzinfo=HELSINKI),
        datetime.combine(day + timedelta(days=1), time(0), tzinfo=HELSINKI),
    )
