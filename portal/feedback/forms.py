"""The feedback form. Every message is ours (and so translated), never WTForms' own."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Length, ValidationError

from portal.feedback.services import SCORES, SOURCES, TEXT_MAX
from portal.validators import PlainText

SCORE_VALUES = tuple(str(score) for score in SCORES)


def _score_label(score: int) -> Any:
    # The two ends of the scale say what they mean; the numbers between read as numbers.
    if score == 0:
        return _l("0 – not at all likely")
    if score == 10:
        return _l("10 – extremely likely")
    return str(score)


class FeedbackForm(FlaskForm):
    score = RadioField(
        _l("How likely is it that you would recommend this unit to a friend or relative?"),
        choices=[SelectChoice(str(score), _score_label(score)) for score in SCORES],
        validate_choice=False,
    )
    text = TextAreaField(
        _l("What went well, and what could the unit do better? (optional)"),
        validators=[
            Length(max=TEXT_MAX, message=_l("Your answer can be at most %(max)d characters long.")),
            PlainText(multiline=True),
        ],
        render_kw={"rows": 6},
    )
    source = HiddenField(validators=[AnyOf(SOURCES, message=_l("Open this form again from your listings."))])

    def validate_score(self, field: RadioField) -> None:
        if field.data not in SCORE_VALUES:
            raise ValidationError(_l("Choose a number from 0 to 10."))
