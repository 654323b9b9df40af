"""Form validators every form shares: text a person typed must be text a person can read."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.validators import ValidationError

from portal.inputs import text_problem

MESSAGES = {
    "control": _l("Remove the special characters (such as tabs or invisible control characters) from the text."),
    "format": _l("Remove the invisible formatting characters from the text."),
}


class PlainText:
    """Refuses control characters (line breaks only where `multiline`) and invisible formatting characters,
    which can hide or reverse what an organiser, a log reader or a provider later sees."""

    def __init__(self, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, form: Any, field: Field) -> None:
        if isinstance(field.data, str):
            problem = text_problem(field.data.replace("\r\n", "\n"), multiline=self.multiline)
            if problem:
                raise ValidationError(MESSAGES[problem])
