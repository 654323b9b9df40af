"""Each language formats like itself (issue 10, section 2): the same pages in Finnish, Swedish, plain-language Finnish
and English show that language's dates, times, unit names, addresses and phone numbers, and no stray form of
another (a US date, a 12-hour clock, an ISO date in text, a Finnish weekday on an English page)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from portal.auth.services import CurrentUser
from portal.choice.services import cancel_choice
from portal.compare.units import today_in_helsinki
from portal.demo.listings import load_demo_listings
from portal.demo.ptv_feed import DEFAULT_SEED, channel_id
from portal.extensions import db
from portal.models import CatalogueLocation, OutboxMessage, Person, StaffUser
from portal.organiser.listing_services import grant_override
from tests.functional.conftest import login
from tests.functional.test_choice_rules import S_HAARAJOKI, S_JARVENPAA, choose, resident

D_KLAUKKALA = channel_id(DEFAULT_SEED, "d-klaukkala")

LANGUAGES = ("fi", "sv", "selko", "en")
LOCALE = {"fi": "fi", "sv": "sv", "selko": "fi", "en": "en"}

FI_WEEKDAYS = "maanantai|tiistai|keskiviikko|torstai|perjantai|lauantai|sunnuntai"
SV_WEEKDAYS = "måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag"
EN_WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
SV_MONTHS = r"jan\.|feb\.|mars|apr\.|maj|juni|juli|aug\.|sep\.|okt\.|nov\.|dec\."
EN_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
# The forms each language writes a date in (portal/formatting.py): found on another language's page, they are stray.
DATE_FORMS = {
    "fi": {
        "Finnish date": r"\b(?:(?:ma|ti|ke|to|pe|la|su) )?\d{1,2}\.\d{1,2}\.\d{4}\b",
        "Finnish weekday": rf"\b(?:{FI_WEEKDAYS})(?:na)?\b",
    },
    "sv": {
        "Swedish date": rf"\b(?:(?:mån|tis|ons|tors|fre|lör|sön) )?\d{{1,2}} (?:{SV_MONTHS})(?: \d{{4}})?(?!\w)",
        "Swedish weekday": rf"\b(?:{SV_WEEKDAYS})\b",
    },
    "en": {
        "English date": rf"\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?\d{{1,2}} (?:{EN_MONTHS})(?: \d{{4}})?\b",
        "English weekday": rf"\b(?:{EN_WEEKDAYS})\b",
    },
}
STRAY_EVERYWHERE = {
    "US date": r"\b\d{1,2}/\d{1,2}/\d{2,4}\b",
    "month before day": rf"\b(?:{EN_MONTHS})[a-z]* \d{{1,2}}, \d{{4}}\b",
    "12-hour clock": r"\b\d{1,2}[:.]\d{2}(?:[:.]\d{2})? ?(?:[AaPp]\.? ?[Mm]\.?)(?!\w)",
    "clock with seconds": r"(?<![\d.:])\d{1,2}[:.]\d{2}[:.]\d{2}(?![\d.:])",
    "ISO date": r"\b\d{4}-\d{2}-\d{2}\b",
}
CLOCKS = {
    "colon clock": r"(?<![\d.:,])(?:[01]?\d|2[0-3]):[0-5]\d(?![\d.:,])",  # English: 08:30
    "point clock": r"(?<![\d.:,])(?:[01]?\d|2[0-3])\.[0-5]\d(?![\d.:,])",  # Finnish and Swedish: 8.30
}
OWN_CLOCK = {"fi": "point clock", "sv": "point clock", "en": "colon clock"}


def stray_forms(text: str, language: str) -> list[str]:
    """The date and time forms in `text` that a page in `language` should not have, each with what it matched."""
    locale = LOCALE[language]
    patterns = dict(STRAY_EVERYWHERE)
    for other, forms in DATE_FORMS.items():
        if other != locale:
            patterns.update(forms)
    patterns.update({name: pattern for name, pattern in CLOCKS.items() if name != OWN_CLOCK[locale]})
    found = []
    for name, pattern in patterns.items():
        found += [f"{name}: {match.group(0)!r}" for match in re.finditer(pattern, text)]
    return found


def visible_text(page: BeautifulSoup) -> str:
    """What a reader (or a screen reader) gets in the page's language: text and the names given in attributes,
    without content marked as another language (a Finnish text PTV has no translation of), with every space as a
    plain space. An ISO date may only be shown where it cannot wrap (.nowrap); input values are not text."""
    language = page.html["lang"]
    for element in page.select("script, style, template"):
        element.decompose()
    for element in page.select("[lang]"):
        if element.name != "html" and element["lang"] != language:
            element.decompose()
    for element in page.select(".nowrap"):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", element.text.strip()):
            element.decompose()
    names = [value for tag in page.find_all(True) for key in ("aria-label", "title", "alt") if (value := tag.get(key))]
    return " ".join([page.get_text(" "), *map(str, names)]).replace("\u00a0", " ")


@dataclass
class Portal:
    app: Flask
    aino: FlaskClient
    olli: FlaskClient
    receipt: str  # a pending switch with an earlier listing
    cancelled: str  # a choice cancelled before it took effect

    def pages(self) -> Iterator[tuple[FlaskClient, str]]:
        for path in (
            "/",
            "/choices/",
            f"/choices/receipt/{self.receipt}",
            f"/choices/receipt/{self.cancelled}",
            f"/choices/{self.receipt}/cancel",
            "/choices/history",
            f"/choices/dental_unit/check?unit={D_KLAUKKALA}",  # too early: the date she can switch and the help line
            f"/choices/sote_centre/check?unit={S_JARVENPAA}",
            f"/units/{S_JARVENPAA}",  # opening hours, exceptional hours, figures' periods, last changed
            "/units?q=jarvenpaa&near=04400",
            "/compare",
        ):
            yield self.aino, path
        for path in (
            f"/organiser/listings?as_of={today_in_helsinki() + timedelta(days=40)}&kind=sote_centre",
            "/organiser/outbox",
            "/organiser/catalogue",
            "/organiser/overrides",
            "/organiser/rules",
        ):
            yield self.olli, path

    def get(self, client: FlaskClient, path: str, language: str) -> BeautifulSoup:
        response = client.get(f"{path}{'&' if '?' in path else '?'}lang={language}")
        assert response.status_code == 200, f"{path}: {response.status_code}"
        return BeautifulSoup(response.data, "html.parser")


@pytest.fixture
def portal(catalogue: Flask, client: FlaskClient, login_as) -> Portal:
    """Aino with the demo's listings, a pending switch and a cancelled choice, her units in the comparison; Olli
    the organiser with a dead message in the outbox, an override and a settings change to list."""
    login_as("aino.virtanen")
    olli = catalogue.test_client()
    login(olli, "olli.jarjestaja", "staff")
    today = today_in_helsinki()
    with catalogue.app_context():
        load_demo_listings(today, subjects={"aino.virtanen"})
        aino = db.session.scalar(select(Person).filter_by(oidc_subject="aino.virtanen"))
        cancelled = choose(aino, S_HAARAJOKI, today=today)
        cancel_choice(person_id=aino.id, reference=cancelled.reference, actor=resident(aino), today=today)
        switch = choose(aino, S_HAARAJOKI, today=today)
        db.session.execute(update(OutboxMessage).values(status="dead", attempts=3, last_error="HTTP 500"))
        staff = db.session.scalar(select(StaffUser).filter_by(oidc_subject="olli.jarjestaja"))
        grant_override(aino, "sote_centre", "Moved house", CurrentUser("staff", staff.id, staff.name), today)
        db.session.commit()
        receipt, cancelled_reference = switch.reference, cancelled.reference
    for location_id in (S_JARVENPAA, S_HAARAJOKI):
        client.post("/compare/add", data={"location_id": location_id}, headers={"Origin": "http://localhost"})
    return Portal(catalogue, client, olli, receipt, cancelled_reference)


def test_stray_forms_are_found():
    """The check itself: each stray form is caught, and each language's own forms pass."""
    assert stray_forms("Tuesday 12/1/26, 3:06:21 PM", "en") == [
        "US date: '12/1/26'",
        "12-hour clock: '3:06:21 PM'",
        "clock with seconds: '3:06:21'",
    ]
    assert stray_forms("Valittu 2026-12-01", "sv") == ["ISO date: '2026-12-01'"]
    assert stray_forms("Takes effect ti 1.12.2026", "en") == ["Finnish date: 'ti 1.12.2026'"]
    assert stray_forms("Open tiistaina 8.00–16.00", "en") == [
        "Finnish weekday: 'tiistaina'",
        "point clock: '8.00'",
        "point clock: '16.00'",
    ]
    assert stray_forms("Dec 1, 2026", "fi") == ["month before day: 'Dec 1, 2026'", "English date: '1, 2026'"][:1]
    assert stray_forms("ti 1.12.2026 klo 15.06, 4,5 km, tiistai 1.12.", "selko") == []
    assert stray_forms("tis 1 dec. 2026 kl. 15.06, tisdag 1 dec., 4,5 km", "sv") == []
    assert stray_forms("Tue 1 Dec 2026, 15:06, Tuesday 1 Dec, 4.5 km, up to 4 units", "en") == []


def test_the_pages_in_four_languages_have_only_their_own_forms(portal: Portal):
    problems = []
    for language in LANGUAGES:
        own = DATE_FORMS[LOCALE[language]]
        for client, path in portal.pages():
            page = portal.get(client, path, language)
            text = visible_text(page)
            problems += [f"{path} ({language}) {problem}" for problem in stray_forms(text, language)]
            dated = path.startswith(("/choices/receipt", "/choices/history", "/organiser/outbox", "/units/"))
            if dated and not any(re.search(form, text) for form in own.values()):
                problems.append(f"{path} ({language}) has no date in its own form")
    assert not problems, "\n".join(problems)


def text(element) -> str:
    return " ".join(element.get_text(" ").replace("\u00a0", " ").split())


def names(app: Flask, location_id: str) -> dict[str, str]:
    with app.app_context():
        row = db.session.get(CatalogueLocation, location_id)
        return {"fi": row.name_fi, "selko": row.name_fi, "sv": row.name_sv, "en": row.name_en}


@pytest.mark.parametrize("language", LANGUAGES)
def test_unit_names_are_the_ones_the_search_shows(portal: Portal, language: str):
    """The listing pages name a unit as the search does: Järvenpää's centre has its name in all three languages,
    Haarajoki's only in Finnish and Swedish, so an English page gives its Finnish name, marked as Finnish."""
    jarvenpaa, haarajoki = names(portal.app, S_JARVENPAA), names(portal.app, S_HAARAJOKI)
    search = portal.get(portal.aino, "/units?q=jarvenpaa", language)
    assert jarvenpaa[language] in [text(link) for link in search.select(".result__name a")]
    home = text(portal.get(portal.aino, "/", language).select_one("#listings-heading").parent)
    overview = text(portal.get(portal.aino, "/choices/", language).select_one("main"))
    receipt = portal.get(portal.aino, f"/choices/receipt/{portal.receipt}", language)
    history = portal.get(portal.aino, "/choices/history", language).select_one("table")
    check = text(portal.get(portal.aino, f"/choices/sote_centre/check?unit={S_JARVENPAA}", language).select_one("main"))
    for page in (home, overview, text(receipt.select_one("main")), text(history), check):
        assert jarvenpaa[language] in page
    if language == "en":
        assert haarajoki["en"] is None
        marked = [text(span) for span in receipt.select("main span[lang=fi]") + history.select("span[lang=fi]")]
        assert haarajoki["fi"] in marked
    else:
        assert haarajoki[language] in text(receipt.select_one("main")) and haarajoki[language] in text(history)
        assert not receipt.select("main span[lang]") and not history.select("span[lang]")


@pytest.mark.parametrize(("language", "town"), [("fi", "Järvenpää"), ("sv", "Träskända"), ("en", "Järvenpää")])
def test_addresses_are_written_as_people_write_them(portal: Portal, language: str, town: str):
    """PTV gives post offices in capitals ("04410 JÄRVENPÄÄ"); the pages write "04410 Järvenpää", in Swedish
    "04410 Träskända", and never mark a street or a town as being in Finnish."""
    unit = portal.get(portal.aino, f"/units/{S_JARVENPAA}", language)
    address = unit.select_one("#address-heading").parent
    check = portal.get(portal.aino, f"/choices/sote_centre/check?unit={S_JARVENPAA}", language)
    compare = portal.get(portal.aino, "/compare", language)
    for place in (address, check.select_one("dl.summary"), compare.select_one("table")):
        assert re.search(rf"\b0\d{{4}} {town}\b", text(place)), text(place)
        assert "JÄRVENPÄÄ" not in text(place) and "TRÄSKÄNDA" not in text(place)
    assert not address.select(".fallback-note, [lang]")


def test_phone_numbers_are_grouped_and_can_be_called(portal: Portal):
    """A unit's phone as Finns write it (09 506 0935) with a tel: link that works from any phone, its charge note
    marked as Finnish on an English page where PTV has it only in Finnish; the help line's number too."""
    english = portal.get(portal.aino, f"/units/{S_JARVENPAA}", "en")
    contact = english.select_one("#contact-heading").parent
    link = contact.select_one("a[href^='tel:']")
    assert re.fullmatch(r"tel:\+3589\d{7}", link["href"])
    assert re.fullmatch(r"09 \d{3} \d{4}", text(link)) and "\u00a0" in link.text  # never split over two lines
    assert text(link).replace(" ", "")[1:] == link["href"].removeprefix("tel:+358")
    assert [text(span) for span in contact.select("span[lang=fi]")] == [
        "Ajanvaraus ja neuvonta",
        "Paikallisverkkomaksu",
    ]
    assert text(contact).count("(in Finnish)") == 2
    swedish = portal.get(portal.aino, f"/units/{S_JARVENPAA}", "sv").select_one("#contact-heading").parent
    assert "Lokalnätsavgift" in text(swedish) and not swedish.select("[lang], .fallback-note")
    compare = portal.get(portal.aino, "/compare", "en").select("table a[href^='tel:+358']")
    assert len(compare) == 2
    refused = portal.get(portal.aino, f"/choices/dental_unit/check?unit={D_KLAUKKALA}", "en")
    helpline = refused.select_one("main a[href^='tel:']")
    assert helpline["href"] == "tel:+35891234567" and text(helpline) == "09 123 4567"  # the settings' 09 123 4567
