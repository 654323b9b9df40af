"""Opening hours: v11 `serviceHours` entries read through the parser, then asked "open at?" and "hours on?"."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from adapters.ptv.model import HELSINKI, ServiceLocation
from adapters.ptv.v11 import parse_record

# 2024-05-13 is a Monday.
MON, TUE, WED, FRI, SAT = date(2024, 5, 13), date(2024, 5, 14), date(2024, 5, 15), date(2024, 5, 17), date(2024, 5, 18)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=HELSINKI)


def entry(kind: str, rows: list[tuple[str, str, str, str]] = (), **fields: Any) -> dict[str, Any]:
    """One v11 serviceHours entry; rows are (dayFrom, dayTo, from, to)."""
    return {
        "serviceHourType": kind,
        "validFrom": fields.get("validFrom"),
        "validTo": fields.get("validTo"),
        "isClosed": fields.get("isClosed", False),
        "validForNow": fields.get("validTo") is None,
        "isAlwaysOpen": fields.get("isAlwaysOpen", False),
        "isReservation": fields.get("isReservation", False),
        "additionalInformation": fields.get("info", []),
        "openingHour": [{"dayFrom": a, "dayTo": b, "from": f, "to": t} for a, b, f, t in rows],
    }


WEEKDAYS_8_16 = entry(
    "DaysOfTheWeek", [(d, "", "08:00:00", "16:00:00") for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")]
)


def place(location: dict[str, Any], *hours: dict[str, Any]) -> ServiceLocation:
    location["serviceHours"] = list(hours)
    parsed = parse_record(location)
    assert isinstance(parsed.item, ServiceLocation)
    return parsed.item


def test_several_ranges_a_day(location: dict[str, Any]) -> None:
    hours = place(
        location,
        entry("DaysOfTheWeek", [("Monday", "", "12:00:00", "16:00:00"), ("Monday", "", "08:00:00", "11:00:00")]),
    ).hours
    assert [(s.hour, e.hour) for s, e in hours.hours_on(MON).intervals] == [(8, 11), (12, 16)]
    assert hours.is_open(at(MON, 10, 59))
    assert not hours.is_open(at(MON, 11, 30))
    assert hours.is_open(at(MON, 12))
    assert not hours.is_open(at(TUE, 10))


def test_over_midnight_range(location: dict[str, Any]) -> None:
    hours = place(location, entry("OverMidnight", [("Friday", "Saturday", "22:00:00", "04:00:00")])).hours
    assert not hours.is_open(at(FRI, 21, 59))
    assert hours.is_open(at(FRI, 22))
    assert hours.is_open(at(SAT, 3, 59))
    assert not hours.is_open(at(SAT, 4))
    ((start, end),) = hours.hours_on(FRI).intervals
    assert (start, end) == (at(FRI, 22), at(SAT, 4))
    assert hours.hours_on(SAT).intervals == ()  # the span belongs to the day it starts on


def test_over_midnight_span_of_several_days(location: dict[str, Any]) -> None:
    # A continuous span from Monday morning to Wednesday afternoon.
    hours = place(location, entry("OverMidnight", [("Monday", "Wednesday", "08:00:00", "15:00:00")])).hours
    assert hours.is_open(at(TUE, 3))
    assert hours.is_open(at(WED, 14, 59))
    assert not hours.is_open(at(WED, 15))
    assert not hours.is_open(at(MON, 7))


def test_weekly_range_ending_at_or_after_midnight(location: dict[str, Any]) -> None:
    hours = place(
        location,
        entry(
            "DaysOfTheWeek",
            [
                ("Friday", "", "18:00:00", "00:00:00"),
                ("Saturday", "", "20:00", "24:00"),
                ("Monday", "", "22:00", "02:00"),
            ],
        ),
    ).hours
    assert hours.is_open(at(FRI, 23, 59))
    assert not hours.is_open(at(SAT, 0, 0))
    assert hours.is_open(at(SAT, 23, 30))
    assert hours.is_open(at(TUE, 1, 30))  # Monday 22-02 runs into Tuesday


def test_exceptional_closed_day_overrides_weekly_hours(location: dict[str, Any]) -> None:
    christmas_eve = date(2024, 12, 24)  # a Tuesday
    hours = place(
        location,
        WEEKDAYS_8_16,
        entry(
            "Exceptional",
            validFrom="2024-12-24T00:00:00",
            isClosed=True,
            info=[{"value": "Jouluaatto", "language": "fi"}],
        ),
    ).hours
    assert hours.is_open(at(date(2024, 12, 23), 10))
    assert not hours.is_open(at(christmas_eve, 10))
    day = hours.hours_on(christmas_eve)
    assert (day.closed, day.exceptional, day.intervals, day.info.fi) == (True, True, (), "Jouluaatto")
    assert hours.is_open(at(date(2024, 12, 25), 10))  # no validTo: a single day


def test_exceptional_period_of_several_days_and_exceptional_hours(location: dict[str, Any]) -> None:
    hours = place(
        location,
        WEEKDAYS_8_16,
        entry("Exceptional", validFrom="2024-12-24T00:00:00", validTo="2024-12-26T00:00:00", isClosed=True),
        entry("Exceptional", [("Monday", "Sunday", "10:00:00", "14:00:00")], validFrom="2024-12-27T00:00:00"),
    ).hours
    assert not hours.is_open(at(date(2024, 12, 26), 10))
    assert not hours.is_open(at(date(2024, 12, 27), 9))  # weekly hours would say open
    assert hours.is_open(at(date(2024, 12, 27), 13))
    assert not hours.is_open(at(date(2024, 12, 27), 15))
    assert hours.is_open(at(date(2024, 12, 30), 15))


def test_weekly_range_past_midnight_is_cut_at_an_exceptional_day(location: dict[str, Any]) -> None:
    hours = place(
        location,
        entry("DaysOfTheWeek", [("Friday", "", "22:00:00", "02:00:00")]),
        entry("Exceptional", validFrom="2024-05-18T00:00:00", isClosed=True),
    ).hours
    assert hours.is_open(at(FRI, 23))
    assert not hours.is_open(at(SAT, 1))
    assert hours.is_open(at(date(2024, 5, 25), 1))  # a week later, no exception


def test_always_open(location: dict[str, Any]) -> None:
    hours = place(
        location,
        entry("DaysOfTheWeek", isAlwaysOpen=True),
        entry("Exceptional", validFrom="2024-06-21T00:00:00", isClosed=True),
    ).hours
    assert hours.is_open(at(SAT, 3))
    assert hours.is_open(at(WED, 23, 59))
    day = hours.hours_on(WED)
    assert day.always_open and day.intervals == ((at(WED, 0), at(date(2024, 5, 16), 0)),)
    assert not hours.is_open(at(date(2024, 6, 21), 12))  # exceptional closure beats 24/7


def test_by_appointment_is_never_open_to_walk_in(location: dict[str, Any]) -> None:
    hours = place(location, entry("DaysOfTheWeek", isReservation=True)).hours
    day = hours.hours_on(MON)
    assert day.by_appointment and day.intervals == ()
    assert not hours.is_open(at(MON, 10))


def test_time_limited_weekly_hours_replace_open_ended_ones(location: dict[str, Any]) -> None:
    summer = entry(
        "DaysOfTheWeek",
        [("Monday", "", "09:00:00", "12:00:00")],
        validFrom="2024-06-01T00:00:00",
        validTo="2024-08-31T00:00:00",
    )
    hours = place(location, WEEKDAYS_8_16, summer).hours
    july_monday = date(2024, 7, 1)
    assert hours.is_open(at(july_monday, 10))
    assert not hours.is_open(at(july_monday, 13))
    assert not hours.is_open(at(date(2024, 7, 2), 10))  # summer hours have no Tuesday
    assert hours.is_open(at(date(2024, 9, 2), 13))  # back to normal


def test_weekly_hours_outside_their_validity_do_not_apply(location: dict[str, Any]) -> None:
    hours = place(
        location,
        entry(
            "DaysOfTheWeek",
            [("Monday", "", "08:00", "16:00")],
            validFrom="2024-06-01T00:00:00",
            validTo="2024-06-30T00:00:00",
        ),
    ).hours
    assert not hours.is_open(at(MON, 10))
    assert hours.is_open(at(date(2024, 6, 3), 10))


def test_times_are_helsinki_local_time(location: dict[str, Any]) -> None:
    hours = place(location, WEEKDAYS_8_16).hours
    # 05:30 UTC is 08:30 in Helsinki in May (UTC+3).
    assert hours.is_open(datetime(2024, 5, 15, 5, 30, tzinfo=UTC))
    assert not hours.is_open(datetime(2024, 5, 15, 4, 30, tzinfo=UTC))
    assert hours.is_open(datetime(2024, 5, 15, 8, 30))  # naive means Helsinki
    # In January Helsinki is UTC+2.
    assert hours.is_open(datetime(2024, 1, 15, 6, 30, tzinfo=UTC))


def test_connection_level_hours_override_the_location_for_that_service(location: dict[str, Any]) -> None:
    dentist = location["services"][0]["service"]["id"]
    clinic = location["services"][1]["service"]["id"]
    location["services"][0]["serviceHours"] = [entry("DaysOfTheWeek", [("Monday", "", "08:00:00", "10:00:00")])]
    loc = place(location, WEEKDAYS_8_16)
    assert loc.hours_for(dentist).is_open(at(MON, 9))
    assert not loc.hours_for(dentist).is_open(at(MON, 12))
    assert loc.hours_for(clinic).is_open(at(MON, 12))  # no hours of its own: the location's
    assert loc.hours.is_open(at(MON, 12))


def test_unreadable_hours_entry_is_left_out_with_a_warning(location: dict[str, Any]) -> None:
    location["serviceHours"] = [
        entry("DaysOfTheWeek", [("Monday", "", "25:00:00", "26:00:00")]),
        entry("Holiday", [("Monday", "", "08:00", "10:00")]),
        entry("Exceptional", isClosed=True),  # no date
        entry("DaysOfTheWeek", [("Moonday", "", "08:00", "10:00")]),
        WEEKDAYS_8_16,
    ]
    parsed = parse_record(location)
    assert isinstance(parsed.item, ServiceLocation)
    assert len(parsed.item.hours.periods) == 1
    assert parsed.item.hours.is_open(at(MON, 9))
    fields = {w.field: w.reason for w in parsed.warnings}
    assert "serviceHours[0].openingHour[0].from: not a time of day: '25:00:00'" in fields["serviceHours[0]"]
    assert "unknown serviceHourType 'Holiday'" in fields["serviceHours[1]"]
    assert "without a validFrom" in fields["serviceHours[2]"]
    assert "not a weekday: 'Moonday'" in fields["serviceHours[3]"]


@pytest.mark.parametrize("value", ["2024-12-24T00:00:00", "2024-12-24T00:00:00.000", "2024-12-23T22:00:00Z"])
def test_exceptional_dates_are_local_dates(location: dict[str, Any], value: str) -> None:
    # PTV stores hours in local time; an explicit UTC value (old data) is converted to the Helsinki date first.
    hours = place(location, WEEKDAYS_8_16, entry("Exceptional", validFrom=value, isClosed=True)).hours
    assert hours.hours_on(date(2024, 12, 24)).closed
    assert not hours.hours_on(date(2024, 12, 23)).closed
