"""Forms of the review console. Every message is ours (and so translated), never WTForms' own.

The action forms on a flag's page carry no CSRF field of their own (CSRFProtect checks every POST, and the
template writes the token), so several of them can share one page with plain field names."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional, ValidationError

from portal import inputs
from portal.fields import WholeNumberField
from portal.flags.services import FORWARDED_TO_MAX
from portal.flags.settings import DEFAULT_KEYWORDS, DEFAULT_TEMPLATES
from portal.models.flags import STATUSES
from portal.review.labels import PRIORITY_LABELS, STATUS_LABELS
from portal.validators import PlainText

TEXT_MAX = 4000
TEMPLATE_MAX = 2000
KEYWORD_MAX = 100
KEYWORDS_MAX = 200  # per category and language
PLACEHOLDERS = ("name", "reference", "status")
LANGUAGES = ("fi", "sv", "selko", "en")
LANGUAGE_LABELS = {"fi": _l("Finnish"), "sv": _l("Swedish"), "selko": _l("Plain-language Finnish"), "en": _l("English")}
SETTABLE_STATUSES = tuple(status for status in STATUSES if status != "disputed")
TEMPLATE_STATUSES = tuple(DEFAULT_TEMPLATES)
KEYWORD_CATEGORIES = tuple(DEFAULT_KEYWORDS)


class _ActionForm(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect has checked the token of the POST already


def _text(label: Any, required: Any, maximum: int = TEXT_MAX) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            DataRequired(message=required),
            Length(max=maximum, message=_l("The text can be at most %(max)d characters long.")),
            PlainText(multiline=True),
        ],
    )


class StatusForm(_ActionForm):
    status = SelectField(
        _l("New status"),
        choices=[SelectChoice(status, STATUS_LABELS[status]) for status in SETTABLE_STATUSES],
        validate_choice=False,
        validators=[AnyOf(SETTABLE_STATUSES, message=_l("Choose one of the options."))],
    )
    message = TextAreaField(
        _l("Reply to the flagger (optional)"),
        validators=[
            Optional(),
            Length(max=TEXT_MAX, message=_l("The text can be at most %(max)d characters long.")),
            PlainText(multiline=True),
        ],
    )
    forwarded_to = StringField(
        _l("Forwarded to"),
        validators=[
            Length(max=FORWARDED_TO_MAX, message=_l("The name can be at most %(max)d characters long.")),
            PlainText(),
        ],
    )

    def validate_forwarded_to(self, field: StringField) -> None:
        if self.status.data == "forwarded" and not (field.data or "").strip():
            raise ValidationError(_l("Enter the body the flag was forwarded to."))


class ReplyForm(_ActionForm):
    reply = _text(_l("Reply to the flagger"), _l("Enter the reply."))


class NoteForm(_ActionForm):
    note = _text(_l("Internal note (the flagger never sees it)"), _l("Enter the note."))


class AssignForm(_ActionForm):
    assignee = SelectField(_l("Assigned to"), validate_choice=False)

    def validate_assignee(self, field: SelectField) -> None:
        if field.data not in {str(choice[0]) for choice in field.choices or ()}:
            raise ValidationError(_l("Choose one of the options."))


class PriorityForm(_ActionForm):
    priority = SelectField(
        _l("Priority"),
        choices=[SelectChoice(str(value), label) for value, label in PRIORITY_LABELS.items()],
        validate_choice=False,
        validators=[AnyOf(("1", "2", "3"), message=_l("Choose one of the options."))],
    )


class ResponseForm(_ActionForm):
    response = _text(_l("The provider's response"), _l("Enter the provider's response."))


def placeholder_problem(text: str) -> str | None:
    """None when `text` uses only this module's PLACEHOLDERS; else the first thing to remove."""
    return inputs.placeholder_problem(text, PLACEHOLDERS)


class TemplateText:
    def __call__(self, form: Any, field: Any) -> None:
        found = placeholder_problem(field.data or "")
        if found:
            raise ValidationError(
                _l(
                    "Use only the placeholders {name}, {reference} and {status}. Remove %(found)s.",
                    found=found,
                )
            )


def template_field(status: str, language: str) -> str:
    return f"template_{status}_{language}"


def keyword_field(category: str, language: str) -> str:
    return f"keywords_{category}_{language}"


def parse_keywords(text: str) -> list[str]:
    """One keyword per line, lower case, blank lines and repeats dropped."""
    seen: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        keyword = line.strip().casefold()
        if keyword and keyword not in seen:
            seen.append(keyword)
    return seen


class KeywordLines:
    def __call__(self, form: Any, field: Any) -> None:
        keywords = parse_keywords(field.data or "")
        if len(keywords) > KEYWORDS_MAX:
            raise ValidationError(_l("Enter at most %(max)d keywords.", max=KEYWORDS_MAX))
        if any(len(keyword) > KEYWORD_MAX for keyword in keywords):
            raise ValidationError(_l("A keyword can be at most %(max)d characters long.", max=KEYWORD_MAX))


class _SettingsBase(FlaskForm):
    target_days = WholeNumberField(
        _l("Target for handling a flag, in days"),
        validators=[NumberRange(1, 365, message=_l("Enter a whole number of days from 1 to 365."))],
    )
    escalate_days = WholeNumberField(
        _l("A flag with no reply or provider response escalates after, in days"),
        validators=[NumberRange(1, 365, message=_l("Enter a whole number of days from 1 to 365."))],
    )
    feedback_after_days = WholeNumberField(
        _l("Feedback about a unit is asked once a listing has been in force for, in days"),
        validators=[NumberRange(1, 3650, message=_l("Enter a whole number of days from 1 to 3650."))],
    )
    feedback_min_answers = WholeNumberField(
        _l("A unit's feedback score is shown from this many answers"),
        validators=[NumberRange(1, 1000, message=_l("Enter a whole number of answers from 1 to 1000."))],
    )


def _settings_form_class() -> type[_SettingsBase]:
    fields: dict[str, Any] = {}
    for status in TEMPLATE_STATUSES:
        for language in LANGUAGES:
            fields[template_field(status, language)] = TextAreaField(
                LANGUAGE_LABELS[language],
                validators=[
                    Length(max=TEMPLATE_MAX, message=_l("The text can be at most %(max)d characters long.")),
                    PlainText(multiline=True),
                    TemplateText(),
                ],
            )
    for category in KEYWORD_CATEGORIES:
        for language in LANGUAGES:
            fields[keyword_field(category, language)] = TextAreaField(
                LANGUAGE_LABELS[language], validators=[PlainText(multiline=True), KeywordLines()]
            )
    return type("FlagSettingsForm", (_SettingsBase,), fields)


FlagSettingsForm = _settings_form_class()


def settings_data(settings: Any) -> dict[str, Any]:
    """A FlagSettings as the form's data."""
    data: dict[str, Any] = {
        "target_days": settings.target_days,
        "escalate_days": settings.escalate_days,
        "feedback_after_days": settings.feedback_after_days,
        "feedback_min_answers": settings.feedback_min_answers,
    }
    for status in TEMPLATE_STATUSES:
        for language in LANGUAGES:
            data[template_field(status, language)] = settings.templates.get(status, {}).get(language, "")
    for category in KEYWORD_CATEGORIES:
        for language in LANGUAGES:
            data[keyword_field(category, language)] = "\n".join(settings.keywords.get(category, {}).get(language, []))
    return data


def settings_changes(form: Any) -> dict[str, Any]:
    """The validated form in the shape portal.flags.settings stores."""
    templates = {
        status: {
            language: form[template_field(status, language)].data.replace("\r\n", "\n").strip()
            for language in LANGUAGES
            if (form[template_field(status, language)].data or "").strip()
        }
        for status in TEMPLATE_STATUSES
    }
    keywords = {
        category: {
            language: parse_keywords(form[keyword_field(category, language)].data or "")
            for language in LANGUAGES
            if parse_keywords(form[keyword_field(category, language)].data or "")
        }
        for category in KEYWORD_CATEGORIES
    }
    return {
        "flag_target_days": form.target_days.data,
        "flag_escalate_days": form.escalate_days.data,
        "feedback_after_days": form.feedback_after_days.data,
        "feedback_min_answers": form.feedback_min_answers.data,
        "flag_templates": templates,
        "flag_keywords": keywords,
    }
