"""The resident's flag forms. Every message is ours (and so translated), never WTForms' own; free text is kept
exactly as typed (only a browser's CRLF line breaks are read as the line breaks they are)."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from portal.compare.units import today_in_helsinki
from portal.fields import PHONE_PATTERN, CheckboxesField, TextDateField
from portal.flags.services import DESCRIPTION_MAX, INFO_MAX, FlagDraft
from portal.models.flags import CATEGORIES, CONTACT_METHODS
from portal.validators import PlainText

CATEGORY_LABELS = {
    "information_not_moved": _l("Information did not move between providers"),
    "referral_lost": _l("A referral or follow-up was lost"),
    "voucher_refused": _l("A provider refused a service voucher or personal budget"),
    "fee_charged": _l("A provider charged a fee it may not charge"),
    "no_appointment": _l("I could not get an appointment"),
    "conflicting_instructions": _l("Providers gave conflicting instructions"),
    "other": _l("Something else"),
}
CONTACT_LABELS = {
    "portal": _l("In Valinta only: I will read the answers here"),
    "email": _l("By e-mail"),
    "phone": _l("By phone"),
}
MAX_PROVIDERS = 10
SEARCH_MAX = 100
EMAIL_MAX = 320
PHONE_MAX = 40
# Something@something.something, no spaces: enough to catch a typo; the address is checked by writing to it.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_phone(value: str | None, missing: Any) -> None:
    """A phone number to call back on, for the resident's own form and the help line's on a caller's behalf."""
    value = (value or "").strip()
    if not value:
        raise ValidationError(missing)
    if not re.match(PHONE_PATTERN, value):
        raise ValidationError(
            _l("Enter the phone number with digits, spaces and an optional + at the start, e.g. 040 123 4567.")
        )


def lines_as_typed(value: Any) -> Any:
    """A browser sends a textarea's line breaks as CRLF: kept as the line breaks they are, nothing else changed."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _one_of(values: tuple[str, ...]) -> AnyOf:
    return AnyOf(values, message=_l("Choose one of the options."))


class FlagForm(FlaskForm):
    """All the questions (one fieldset each); the view fills `providers.choices` with what this person may pick."""

    category = RadioField(
        _l("What went wrong?"),
        choices=[SelectChoice(value, CATEGORY_LABELS[value]) for value in CATEGORIES],
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose what went wrong.")), _one_of(CATEGORIES)],
    )
    providers = CheckboxesField(_l("Which providers were involved?"), validate_choice=False)
    search = StringField(
        _l("Search the service catalogue by the unit's name or place"),
        validators=[
            Optional(),
            Length(max=SEARCH_MAX, message=_l("The search can be at most %(max)d characters long.")),
            PlainText(),
        ],
        render_kw={"autocomplete": "off"},
    )
    happened_on = TextDateField(
        _l("When did it happen? (optional)"),
        format="%Y-%m-%d",
        validators=[Optional()],
        render_kw={"autocomplete": "off"},
    )
    description = TextAreaField(
        _l("What happened, in your own words"),
        filters=[lines_as_typed],
        validators=[
            DataRequired(message=_l("Tell us what happened.")),
            Length(
                max=DESCRIPTION_MAX,
                message=_l(
                    "What happened can be at most %(max)d characters long. It is now %(length)d characters: "
                    "shorten it, or send the rest later as more information."
                ),
            ),
            PlainText(multiline=True),
        ],
        render_kw={"rows": 8},
    )
    contact_method = RadioField(
        _l("How do you want us to contact you?"),
        choices=[SelectChoice(value, CONTACT_LABELS[value]) for value in CONTACT_METHODS],
        default="portal",
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose how we contact you.")), _one_of(CONTACT_METHODS)],
    )
    contact_email = StringField(
        _l("E-mail address"),
        validators=[Length(max=EMAIL_MAX, message=_l("The e-mail address can be at most %(max)d characters long."))],
        render_kw={"autocomplete": "email", "spellcheck": "false", "inputmode": "email"},
    )
    contact_phone = StringField(
        _l("Phone number"),
        validators=[Length(max=PHONE_MAX, message=_l("The phone number can be at most %(max)d characters long."))],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    consent_share = BooleanField(_l("You may share this report with the providers involved"))

    def __init__(self, *args: Any, offered: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every provider this person may name: their own and whatever the catalogue has (checked in validate).
        self.offered: dict[str, str] = dict(offered or {})

    def validate_providers(self, field: CheckboxesField) -> None:
        chosen = field.data or []
        if not chosen:
            raise ValidationError(
                _l("Choose at least one provider. If it is not listed, search for it in the service catalogue.")
            )
        if len(set(chosen)) > MAX_PROVIDERS:
            raise ValidationError(_l("Choose at most %(max)d providers.", max=MAX_PROVIDERS))
        if any(value not in self.offered for value in chosen):
            raise ValidationError(_l("Choose one of the options."))

    def validate_happened_on(self, field: TextDateField) -> None:
        if field.raw_data and (field.raw_data[0] or "").strip() and field.data is None:
            raise ValidationError(_l("Enter the date as year-month-day, for example 2026-03-14, or leave it empty."))
        if field.data is not None and (field.data.year < 1900 or field.data > today_in_helsinki()):
            raise ValidationError(_l("Enter a date that is not in the future, or leave it empty."))

    def validate_contact_email(self, field: StringField) -> None:
        if self.contact_method.data != "email":
            return
        value = (field.data or "").strip()
        if not value:
            raise ValidationError(_l("Enter your e-mail address, or choose another way to contact you."))
        if not EMAIL_PATTERN.match(value) or not value.isprintable():
            raise ValidationError(_l("Enter the e-mail address in the form name@example.fi."))

    def validate_contact_phone(self, field: StringField) -> None:
        if self.contact_method.data == "phone":
            check_phone(field.data, _l("Enter your phone number, or choose another way to contact you."))

    def draft(self) -> FlagDraft:
        """The validated answers as the service takes them."""
        method = self.contact_method.data
        return FlagDraft(
            category=self.category.data,
            providers=[(pid, self.offered[pid]) for pid in dict.fromkeys(self.providers.data or [])],
            happened_on=self.happened_on.data,
            description=self.description.data,
            contact_method=method,
            contact_email=(self.contact_email.data or "").strip() if method == "email" else None,
            contact_phone=(self.contact_phone.data or "").strip() if method == "phone" else None,
            consent_share=bool(self.consent_share.data),
        )


class SendForm(FlagForm):
    """The check page's form: the same answers in hidden fields, and the request key that makes a resend one flag."""

    request_key = StringField(validators=[DataRequired(), Length(min=16, max=64)])


def _text(label: Any, required: Any, max_message: Any, maximum: int) -> TextAreaField:
    return TextAreaField(
        label,
        filters=[lines_as_typed],
        validators=[
            DataRequired(message=required),
            Length(max=maximum, message=max_message),
            PlainText(multiline=True),
        ],
        render_kw={"rows": 5},
    )


class InfoForm(FlaskForm):
    text = _text(
        _l("Add information"),
        _l("Write the information you want to add."),
        _l("The information can be at most %(max)d characters long. It is now %(length)d characters."),
        INFO_MAX,
    )


class DisputeForm(FlaskForm):
    reason = _text(
        _l("Why do you disagree?"),
        _l("Tell us why you disagree with the decision."),
        _l("The reason can be at most %(max)d characters long. It is now %(length)d characters."),
        INFO_MAX,
    )
