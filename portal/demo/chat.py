"""Demo chat settings for `make run`: the help line open every day from 7 to 22, so the demo can be tried in the
evening too, with a closed Christmas Eve and a short New Year's Eve to show exceptions."""

from __future__ import annotations

from datetime import date

from portal.chat.settings import DEFAULTS
from portal.choice.rules import save_settings

DEMO_WEEK = {str(day): ["07:00", "22:00"] for day in range(7)}


def load_demo_chat(today: date) -> list[str]:
    exceptions = {f"{today.year}-12-24": None, f"{today.year}-12-31": ["09:00", "13:00"]}
    return save_settings({"helpline_week": DEMO_WEEK, "helpline_exceptions": exceptions}, None, defaults=DEFAULTS)
