"""portal.formatting: each language's dates and times, phone numbers as Finns write them, place names from PTV."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.ptv.text import LocalizedText
from portal.formatting import (
    DATE_STYLES,
    HELSINKI,
    NBSP,
    format_clock,
    format_day,
    format_moment,
    localised_place,
    phone_number,
    place_name,
)
from portal.templating import _phone

TUESDAY = date(2026, 12, 1)


def plain(text: str) -> str:
    return text.replace(NBSP, " ")


@pytest.mark.parametrize(
    ("locale", "day", "short", "weekday"),
    [
        ("fi", "ti 1.12.2026", "1.12.2026", "tiistai 1.12."),
        ("selko", "ti 1.12.2026", "1.12.2026", "tiistai 1.12."),  # plain-language Finnish writes as Finnish does
        ("sv", "tis 1 dec. 2026", "1 dec. 2026", "tisdag 1 dec."),
        ("en", "Tue 1 Dec 2026", "1 Dec 2026", "Tuesday 1 Dec"),
        ("en_GB", "Tue 1 Dec 2026", "1 Dec 2026", "Tuesday 1 Dec"),  # a Babel locale is read by its language
    ],
)
def test_each_language_has_its_own_dates(locale, day, short, weekday):
    assert plain(format_day(TUESDAY, "day", locale)) == day
    assert plain(format_day(TUESDAY, "date", locale)) == short
    assert plain(format_day(TUESDAY, "weekday", locale)) == weekday


@pytest.mark.parametrize("style", DATE_STYLES)
@pytest.mark.parametrize("locale", ["fi", "sv", "en"])
def test_a_date_never_wraps(style, locale):
    assert " " not in format_day(TUESDAY, style, locale)
    assert " " not in format_moment(datetime(2026, 12, 1, 13, 6), locale)


def test_an_unknown_style_is_refused():
    with pytest.raises(ValueError, match="unknown date style 'medium'"):
        format_day(TUESDAY, "medium", "fi")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("fi", "1.12.2026 klo 15.06"), ("sv", "1 dec. 2026 kl. 15.06"), ("en", "1 Dec 2026, 15:06")],
)
def test_a_moment_is_helsinki_time_on_a_24_hour_clock(locale, expected):
    stored = datetime(2026, 12, 1, 13, 6, 21)  # naive UTC, as the database keeps timestamps
    assert plain(format_moment(stored, locale)) == expected
    assert plain(format_moment(stored.replace(tzinfo=UTC), locale)) == expected


def test_summer_time_and_the_local_date():
    assert plain(format_moment(datetime(2026, 7, 1, 12, 0), "fi")) == "1.7.2026 klo 15.00"  # UTC+3 in summer
    new_year = datetime(2026, 12, 31, 22, 30)  # 00.30 on New Year's Day in Helsinki
    assert plain(format_day(new_year, "date", "fi")) == "1.1.2027"
    assert plain(format_day(new_year, "date", "fi", zone=UTC)) == "31.12.2026"
    aware = datetime(2026, 12, 1, 8, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert plain(format_moment(aware, "en")) == "1 Dec 2026, 15:00"


@pytest.mark.parametrize(("locale", "expected"), [("fi", "8.05"), ("sv", "8.05"), ("en", "08:05")])
def test_clock(locale, expected):
    assert format_clock(time(8, 5), locale) == expected
    assert format_clock(datetime(2026, 12, 1, 8, 5, tzinfo=HELSINKI), locale) == expected  # not converted


@pytest.mark.parametrize(
    ("written", "shown", "dialled"),
    [
        ("+358409000864", "040 900 0864", "+358409000864"),  # PTV: prefix "+358", the number without its trunk 0
        ("+35891234567", "09 123 4567", "+35891234567"),
        ("09 123 4567", "09 123 4567", "+35891234567"),  # the help line as the organiser typed it
        ("09-1234567", "09 123 4567", "+35891234567"),
        ("+358 40 123 4567", "040 123 4567", "+358401234567"),
        ("+358 (0)40 1234567", "040 123 4567", "+358401234567"),
        ("00358 50 1234567", "050 123 4567", "+358501234567"),
        ("+35819123456", "019 123 456", "+35819123456"),
        ("+358 2 12345", "02 12 345", "+358212345"),
        ("020 1234 5678", "020 1234 5678", "+3582012345678"),
        ("0800 123 456", "0800 123 456", "0800123456"),  # a service number: only reachable inside Finland
        ("0600 12345", "0600 12 345", "060012345"),
        ("116117", "116 117", "116117"),  # short numbers are dialled as they are
        ("112", "112", "112"),
        ("+46 8 123 456 78", "+46 8 123 456 78", "+46812345678"),  # foreign: as written
        ("012 345 6789", "012 345 6789", "+358123456789"),  # not in the numbering plan: as written
    ],
)
def test_phone_numbers_as_finns_write_them(written, shown, dialled):
    number = phone_number(written)
    assert number is not None
    assert plain(number.text) == shown and " " not in number.text
    assert number.href == f"tel:{dialled}"


@pytest.mark.parametrize("written", ["Ajanvaraus", "09 123 4567 (vaihde)", "ext. 12", "0 40"])
def test_what_is_not_a_phone_number_is_shown_without_a_link(written):
    number = phone_number(written)
    assert number is not None and number.href is None and plain(number.text) == written


@pytest.mark.parametrize("written", [None, "", "   "])
def test_no_number(written):
    assert phone_number(written) is None
    assert _phone(written) == ""


def test_the_phone_filter_links_and_escapes():
    assert _phone("+358409000864") == f'<a href="tel:+358409000864">040{NBSP}900{NBSP}0864</a>'
    assert _phone("<b>ring</b>") == "&lt;b&gt;ring&lt;/b&gt;"


@given(st.one_of(st.text(max_size=40), st.from_regex(r"\+?[0-9 ()./-]{0,20}", fullmatch=True)))
def test_any_text_gives_a_number_or_nothing(written):
    number = phone_number(written)
    if number is not None:
        assert number.text.strip() and "\n" not in number.text
        assert number.uri is None or (number.uri.lstrip("+").isdigit() and len(number.uri.lstrip("+")) >= 3)


@given(st.from_regex(r"0(40|50|9|19)[0-9]{6,7}", fullmatch=True), st.sampled_from([" ", "-", ""]))
def test_spacing_does_not_change_the_number(digits, separator):
    spaced = separator.join([digits[:3], digits[3:6], digits[6:]])
    assert phone_number(spaced) == phone_number(digits) == phone_number("+358" + digits[1:])


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("JÄRVENPÄÄ", "Järvenpää"),
        ("TRÄSKÄNDA", "Träskända"),
        ("KOIVUKYLÄ-HAVUKOSKI", "Koivukylä-Havukoski"),
        ("PL 12", "PL 12"),
        ("Järvenpää", "Järvenpää"),
        ("Sibeliuksenkatu 5 B", "Sibeliuksenkatu 5 B"),
        ("von Weissin katu", "von Weissin katu"),  # mixed case is how someone wrote it: kept
        ("  HELSINKI  ", "Helsinki"),
        ("04400", "04400"),
        (None, ""),
    ],
)
def test_place_names_as_people_write_them(written, expected):
    assert place_name(written) == expected


def test_a_place_in_the_readers_language_where_ptv_has_it():
    town = LocalizedText(fi="JÄRVENPÄÄ", sv="TRÄSKÄNDA")
    assert localised_place(town, "sv") == "Träskända"
    assert localised_place(town, "en") == "Järvenpää"  # English uses the Finnish name
    assert localised_place(town, "selko") == "Järvenpää"
    assert localised_place(LocalizedText(sv="Kyrkogatan"), "fi") == "Kyrkogatan"
    assert localised_place(LocalizedText(), "fi") == ""
    assert localised_place(None, "fi") == ""


@pytest.mark.parametrize("written", ["/", "+/", "00", "000", "+1", "-", "()", "12"])
def test_punctuation_and_stubs_are_not_dialled(written):
    number = phone_number(written)
    assert number is not None and number.href is None and number.text == written
