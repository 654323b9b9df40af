"""The units a resident has picked to compare side by side: up to four ids, kept in the session."""

from __future__ import annotations

from flask import session

MAX_COMPARED = 4
_KEY = "compare"


def compared_ids() -> list[str]:
    return list(session.get(_KEY, []))


def add(location_id: str) -> bool:
    """Add a unit; False when the list is already full (it is left as it was)."""
    ids = compared_ids()
    if location_id in ids:
        return True
    if len(ids) >= MAX_COMPARED:
        return False
    session[_KEY] = [*ids, location_id]
    return True


def remove(location_id: str) -> None:
    session[_KEY] = [i for i in compared_ids() if i != location_id]


def clear() -> None:
    session.pop(_KEY, None)


def keep_only(existing: list[str]) -> None:
    """Drop ids the catalogue no longer has (a unit withdrawn from PTV since it was picked)."""
    ids = compared_ids()
    if ids != existing:
        session[_KEY] = existing
