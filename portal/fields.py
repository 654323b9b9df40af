"""Form fields and patterns every feature's forms share (typed text shown back as it was typed).

They live here, outside any feature package, so a form module can use them without importing another feature's
package, whose views import half the portal (that made `import portal.outbox.status` alone fail on a cycle).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from wtforms import DateField, IntegerField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from portal.inputs import parse_int

MAX_WHOLE_NUMBER = 1_000_000
MIN_YEAR, MAX_YEAR = 1900, 2999
PHONE_PATTERN = r"^\+?[0-9][0-9 ()-]*[0-9]$"  # ASCII digits, spaces, brackets and dashes, as people write numbers


class WholeNumberField(IntegerField):
    """A whole number typed as text (GOV.UK's advice over type=number). Text that is not a number leaves the
    data empty, so the field's NumberRange says what to enter, once; the typed text is shown back as it was."""

    widget = TextInput()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        # ASCII digits only: int() would read "٣" as 3 and the form would store what nobody typed as a number.
        self.data = parse_int(valuelist[0], maximum=MAX_WHOLE_NUMBER) if valuelist else None


class TextDateField(DateField):
    """A year-month-day date typed as text; like WholeNumberField, an unreadable date leaves the data empty for the
    form's own message, and the typed text is shown back (a type=date box would drop it, and shows the browser's
    own date format, not the year-month-day the hint asks for)."""

    widget = TextInput()
    data: date | None

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata([value.strip() for value in valuelist])
        except ValueError:
            self.data = None


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
