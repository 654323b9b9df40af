"""What the portal accepts from a request, in one place: numbers, plain text, and values fit for a log line.

Every number and id from a URL or a form goes through `parse_int` (ASCII digits, bounded to what a PostgreSQL
integer holds), every free-text setting through `text_problem`, and every value written to a log or the audit
trail through `for_log`: hostile input becomes a 400 page or a refusal, never a 500 and never a forged log line.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Collection, Iterable

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL `integer`; larger values are not ours, whatever the engine
LOG_VALUE_LIMIT = 200  # characters kept of any one value in a log line or audit detail

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_EXCEPT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_int(value: str | None, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """`value` as an int when it is plain ASCII digits within [minimum, maximum], else None.

    `str.isdigit()` says yes to "²" and "٣", and `int()` to 5 000 digits: neither is a number we asked for."""
    if value is None:
        return None
    value = value.strip()
    if not _ASCII_DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if minimum <= number <= maximum else None


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why a free-text value cannot be stored, or None: "control" for control characters (line breaks only
    where `multiline`), "format" for invisible formatting characters that can reverse how text reads."""
    pattern = _CONTROL_EXCEPT_LINES if multiline else _CONTROL
    if pattern.search(value):
        return "control"
    if any(unicodedata.category(character) == "Cf" for character in value):
        return "format"
    return None


def only_ascii_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def for_log(value: object, limit: int = LOG_VALUE_LIMIT) -> str:
    """A value safe in one log line: control characters escaped, cut to `limit` characters."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` in routes: ASCII digits only and at most what the database holds, else 404."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, *args, **kwargs):  # type: ignore[no-untyped-def]  # werkzeug's own signature
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _has_nul(values: Iterable[str]) -> bool:
    return any("\x00" in value for value in values)


def refuse_nul_bytes() -> None:
    """A NUL byte is never valid text here, and PostgreSQL refuses it with an error: stop it at the door."""
    if "\x00" in request.path or _has_nul(request.args.keys()) or _has_nul(request.args.values()):
        abort(400)
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = request.form
        if _has_nul(form.keys()) or _has_nul(value for values in form.listvalues() for value in values):
            abort(400)


def init_inputs(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul_bytes)


def placeholder_problem(text: str, allowed: Collection[str]) -> str | None:
    """None when `text` (an organiser's template) uses only the `allowed` {placeholders}; else the first thing to
    remove: an unknown placeholder, one with a format spec or conversion, or "{" when the braces do not pair."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return "{"
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed or spec or conversion:
            return "{" + name + "}"
    return None
