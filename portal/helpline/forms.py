"""Forms of the help line's chat console and of the organiser's help-line hours. Every message is ours (and so
translated), never WTForms' own.

The console's action forms carry no CSRF field of their own (CSRFProtect checks every POST and the template writes
the token), so the reply and the note can both be a plain `text`."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Length, NumberRange, ValidationError

from portal.chat.settings import ChatSettings, parse_pair
from portal.fields import CheckboxesField, WholeNumberField
from portal.models.chat import LANGUAGES
from portal.validators import PlainText

LANGUAGE_LABELS = {"fi": _l("Finnish"), "sv": _l("Swedish"), "selko": _l("Plain-language Finnish"), "en": _l("English")}
WEEKDAYS = range(7)  # 0 = Monday, as portal.chat.settings stores the week
EXCEPTIONS_MAX = 100
_DASHES = re.compile(r"\s*[-–—]\s*")


class _ActionForm(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect has checked the token of the POST already


class PresenceForm(_ActionForm):
    status = RadioField(
        _l("Are you answering chats?"),
        choices=[SelectChoice("on_duty", _l("On duty: I answer chats")), SelectChoice("away", _l("Away"))],
        validate_choice=False,
        validators=[AnyOf(("on_duty", "away"), message=_l("Choose whether you are on duty or away."))],
    )
    languages = CheckboxesField(
        _l("Languages I answer in"),
        choices=[SelectChoice(language, LANGUAGE_LABELS[language]) for language in LANGUAGES],
        validate_choice=False,
    )

    def validate_languages(self, field: CheckboxesField) -> None:
        chosen = field.data or []
        if any(language not in LANGUAGES for language in chosen):
            raise ValidationError(_l("Choose one of the options."))
        if self.status.data == "on_duty" and not chosen:
            raise ValidationError(_l("Choose at least one language you answer in."))


class ReplyForm(_ActionForm):
    text = TextAreaField(
        _l("Reply to the resident"), id="reply-text", validators=[PlainText(multiline=True)], render_kw={"rows": 4}
    )


class NoteForm(_ActionForm):
    text = TextAreaField(
        _l("Internal note (the resident never sees it)"),
        id="note-text",
        validators=[PlainText(multiline=True)],
        render_kw={"rows": 2},
    )


class TransferForm(_ActionForm):
    to = SelectField(_l("Pass the chat to"), validate_choice=False)

    def validate_to(self, field: SelectField) -> None:
        if not field.data or field.data not in {str(choice[0]) for choice in field.choices or ()}:
            raise ValidationError(_l("Choose a colleague who is on duty."))


# --- the organiser's help-line hours -----------------------------------------------------------------------------


def parse_hours(text: str) -> tuple[time, time] | None:
    """ "08:00–16:00" (any dash, spaces allowed) → the pair; "" → closed. ValueError when it is not that."""
    text = (text or "").strip()
    if not text:
        return None
    parts = _DASHES.split(text)
    if len(parts) != 2 or not all(re.fullmatch(r"[0-9]{1,2}[:.][0-9]{2}", part) for part in parts):
        raise ValueError("not hours")
    opens, closes = (part.replace(".", ":").zfill(5) for part in parts)
    return parse_pair([opens, closes])


def hours_text(pair: tuple[time, time] | None) -> str:
    return "" if pair is None else f"{pair[0]:%H:%M}–{pair[1]:%H:%M}"


def parse_exceptions(text: str) -> dict[date, tuple[time, time] | None]:
    """One exception a line: "2026-12-24" (closed all day) or "2026-12-31 09:00–12:00". ValueError names the line."""
    found: dict[date, tuple[time, time] | None] = {}
    lines = [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n")]
    for number, line in enumerate(lines, start=1):
        if not line:
            continue
        day_text, _, hours = line.partition(" ")
        try:
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", day_text):
                raise ValueError("not a date")
            day = date.fromisoformat(day_text)
            pair = parse_hours(hours)
        except ValueError:
            raise ExceptionLineError(number) from None
        if day in found:
            raise ExceptionLineError(number, twice=True)
        found[day] = pair
    return found


class ExceptionLineError(ValueError):
    def __init__(self, line: int, twice: bool = False) -> None:
        super().__init__(line)
        self.line = line
        self.twice = twice


class _DayHours:
    def __call__(self, form: Any, field: Any) -> None:
        try:
            parse_hours(field.data or "")
        except ValueError:
            raise ValidationError(
                _l("Enter the hours as opening–closing time, such as 08:00–16:00, or leave it empty when closed.")
            ) from None


class HoursForm(FlaskForm):
    exceptions = TextAreaField(
        _l("Exceptions"),
        validators=[PlainText(multiline=True), Length(max=5000, message=_l("The text is too long."))],
        render_kw={"rows": 6},
    )
    answer_within_hours = WholeNumberField(
        _l("A message left out of hours is answered within, in open hours"),
        validators=[NumberRange(1, 168, message=_l("Enter a whole number of hours from 1 to 168."))],
    )
    handle_minutes = WholeNumberField(
        _l("A chat usually takes, in minutes (for the wait estimate until enough chats are measured)"),
        validators=[NumberRange(1, 240, message=_l("Enter a whole number of minutes from 1 to 240."))],
    )

    def validate_exceptions(self, field: TextAreaField) -> None:
        try:
            found = parse_exceptions(field.data or "")
        except ExceptionLineError as error:
            if error.twice:
                raise ValidationError(
                    _l("Line %(line)d: the date is already on an earlier line.", line=error.line)
                ) from None
            raise ValidationError(
                _l(
                    "Line %(line)d: write a date as 2026-12-24, and then the hours as 09:00–12:00 or nothing when "
                    "closed all day.",
                    line=error.line,
                )
            ) from None
        if len(found) > EXCEPTIONS_MAX:
            raise ValidationError(_l("Enter at most %(max)d exceptions.", max=EXCEPTIONS_MAX))


def _hours_form_class() -> type[HoursForm]:
    fields: dict[str, Any] = {
        day_field(day): StringField(
            label=_l("Hours"),
            validators=[PlainText(), Length(max=40, message=_l("The text is too long.")), _DayHours()],
            render_kw={"autocomplete": "off", "inputmode": "numeric"},
        )
        for day in WEEKDAYS
    }
    return type("WeekHoursForm", (HoursForm,), fields)


def day_field(day: int) -> str:
    return f"day_{day}"


WeekHoursForm = _hours_form_class()


def day_names() -> dict[int, str]:
    """Monday to Sunday in the reader's language, as CLDR writes them (plain-language Finnish as Finnish)."""
    names = get_day_names("wide", context="stand-alone", locale=get_locale())
    return {day: str(names[day])[:1].upper() + str(names[day])[1:] for day in WEEKDAYS}


def hours_data(settings: ChatSettings) -> dict[str, Any]:
    """The stored settings as the form's data."""
    data: dict[str, Any] = {day_field(day): hours_text(settings.week.get(day)) for day in WEEKDAYS}
    data["exceptions"] = "\n".join(
        f"{day.isoformat()} {hours_text(pair)}".strip() for day, pair in sorted(settings.exceptions.items())
    )
    data["answer_within_hours"] = settings.answer_within_hours
    data["handle_minutes"] = settings.handle_minutes
    return data


def hours_changes(form: Any) -> dict[str, Any]:
    """The validated form in the shape portal.chat.settings stores."""
    week: dict[str, list[str]] = {}
    for day in WEEKDAYS:
        pair = parse_hours(form[day_field(day)].data or "")
        if pair is not None:
            week[str(day)] = [f"{pair[0]:%H:%M}", f"{pair[1]:%H:%M}"]
    exceptions = {
        day.isoformat(): None if pair is None else [f"{pair[0]:%H:%M}", f"{pair[1]:%H:%M}"]
        for day, pair in sorted(parse_exceptions(form.exceptions.data or "").items())
    }
    return {
        "helpline_week": week,
        "helpline_exceptions": exceptions,
        "chat_answer_within_hours": form.answer_within_hours.data,
        "chat_handle_minutes": form.handle_minutes.data,
    }
