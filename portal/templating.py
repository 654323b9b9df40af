"""Jinja setup: strict undefined, and Babel-backed filters for dates, numbers and euros."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import format_currency, format_date, format_datetime, format_decimal
from flask_wtf.csrf import generate_csrf
from jinja2 import StrictUndefined

from portal.i18n import language_url
from portal.tables import label_cells, table_columns


def init_templating(app: Flask) -> None:
    app.jinja_env.undefined = StrictUndefined
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters.update(
        date=_date,
        datetime=_datetime,
        number=lambda value, digits=None: format_decimal(
            value, format=None if digits is None else f"#,##0.{'0' * digits}"
        ),
        euros=lambda value: format_currency(value, "EUR"),
        clock=_clock,
        label_cells=label_cells,
    )
    app.jinja_env.globals["table_columns"] = table_columns
    app.jinja_env.globals["csrf_token"] = generate_csrf
    app.jinja_env.globals["language_url"] = language_url


def _date(value: date | datetime | None, style: str = "medium") -> str:
    return "" if value is None else format_date(value, style)


def _datetime(value: datetime | None, style: str = "medium") -> str:
    return "" if value is None else format_datetime(value, style)


def _clock(value: datetime) -> str:
    """Wall-clock time as it is written in the interface language: 8.30 in Finnish and Swedish, 8:30 in English.
    Kept as the datetime's own local time (Helsinki for opening hours), never converted."""
    from portal.i18n import current_language

    separator = ":" if current_language() == "en" else "."
    return f"{value.hour}{separator}{value.minute:02d}"
