"""Forms of the help line's phone calls. Every message is ours (and so translated), never WTForms' own.

The identity code comes from the POST body only: the view never builds the finding form from a URL's query.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from portal.auth import identity
from portal.fields import CheckboxesField
from portal.flags.forms import CATEGORY_LABELS, PHONE_MAX, check_phone, lines_as_typed
from portal.flags.services import DESCRIPTION_MAX, FlagDraft
from portal.helpline.callers import REASON_MAX
from portal.models.chat import LANGUAGES
from portal.models.flags import CATEGORIES
from portal.validators import PlainText

NAME_MAX = 200
NAME_MIN = 2
CALL_CONTACT_METHODS = ("phone", "portal")  # the caller is on the phone: no e-mail address is taken down
CALL_CONTACT_LABELS = {
    "phone": _l("By phone"),
    "portal": _l("In Valinta only: the caller reads the answers there"),
}
LANGUAGE_LABELS = {
    "fi": _l("Finnish"),
    "sv": _l("Swedish"),
    "selko": _l("Plain-language Finnish"),
    "en": _l("English"),
}


def _one_of(values: tuple[str, ...]) -> AnyOf:
    # Choice fields skip WTForms' own check (its message is not in our catalogue); a tampered value gets this one.
    return AnyOf(values, message=_l("Choose one of the options."))


class FindCallerForm(FlaskForm):
    identity_code = StringField(
        _l("The caller's personal identity code"),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    name = StringField(
        _l("Or the caller's name"),
        validators=[
            Length(max=NAME_MAX, message=_l("The name can be at most %(max)d characters long.")),
            PlainText(),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )

    def validate_identity_code(self, field: StringField) -> None:
        code = (field.data or "").strip()
        if not code:
            if not (self.name.data or "").strip():
                raise ValidationError(_l("Enter the caller's personal identity code or name."))
            return
        try:
            identity.validate(code, allow_temporary=current_app.config["HETU_ALLOW_TEMPORARY"])
        except identity.InvalidHetu:
            # The library's reason is in English and may quote the code: ours says only what to check.
            raise ValidationError(_l("Check the identity code: it is not a valid personal identity code.")) from None

    def validate_name(self, field: StringField) -> None:
        if (self.identity_code.data or "").strip():
            return  # the code decides; the name is not used
        name = " ".join((field.data or "").split())
        if name and len(name) < NAME_MIN:
            raise ValidationError(_l("Enter at least %(min)d letters of the name.", min=NAME_MIN))


class StartCallForm(FlaskForm):
    reason = StringField(
        _l("Why the caller called"),
        validators=[
            DataRequired(message=_l("Enter why the caller called.")),
            Length(max=REASON_MAX, message=_l("The reason can be at most %(max)d characters long.")),
            PlainText(),
        ],
        render_kw={"autocomplete": "off"},
    )
    consent = BooleanField(
        _l("The caller agreed on the phone that I may look at their information and act for them"),
        validators=[
            DataRequired(message=_l("Ask the caller for their consent. Without it you cannot see their information."))
        ],
    )


class ConfirmChoiceForm(FlaskForm):
    """The check page's confirmation: what the worker checked with the caller, and the key of this one request."""

    kind = HiddenField()
    unit = HiddenField(validators=[DataRequired(), Length(max=64)])
    version = HiddenField(validators=[DataRequired(), Length(max=10)])
    request_key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])


class CallFlagForm(FlaskForm):
    """A report of a problem for the caller, on one page: the worker asks the questions on the phone."""

    category = RadioField(
        _l("What went wrong?"),
        choices=[SelectChoice(value, CATEGORY_LABELS[value]) for value in CATEGORIES],
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose what went wrong.")), _one_of(CATEGORIES)],
    )
    providers = CheckboxesField(_l("Which of the caller's providers were involved? (optional)"), validate_choice=False)
    description = TextAreaField(
        _l("What happened, in the caller's words"),
        filters=[lines_as_typed],
        validators=[
            DataRequired(message=_l("Write down what happened.")),
            Length(max=DESCRIPTION_MAX, message=_l("What happened can be at most %(max)d characters long.")),
            PlainText(multiline=True),
        ],
        render_kw={"rows": 8},
    )
    contact_method = RadioField(
        _l("How the caller wants to be contacted"),
        choices=[SelectChoice(value, CALL_CONTACT_LABELS[value]) for value in CALL_CONTACT_METHODS],
        default="phone",
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose how the caller is contacted.")), _one_of(CALL_CONTACT_METHODS)],
    )
    contact_phone = StringField(
        _l("The caller's phone number"),
        validators=[Length(max=PHONE_MAX, message=_l("The phone number can be at most %(max)d characters long."))],
        render_kw={"autocomplete": "off", "inputmode": "tel"},
    )
    language = SelectField(
        _l("The caller's language: replies are written in it"),
        choices=[SelectChoice(value, LANGUAGE_LABELS[value]) for value in LANGUAGES],
        validate_choice=False,
        validators=[_one_of(LANGUAGES)],
    )
    consent_share = BooleanField(_l("The caller allows sharing the report with the providers involved"))
    request_key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])

    def __init__(self, *args: Any, offered: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offered: dict[str, str] = dict(offered or {})
        self.providers.choices = [SelectChoice(pid, name) for pid, name in self.offered.items()]

    def validate_providers(self, field: CheckboxesField) -> None:
        if any(value not in self.offered for value in field.data or []):
            raise ValidationError(_l("Choose one of the options."))

    def validate_contact_phone(self, field: StringField) -> None:
        if self.contact_method.data == "phone":
            check_phone(field.data, _l("Enter the caller's phone number, or choose to answer in Valinta only."))

    def draft(self) -> FlagDraft:
        method = self.contact_method.data
        return FlagDraft(
            category=self.category.data,
            providers=[(pid, self.offered[pid]) for pid in dict.fromkeys(self.providers.data or [])],
            description=self.description.data,
            contact_method=method,
            contact_phone=(self.contact_phone.data or "").strip() if method == "phone" else None,
            consent_share=bool(self.consent_share.data),
        )
