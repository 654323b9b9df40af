"""The organiser's decisions about the chat, kept in `organiser_setting` like the listing rules: the help line's
opening hours with exceptions, how soon a message left out of hours is answered, and limits.

Hours are local time in Helsinki: a week of `[opens, closes]` pairs by weekday (0 = Monday; absent = closed), and
exceptions by date, each `null` (closed all day) or a pair. A chat is answered by a person only while the line is
open and a worker who speaks the conversation's language is on duty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from adapters.ptv.hours import HELSINKI
from portal.extensions import db
from portal.models import OrganiserSetting

KEYS = ("helpline_week", "helpline_exceptions", "chat_answer_within_hours", "chat_handle_minutes",
        "chat_message_max_chars", "chat_presence_timeout_seconds")  # fmt: skip

DEFAULT_WEEK: dict[str, list[str]] = {str(day): ["08:00", "16:00"] for day in range(5)}

DEFAULTS: dict[str, Any] = {
    "helpline_week": DEFAULT_WEEK,
    "helpline_exceptions": {},  # "2026-12-24": null (closed) or ["09:00", "12:00"]
    "chat_answer_within_hours": 4,  # open hours: a message left out of hours is answered this long after opening
    "chat_handle_minutes": 6,  # a chat's usual length, for the wait estimate until enough chats have been measured
    "chat_message_max_chars": 2000,
    "chat_presence_timeout_seconds": 120,  # a worker whose console has not been seen this long is not on duty
}


@dataclass(frozen=True)
class ChatSettings:
    week: dict[int, tuple[time, time]]
    exceptions: dict[date, tuple[time, time] | None]
    answer_within_hours: int
    handle_minutes: int
    message_max_chars: int
    presence_timeout_seconds: int

    def hours_on(self, day: date) -> tuple[time, time] | None:
        if day in self.exceptions:
            return self.exceptions[day]
        return self.week.get(day.weekday())

    def is_open(self, moment: datetime) -> bool:
        local = _local(moment)
        hours = self.hours_on(local.date())
        return hours is not None and hours[0] <= local.time() < hours[1]

    def next_opening(self, moment: datetime, search_days: int = 60) -> datetime | None:
        """The next moment (naive UTC) the line opens after `moment`; `moment` itself when open."""
        local = _local(moment)
        for offset in range(search_days):
            day = local.date() + timedelta(days=offset)
            hours = self.hours_on(day)
            if hours is None:
                continue
            opens = datetime.combine(day, hours[0], HELSINKI)
            closes = datetime.combine(day, hours[1], HELSINKI)
            if local < closes:
                return _naive_utc(max(opens, local))
        return None

    def answer_due(self, moment: datetime) -> datetime | None:
        """When a message left at `moment` will have been answered: `answer_within_hours` of open time later."""
        left = timedelta(hours=self.answer_within_hours)
        cursor = moment
        for _ in range(60):
            start = self.next_opening(cursor)
            if start is None:
                return None
            local = _local(start)
            hours = self.hours_on(local.date())
            if hours is None:  # next_opening returns only days with hours; kept for the type checker
                return None
            closes = _naive_utc(datetime.combine(local.date(), hours[1], HELSINKI))
            if start + left <= closes:
                return start + left
            left -= closes - start
            cursor = closes
        return None


def _local(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(HELSINKI)


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def parse_pair(value: Any) -> tuple[time, time] | None:
    """`["08:00", "16:00"]` → times; `None` → closed. ValueError when it is not a pair of opening before closing."""
    if value is None:
        return None
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError("not a pair")
    opens, closes = (time.fromisoformat(str(part)) for part in value)
    if opens >= closes:
        raise ValueError("opens after it closes")
    return opens, closes


def load_chat_settings() -> ChatSettings:
    stored = {
        row.key: json.loads(row.value)
        for row in db.session.scalars(select(OrganiserSetting).where(OrganiserSetting.key.in_(KEYS)))
    }
    values = {**DEFAULTS, **stored}
    week = {int(day): pair for day, value in values["helpline_week"].items() if (pair := parse_pair(value))}
    exceptions = {date.fromisoformat(day): parse_pair(value) for day, value in values["helpline_exceptions"].items()}
    return ChatSettings(
        week=week,
        exceptions=exceptions,
        answer_within_hours=int(values["chat_answer_within_hours"]),
        handle_minutes=int(values["chat_handle_minutes"]),
        message_max_chars=int(values["chat_message_max_chars"]),
        presence_timeout_seconds=int(values["chat_presence_timeout_seconds"]),
    )
