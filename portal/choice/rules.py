"""The organiser's listing rules: stored settings with the pilot's defaults, and the dates they lead to.

Everything here is the organiser's decision, kept in `organiser_setting` and changed from the organiser's pages;
the defaults are those of the Uusimaa freedom-of-choice pilot's rulebook.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.models import OrganiserSetting, SettingChange, UnitCapacity
from portal.models._types import utcnow

KINDS = ("sote_centre", "dental_unit")
EFFECTIVE_RULES = ("first_of_next_month", "immediate")
PILOT_MUNICIPALITIES = ("106", "186", "444", "505", "543", "611", "638", "753", "858")

DEFAULTS: dict[str, Any] = {
    "municipalities": list(PILOT_MUNICIPALITIES),  # the organiser's area, Statistics Finland codes
    "interval_months": 6,  # minimum time between switches
    "effective": "first_of_next_month",  # when a choice takes effect
    "override_valid_days": 30,  # how long an organiser's interval override can be used
    "age_bands": [7, 18, 65, 75, 85],  # lower bounds of the capitation age bands after 0
    "organiser_name": "Keski-Uudenmaan hyvinvointialue (demo)",
    "helpline_phone": "09 123 4567",
}


@dataclass(frozen=True)
class Rules:
    municipalities: frozenset[str]
    interval_months: int
    effective: str
    override_valid_days: int
    age_bands: tuple[int, ...]
    organiser_name: str
    helpline_phone: str

    def effective_on(self, today: date) -> date:
        if self.effective == "immediate":
            return today
        return first_of_next_month(today)

    def next_switch_on(self, effective_on: date) -> date:
        return add_months(effective_on, self.interval_months)

    def eligible(self, municipality_code: str | None) -> bool:
        return municipality_code is not None and municipality_code in self.municipalities


def load_rules() -> Rules:
    stored = {row.key: json.loads(row.value) for row in db.session.scalars(select(OrganiserSetting))}
    values = {**DEFAULTS, **{k: v for k, v in stored.items() if k in DEFAULTS}}
    return Rules(
        municipalities=frozenset(values["municipalities"]),
        interval_months=int(values["interval_months"]),
        effective=values["effective"] if values["effective"] in EFFECTIVE_RULES else DEFAULTS["effective"],
        override_valid_days=int(values["override_valid_days"]),
        age_bands=tuple(int(a) for a in values["age_bands"]),
        organiser_name=str(values["organiser_name"]),
        helpline_phone=str(values["helpline_phone"]),
    )


def save_settings(changes: dict[str, Any], staff_id: int | None, defaults: dict[str, Any] | None = None) -> list[str]:
    """Store changed settings, each change recorded with who and when; returns the keys that changed. `defaults` are
    the known keys and their defaults (the listing rules' unless given: portal.flags.settings passes its own)."""
    defaults = DEFAULTS if defaults is None else defaults
    changed = []
    for key, value in changes.items():
        if key not in defaults:
            raise KeyError(key)
        row = db.session.get(OrganiserSetting, key)
        old = row.value if row else json.dumps(defaults[key], ensure_ascii=False)
        new = json.dumps(value, ensure_ascii=False)
        if new == old:
            continue
        if row is None:
            row = OrganiserSetting(key=key, value=new)
            db.session.add(row)
        row.value, row.updated_at, row.updated_by_id = new, utcnow(), staff_id
        db.session.add(SettingChange(changed_by_id=staff_id, key=key, old_value=old, new_value=new))
        changed.append(key)
    db.session.commit()
    return changed


def capacities(kind: str) -> dict[str, int | None]:
    rows = db.session.execute(select(UnitCapacity.location_id, UnitCapacity.capacity).filter_by(kind=kind))
    return dict(rows.all())


def set_capacities(kind: str, values: dict[str, int | None], staff_id: int | None) -> list[str]:
    """Set units' capacities for a kind (None: no limit), each change recorded; returns the changed unit ids."""
    changed = []
    for location_id, capacity in values.items():
        row = db.session.get(UnitCapacity, (location_id, kind))
        old = row.capacity if row else None
        if old == capacity:
            continue
        if row is None:
            row = UnitCapacity(location_id=location_id, kind=kind)
            db.session.add(row)
        row.capacity, row.updated_at, row.updated_by_id = capacity, utcnow(), staff_id
        db.session.add(
            SettingChange(
                changed_by_id=staff_id,
                key=f"capacity:{kind}:{location_id}",
                old_value=None if old is None else str(old),
                new_value=None if capacity is None else str(capacity),
            )
        )
        changed.append(location_id)
    db.session.commit()
    return changed


def first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 Aug + 6 months = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
