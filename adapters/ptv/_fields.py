"""Typed, path-aware lookups into one raw PTV record.

Every getter takes the JSON path of the value it reads, so a problem is reported as, say,
`addresses[0].streetAddress.municipality` instead of a bare KeyError. Missing keys and nulls are tolerated (older
API versions leave keys out); values of the wrong JSON type are not, because they mean the record has a shape this
reader does not understand.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from adapters.ptv.errors import RecordError, RecordWarning
from adapters.ptv.hours import HELSINKI
from adapters.ptv.text import LANGUAGES, LocalizedText


class Fields:
    """Reads one record; collects the warnings for parts it had to leave out."""

    def __init__(self, record_id: str | None) -> None:
        self.record_id = record_id
        self.warnings: list[RecordWarning] = []

    def error(self, path: str, reason: str) -> RecordError:
        return RecordError(self.record_id, path, reason)

    def warn(self, path: str, reason: str) -> None:
        self.warnings.append(RecordWarning(self.record_id or "", path, reason))

    def obj(self, value: Any, path: str) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.error(path, f"expected an object, got {_kind(value)}")
        return value

    def items(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(path, f"expected a list, got {_kind(value)}")
        return value

    def objects(self, value: Any, path: str) -> list[tuple[str, dict[str, Any]]]:
        """The objects of a list with their paths; null entries are skipped."""
        found = []
        for i, item in enumerate(self.items(value, path)):
            item_path = f"{path}[{i}]"
            obj = self.obj(item, item_path)
            if obj is not None:
                found.append((item_path, obj))
        return found

    def string(self, value: Any, path: str, *, required: bool = False) -> str | None:
        if isinstance(value, str) and value.strip():
            return value.strip()
        if value is None or isinstance(value, str):  # missing, empty or only white space
            if required:
                raise self.error(path, "missing")
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)  # some producers send codes as numbers
        raise self.error(path, f"expected a string, got {_kind(value)}")

    def code(self, value: Any, path: str) -> str | None:
        """A code compared as it is (a type, a role, a language): a string, or None when missing."""
        if value is None or isinstance(value, str):
            return value
        raise self.error(path, f"expected a string, got {_kind(value)}")

    def strings(self, value: Any, path: str) -> tuple[str, ...]:
        result = (self.string(item, f"{path}[{i}]") for i, item in enumerate(self.items(value, path)))
        return tuple(s for s in result if s)

    def boolean(self, value: Any, path: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.error(path, f"expected true or false, got {_kind(value)}")
        return value

    def localized(self, value: Any, path: str, *, type_: str | None = None, key: str = "value") -> LocalizedText:
        """fi/sv/en texts of a `[{language, value, type}]` list; other languages are dropped.

        With `type_`, only entries of that type are read (names and descriptions share one list in PTV). The first
        text per language wins.
        """
        texts: dict[str, str] = {}
        for item_path, item in self.objects(value, path):
            if type_ is not None and item.get("type") != type_:
                continue
            language = self.string(item.get("language"), f"{item_path}.language")
            text = self.string(item.get(key), f"{item_path}.{key}")
            if language in LANGUAGES and text and language not in texts:
                texts[language] = text
        return LocalizedText(**texts)

    def timestamp(self, value: Any, path: str) -> datetime | None:
        """PTV's `modified`: UTC, usually without a "Z". Returned timezone-aware (UTC)."""
        text = self.string(value, path)
        if text is None:
            return None
        parsed = _parse_datetime(text)
        try:
            if parsed is not None:
                return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        except OverflowError:  # valid text, but in UTC before year 1 or after 9999 (0001-01-01T00:00:00+05:00)
            pass
        self.warn(path, f"not a date and time: {text!r}")
        return None

    def local_date(self, value: Any, path: str) -> date | None:
        """The date of an hours validity bound. PTV stores these in local time; an explicit offset is honoured."""
        text = self.string(value, path)
        if text is None:
            return None
        parsed = _parse_datetime(text)
        try:
            if parsed is not None:
                return parsed.astimezone(HELSINKI).date() if parsed.tzinfo else parsed.date()
        except OverflowError:  # in Helsinki after 9999-12-31 (9999-12-31T23:00:00-05:00)
            pass
        raise ValueError(f"not a date: {text!r}")


def _parse_datetime(text: str) -> datetime | None:
    # .NET writes up to seven fractional digits; Python reads at most six.
    head, dot, rest = text.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        rest = rest[: min(digits, 6)] + rest[digits:]
        text = f"{head}.{rest}" if rest and rest[0].isdigit() else head + rest
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )
