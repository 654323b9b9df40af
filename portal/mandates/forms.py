"""Forms of the staff's register of mandates. Every message is ours (and so translated), never WTForms' own.

Both identity codes come from the POST body only: the view never builds these forms from a URL's query.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from portal.auth import identity
from portal.fields import MAX_YEAR, MIN_YEAR, CheckboxesField, TextDateField
from portal.mandates.labels import SCOPE_LABELS
from portal.models.mandates import SCOPES
from portal.validators import PlainText

DOCUMENT_MAX = 200  # the column's length (Mandate.document)
REASON_MAX = 200  # the column's length (Mandate.revoked_reason)
DATE_MESSAGE = _l("Enter a date as year-month-day, for example 2027-01-31.")

# Why the service refused a registration (MandateRefused.problem), said at the field it names.
REFUSALS = {
    "unknown_person": _l(
        "No resident with this identity code was found. A resident appears here after logging in once."
    ),
    "same_person": _l("The relative and the person represented must be two different people."),
    "no_scope": _l("Choose at least one thing the mandate covers."),
    "ends_before_start": _l("The end date cannot be before the start date."),
}


def _code_field(label: object, message: object) -> StringField:
    return StringField(
        label,
        validators=[DataRequired(message=message)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


def _checked_code(field: StringField) -> None:
    # Only checked: the field keeps what was typed, to be shown back; the service finds the person by the code.
    try:
        identity.validate((field.data or "").strip(), allow_temporary=current_app.config["HETU_ALLOW_TEMPORARY"])
    except identity.InvalidHetu:
        # The library's reason is in English and may quote the code: ours says only what to check.
        raise ValidationError(_l("Check the identity code: it is not a valid personal identity code.")) from None


def _in_calendar(value: date | None) -> bool:
    return value is not None and MIN_YEAR <= value.year <= MAX_YEAR


class MandateForm(FlaskForm):
    agent_code = _code_field(
        _l("The relative's personal identity code"), _l("Enter the relative's personal identity code.")
    )
    principal_code = _code_field(
        _l("Personal identity code of the person represented"),
        _l("Enter the personal identity code of the person represented."),
    )
    scopes = CheckboxesField(
        _l("The mandate covers"),
        choices=[SelectChoice(scope, SCOPE_LABELS[scope]) for scope in SCOPES],
        validate_choice=False,
    )
    valid_from = TextDateField(_l("Valid from"), format="%Y-%m-%d", render_kw={"autocomplete": "off"})
    valid_to = TextDateField(_l("Valid until (optional)"), format="%Y-%m-%d", render_kw={"autocomplete": "off"})
    document = StringField(
        _l("The document the mandate rests on"),
        validators=[
            DataRequired(message=_l("Enter the document the mandate rests on.")),
            Length(max=DOCUMENT_MAX, message=_l("The document can be at most %(max)d characters long.")),
            PlainText(),
        ],
        render_kw={"autocomplete": "off"},
    )

    def validate_agent_code(self, field: StringField) -> None:
        _checked_code(field)

    def validate_principal_code(self, field: StringField) -> None:
        _checked_code(field)

    def validate_scopes(self, field: CheckboxesField) -> None:
        if not field.data:
            raise ValidationError(REFUSALS["no_scope"])
        if any(scope not in SCOPES for scope in field.data):
            raise ValidationError(_l("Choose one of the options."))

    def validate_valid_from(self, field: TextDateField) -> None:
        if not _in_calendar(field.data):
            raise ValidationError(DATE_MESSAGE)

    def validate_valid_to(self, field: TextDateField) -> None:
        if not "".join(field.raw_data or ()).strip():
            field.data = None  # left empty: until revoked
            return
        if not _in_calendar(field.data):
            raise ValidationError(DATE_MESSAGE)
        if self.valid_from.data is not None and field.data is not None and field.data < self.valid_from.data:
            raise ValidationError(REFUSALS["ends_before_start"])


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for revoking"),
        validators=[
            DataRequired(message=_l("Enter the reason for revoking the mandate.")),
            Length(max=REASON_MAX, message=_l("The reason can be at most %(max)d characters long.")),
            PlainText(multiline=True),
        ],
        render_kw={"rows": 3},
    )
