"""How each interface language writes what the portal shows: dates, times, phone numbers and place names.

Dates and times come from one table of patterns per Babel locale, chosen rather than taken from Babel's defaults
(which give English readers the US "12/1/26" and "3:06 PM", and Swedish ones the ISO "2026-12-01"). Plain-language
Finnish has the Babel locale `fi`, so it writes dates as Finnish does. Every style keeps a 24-hour clock.

| style     | fi                  | sv                    | en                | for                         |
|-----------|---------------------|-----------------------|-------------------|-----------------------------|
| `day`     | ti 1.12.2026        | tis 1 dec. 2026       | Tue 1 Dec 2026    | a day someone acts on       |
| `date`    | 1.12.2026           | 1 dec. 2026           | 1 Dec 2026        | tables, periods, past dates |
| `weekday` | tiistai 1.12.       | tisdag 1 dec.         | Tuesday 1 Dec     | a day of this week's hours  |
| moment    | 1.12.2026 klo 15.06 | 1 dec. 2026 kl. 15.06 | 1 Dec 2026, 15:06 | when something happened     |
| clock     | 8.30                | 8.30                  | 08:30             | opening hours               |

Swedish keeps the Finnish clock (8.30), as Finland-Swedish writes it (and CLDR's sv_FI). The parts of a date or a
phone number are joined with no-break spaces, so neither is ever split over two lines.

Phone numbers are shown as Finns write them: the area or operator code, then the subscriber number in groups of
three and four ("09 123 4567", "040 123 4567", "0800 123 456"), whether PTV gave "+358" and the number without its
trunk 0 or a person typed "+358 40 1234567". The `tel:` link carries the international form, which works from any
phone; numbers that only work inside Finland (service numbers, short numbers) keep their national form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time

NBSP = "\u00a0"
HELSINKI = ZoneInfo("Europe/Helsinki")
LOCALES = ("fi", "sv", "en")

DATE_STYLES: dict[str, dict[str, str]] = {
    "day": {"fi": "EEE d.M.y", "sv": "EEE d MMM y", "en": "EEE d MMM y"},
    "date": {"fi": "d.M.y", "sv": "d MMM y", "en": "d MMM y"},
    "weekday": {"fi": "cccc d.M.", "sv": "cccc d MMM", "en": "cccc d MMM"},
    "month": {"fi": "M/y", "sv": "MMM y", "en": "MMM y"},  # a chart's axis
    "month_long": {"fi": "LLLL y", "sv": "LLLL y", "en": "LLLL y"},  # a choice of month
}
CLOCK = {"fi": "H.mm", "sv": "H.mm", "en": "HH:mm"}
MOMENT = {"fi": "{date} klo {clock}", "sv": "{date} kl. {clock}", "en": "{date}, {clock}"}


def _locale(locale: str | None) -> str:
    """The formatting locale for a Babel locale or a UI language code ("selko" writes as Finnish does); without one,
    the request's (flask_babel's, which follows the interface language)."""
    if locale is None:
        from flask_babel import get_locale

        locale = str(get_locale() or "fi")
    code = locale.split("_")[0].split("-")[0].lower()
    return code if code in LOCALES else "fi"


def _unbroken(text: str) -> str:
    return text.replace(" ", NBSP)


def local(value: datetime, zone: tzinfo = HELSINKI) -> datetime:
    """A timestamp in `zone`'s local time. Naive timestamps are UTC, as the database stores them."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)


def format_day(value: date | datetime, style: str, locale: str | None = None, zone: tzinfo = HELSINKI) -> str:
    """A date in one of DATE_STYLES; a datetime gives the local date it falls on in `zone`."""
    try:
        patterns = DATE_STYLES[style]
    except KeyError:
        raise ValueError(f"unknown date style {style!r}; use one of {', '.join(DATE_STYLES)}") from None
    if isinstance(value, datetime):
        value = local(value, zone).date()
    code = _locale(locale)
    return _unbroken(babel_format_date(value, patterns[code], locale=code))


def format_clock(value: datetime | time, locale: str | None = None) -> str:
    """A wall-clock time, 24-hour, as the datetime's own local time (opening hours are Helsinki time already)."""
    code = _locale(locale)
    wall = value.time() if isinstance(value, datetime) else value
    return babel_format_time(wall, CLOCK[code], locale=code)


def format_moment(value: datetime, locale: str | None = None, zone: tzinfo = HELSINKI) -> str:
    """When something happened: the local date and the 24-hour time in `zone`."""
    code = _locale(locale)
    moment = local(value, zone)
    text = MOMENT[code].format(date=format_day(moment, "date", code, zone), clock=format_clock(moment, code))
    return _unbroken(text)


# --- place names -------------------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+")


def place_name(text: str | None) -> str:
    """A street, town or post office as people write it. PTV gives post offices in capitals ("04400 JÄRVENPÄÄ");
    a name in capitals gets a capital at the start of each word ("Koivukylä-Havukoski"), any other is kept, and so
    are abbreviations of one or two letters ("PL 12")."""
    if not text:
        return ""
    text = " ".join(text.split())
    if text != text.upper() or not _WORD.search(text):
        return text
    return _WORD.sub(lambda word: word.group(0) if len(word.group(0)) <= 2 else word.group(0).capitalize(), text)


class Localised(Protocol):
    def resolve(self, language: str) -> tuple[str, str] | None: ...


def localised_place(text: Localised | None, language: str) -> str:
    """A place name from PTV in the reader's language where PTV has it (Träskända for Järvenpää in Swedish),
    otherwise in the language it has. A proper name, so never marked "in Finnish"."""
    found = text.resolve(_locale(language)) if text else None
    return place_name(found[0]) if found else ""


# --- phone numbers -----------------------------------------------------------------------------------------------

# National prefixes with their trunk 0, longest first: service numbers, operators' mobile codes, nationwide
# corporate numbers and the geographical area codes (Traficom's numbering plan).
_SERVICE_PREFIXES = ("0100", "0200", "0300", "0600", "0700", "0800")  # reachable only inside Finland
_PREFIXES = (
    *_SERVICE_PREFIXES,
    *("040", "041", "042", "043", "044", "045", "046", "048", "049", "050"),
    *("010", "020", "029", "030", "039", "071", "073", "075"),
    *("013", "014", "015", "016", "017", "018", "019"),
    *("02", "03", "05", "06", "08", "09"),
)
_TYPED = re.compile(r"^\+?[0-9 ()./-]+$")
FINLAND = "+358"


@dataclass(frozen=True)
class PhoneNumber:
    text: str  # as shown
    uri: str | None  # for the tel: link; None when the number cannot be dialled as written

    @property
    def href(self) -> str | None:
        return f"tel:{self.uri}" if self.uri else None


def _groups(digits: str) -> str:
    """A subscriber number in groups: 12 345, 123 456, 123 4567, 1234 5678, 123 456 789, 123 456 7890."""
    sizes = {5: (2, 3), 6: (3, 3), 7: (3, 4), 8: (4, 4), 9: (3, 3, 3), 10: (3, 3, 4)}.get(len(digits))
    if sizes is None:
        return digits
    parts, start = [], 0
    for size in sizes:
        parts.append(digits[start : start + size])
        start += size
    return " ".join(parts)


def phone_number(number: str | None) -> PhoneNumber | None:
    """A phone number as Finns write it, with what its `tel:` link dials. Anything that is not a phone number
    (letters, an extension in words) is shown as it was written, without a link."""
    if not number or not number.strip():
        return None
    written = " ".join(number.split())
    if not _TYPED.match(written):
        return PhoneNumber(written, None)
    digits = re.sub(r"[^0-9]", "", written)
    if len(digits) < 3:  # punctuation, or too short to dial
        return PhoneNumber(written, None)
    international = written.startswith("+") or digits.startswith("00")
    if international:
        digits = digits[2:] if digits.startswith("00") else digits
        if len(digits) < 3:
            return PhoneNumber(written, None)
        if not digits.startswith("358"):  # a foreign number: shown as written, dialled as it is
            return PhoneNumber(_unbroken(written), "+" + digits)
        digits = "0" + digits[3:].removeprefix("0")  # "+358 (0)40 ..." has its trunk 0 twice
    if not digits.startswith("0"):  # a short number (116 117, 112) or a service number without a trunk 0
        return PhoneNumber(_unbroken(_groups(digits) if len(digits) >= 6 else digits), digits)
    prefix = next((p for p in _PREFIXES if digits.startswith(p)), None)
    uri = digits if prefix in _SERVICE_PREFIXES else FINLAND + digits[1:]
    subscriber = digits[len(prefix) :] if prefix else ""
    if prefix is None or not 4 <= len(subscriber) <= 10:  # not in the numbering plan as we know it: as written
        return PhoneNumber(_unbroken(written), uri if 6 <= len(digits) <= 12 else None)
    return PhoneNumber(_unbroken(f"{prefix} {_groups(subscriber)}"), uri)
