"""Jinja setup: strict undefined, and filters that write dates, times, numbers, euros, phone numbers and place names
the way the reader's language does (the formats themselves are in portal.formatting)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern
from flask import Flask
from flask_babel import format_currency, get_locale
from flask_wtf.csrf import generate_csrf
from jinja2 import StrictUndefined
from markupsafe import Markup, escape

from portal import formatting
from portal.compare.names import LocalName, unit_name
from portal.i18n import current_language, language_url
from portal.tables import label_cells, table_columns


def init_templating(app: Flask) -> None:
    app.jinja_env.undefined = StrictUndefined
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters.update(
        date=_date,
        datetime=_datetime,
        number=_number,
        euros=lambda value: format_currency(value, "EUR"),
        cents=lambda value: format_currency(Decimal(value) / 100, "EUR"),
        clock=_clock,
        month_label=_month_label,
        phone=_phone,
        place=_place,
        label_cells=label_cells,
    )
    app.jinja_env.globals["table_columns"] = table_columns
    app.jinja_env.globals["catalogue_name"] = _catalogue_name
    app.jinja_env.globals["csrf_token"] = generate_csrf
    app.jinja_env.globals["language_url"] = language_url


FALLBACK_LOCALE = Locale("fi")


@cache
def _digits_pattern(digits: int) -> NumberPattern:
    return parse_pattern(f"#,##0.{'0' * digits}")


def _number(value: float | Decimal, digits: int | None = None) -> str:
    """`value | number(1)`: as flask_babel's format_decimal writes it, with the pattern parsed once per process
    rather than for every number of every result row."""
    locale = get_locale() or FALLBACK_LOCALE  # None only outside a request (a CLI command's rendering)
    pattern = locale.decimal_formats[None] if digits is None else _digits_pattern(digits)
    return pattern.apply(value, locale)


def _date(value: date | datetime | None, style: str = "date") -> str:
    """`value | date("day")`: a date in one of the styles of portal.formatting.DATE_STYLES (default `date`)."""
    return "" if value is None else formatting.format_day(value, style)


def _datetime(value: datetime | None) -> str:
    """When something happened: the local date and the 24-hour time."""
    return "" if value is None else formatting.format_moment(value)


def _month_label(value: str) -> str:
    """ "2026-04" as the reader's language names the month ("huhtikuu 2026", "April 2026")."""
    return formatting.format_day(date(int(value[:4]), int(value[5:7]), 1), "month_long")


def _clock(value: datetime) -> str:
    """Wall-clock time, 24-hour, kept as the datetime's own local time (Helsinki for opening hours)."""
    return formatting.format_clock(value)


def _phone(value: str | None) -> Markup:
    """A phone number as Finns write it, as a `tel:` link when it can be dialled."""
    number = formatting.phone_number(value)
    if number is None:
        return Markup("")
    if number.href is None:
        return escape(number.text)
    return Markup('<a href="{href}">{text}</a>').format(href=number.href, text=number.text)


def _catalogue_name(location_id: str, fi: str | None = None, sv: str | None = None) -> LocalName:
    """A unit's name in the reader's language, as the search shows it; `fi` and `sv` (kept with a choice) stand in
    when the catalogue no longer has the unit."""
    return unit_name(location_id, current_language(), fi, sv)


def _place(text: formatting.Localised | str | None, language: str = "fi") -> str:
    """A street, town or post office name in `language` where PTV has it, written as people write it."""
    if text is None or isinstance(text, str):
        return formatting.place_name(text)
    return formatting.localised_place(text, language)
