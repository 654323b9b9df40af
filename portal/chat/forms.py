"""The chat's forms. Every message is ours (and so translated), never WTForms' own."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from portal.validators import PlainText


class MessageForm(FlaskForm):
    text = TextAreaField(_l("Your message"), validators=[PlainText(multiline=True)], render_kw={"rows": 3})


class RatingForm(FlaskForm):
    rating = RadioField(
        _l("How well did the chat help you?"),
        choices=[
            SelectChoice("5", _l("5 – very well")),
            SelectChoice("4", "4"),
            SelectChoice("3", "3"),
            SelectChoice("2", "2"),
            SelectChoice("1", _l("1 – not at all")),
        ],
        validate_choice=False,
    )

    def validate_rating(self, field: RadioField) -> None:
        if field.data not in ("1", "2", "3", "4", "5"):
            raise ValidationError(_l("Choose a number from 1 to 5."))
