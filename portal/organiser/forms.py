"""Forms of the organiser's listing pages. Every message is ours (and so translated), never WTForms' own."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Regexp, ValidationError

from portal.auth import identity
from portal.choice.rules import EFFECTIVE_RULES, KINDS
from portal.fields import (
    MAX_WHOLE_NUMBER,
    MAX_YEAR,
    MIN_YEAR,
    PHONE_PATTERN,
    CheckboxesField,
    TextDateField,
    WholeNumberField,
)
from portal.inputs import only_ascii_digits, parse_int
from portal.validators import PlainText

KIND_LABELS = {"sote_centre": _l("Health and social care centre"), "dental_unit": _l("Dental care unit")}
EFFECTIVE_LABELS = {
    "first_of_next_month": _l("On the first day of the next month"),
    "immediate": _l("At once, on the day of the choice"),
}
MAX_AGE = 120
MAX_CAPACITY = MAX_WHOLE_NUMBER


def _one_of(values: tuple[str, ...]) -> AnyOf:
    # Choice fields skip WTForms' own check (its message is not in our catalogue); a tampered value gets this one.
    return AnyOf(values, message=_l("Choose one of the options."))


class ListingsForm(FlaskForm):
    """The date and kind of the listing figures: a GET form (bookmarkable, no CSRF token in the URL)."""

    class Meta:
        csrf = False

    as_of = TextDateField(_l("Date"), format="%Y-%m-%d", render_kw={"autocomplete": "off"})
    kind = SelectField(
        _l("Listing"),
        choices=[SelectChoice(kind, KIND_LABELS[kind]) for kind in KINDS],
        validate_choice=False,
        validators=[_one_of(KINDS)],
    )

    def validate_as_of(self, field: DateField) -> None:
        # The bounds keep the age-band arithmetic (up to 121 years back) inside the calendar.
        if field.data is None or not MIN_YEAR <= field.data.year <= MAX_YEAR:
            raise ValidationError(_l("Enter a date as year-month-day, for example 2027-01-31."))


def parse_age_bands(text: str) -> list[int]:
    """ "7, 18, 65" -> [7, 18, 65]; ValueError unless whole numbers from 1 to MAX_AGE in ascending order."""
    parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    if not all(only_ascii_digits(part) and len(part) <= 3 for part in parts):
        raise ValueError(text)
    ages = [int(part) for part in parts]
    if not ages or any(not 1 <= age <= MAX_AGE for age in ages) or ages != sorted(set(ages)):
        raise ValueError(text)
    return ages


class RulesForm(FlaskForm):
    municipalities = CheckboxesField(
        _l("Municipalities in the organiser's area"),
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose at least one municipality."))],
    )
    interval_months = WholeNumberField(
        _l("Minimum time between switches, in months"),
        validators=[NumberRange(0, 36, message=_l("Enter a whole number of months from 0 to 36."))],
    )
    effective = RadioField(
        _l("A choice takes effect"),
        choices=[SelectChoice(rule, EFFECTIVE_LABELS[rule]) for rule in EFFECTIVE_RULES],
        validate_choice=False,
        validators=[_one_of(EFFECTIVE_RULES)],
    )
    override_valid_days = WholeNumberField(
        _l("An interval override can be used for, in days"),
        validators=[NumberRange(1, 365, message=_l("Enter a whole number of days from 1 to 365."))],
    )
    age_bands = StringField(
        _l("Age bands of the listing figures start at"),
        validators=[InputRequired(message=_l("Enter the ages at which the age bands start."))],
    )
    organiser_name = StringField(
        _l("Organiser's name"),
        validators=[
            DataRequired(message=_l("Enter the organiser's name.")),
            Length(max=200, message=_l("The name can be at most %(max)d characters long.")),
            PlainText(),
        ],
    )
    helpline_phone = StringField(
        _l("Help line phone number"),
        validators=[
            DataRequired(message=_l("Enter the help line's phone number.")),
            Length(max=40, message=_l("The phone number can be at most %(max)d characters long.")),
            Regexp(
                PHONE_PATTERN,
                message=_l(
                    "Enter the phone number with digits, spaces and an optional + at the start, e.g. 09 123 4567."
                ),
            ),
        ],
    )

    def validate_municipalities(self, field: CheckboxesField) -> None:
        offered = {choice.value for choice in field.choices}
        if any(code not in offered for code in field.data or ()):
            raise ValidationError(_l("Choose one of the options."))

    def validate_age_bands(self, field: StringField) -> None:
        try:
            parse_age_bands(field.data or "")
        except ValueError:
            raise ValidationError(
                _l("Enter ages from 1 to %(max)s in ascending order, separated by commas.", max=MAX_AGE)
            ) from None

    def settings(self) -> dict[str, Any]:
        """The validated values in the shape rules.save_settings stores."""
        return {
            "municipalities": sorted(self.municipalities.data),
            "interval_months": self.interval_months.data,
            "effective": self.effective.data,
            "override_valid_days": self.override_valid_days.data,
            "age_bands": parse_age_bands(self.age_bands.data),
            "organiser_name": self.organiser_name.data.strip(),
            "helpline_phone": self.helpline_phone.data.strip(),
        }


class OverrideForm(FlaskForm):
    # Never prefilled from a URL: the view builds this form from the POST body only.
    identity_code = StringField(
        _l("Resident's personal identity code"),
        validators=[DataRequired(message=_l("Enter the resident's personal identity code."))],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    kind = RadioField(
        _l("Listing"),
        choices=[SelectChoice(kind, KIND_LABELS[kind]) for kind in KINDS],
        validate_choice=False,
        validators=[_one_of(KINDS)],
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Enter the reason, for example that the resident moved house.")),
            Length(max=500, message=_l("The reason can be at most %(max)d characters long.")),
            PlainText(multiline=True),
        ],
    )

    def validate_identity_code(self, field: StringField) -> None:
        try:
            field.data = identity.validate(
                (field.data or "").strip(), allow_temporary=current_app.config["HETU_ALLOW_TEMPORARY"]
            )
        except identity.InvalidHetu:
            # The library's reason is in English and may quote the code: ours says only what to check.
            raise ValidationError(_l("Check the identity code: it is not a valid personal identity code.")) from None


def parse_capacity(text: str) -> int | None:
    """ "" -> None (no limit), "120" -> 120; ValueError for anything else."""
    text = text.strip()
    if not text:
        return None
    number = parse_int(text, maximum=MAX_CAPACITY)
    if number is None:
        raise ValueError(text)
    return number
