"""Reflow (WCAG 2.1 1.4.10): every page (tests/browser/pages.py), the listing flow and a full comparison at 320 CSS
px, at 1280 px zoomed to 200 %, and at 641 px where tables stop stacking, with no sideways scrolling and no text cut
off or pushed out of the viewport. A wide table may scroll inside its own labelled, focusable region; the page itself
may not. The checks are in reflow.js; failures name the page and the offending element's selector."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.demo.personas import PERSONAS
from portal.demo.ptv_feed import DEFAULT_SEED, channel_id
from tests.browser.pages import USERS, give_demo_listings, log_in, log_out, with_language

pytestmark = pytest.mark.browser
# Layout does not depend on the database, so one backend is enough.
on_sqlite = pytest.mark.parametrize("live_server", ["sqlite"], indirect=True)

# 1.4.10 is stated at 320 CSS px. Browser zoom at 200 % halves the CSS px width of the layout viewport, so a
# 1280 px window shows a 640 CSS px layout and the media queries see 640 px: a 640 px viewport with
# device_scale_factor 2 is exactly that. CSS `zoom` on the root was not used: it scales the content without
# changing the layout viewport or the media queries, which no browser's zoom does.
# Below 40rem (640 px) tables are stacked, which hides how wide they are; 641 px is the narrowest width at which
# they are laid out as tables (a window a little over 1280 px at 200 %, or a small tablet).
WIDTHS = {
    "320px": {"viewport": {"width": 320, "height": 640}, "device_scale_factor": 1},
    "1280px-at-200%": {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2},
    "641px": {"viewport": {"width": 641, "height": 400}, "device_scale_factor": 1},
}
# One language per page and width keeps the run short. Finnish has the longest words (compounds such as
# "Listautumismäärät"), which are what a narrow layout must wrap: at 320 and 640 px all four languages were checked
# by hand and behave alike. At 641 px the width of a table's columns differs by language (Swedish headings were the
# widest on the catalogue page), so Swedish is checked there too.
LANGUAGES = {"320px": ("fi",), "1280px-at-200%": ("fi",), "641px": ("fi", "sv")}

FIND_PROBLEMS = (Path(__file__).parent / "reflow.js").read_text()
# Where a table is stacked (below 40rem), each cell with a value must show its column's label (tables.js).
FIND_BARE_CELLS = (Path(__file__).parent / "tables.js").read_text()


@pytest.fixture(params=list(WIDTHS))
def width(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def narrow_page(width: str, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(**WIDTHS[width])
    yield context.new_page()
    context.close()


def check_pages(page: Page, live_server, width: str, who: str, paths: list[str]) -> list[str]:
    """Each path in the width's languages: a line per problem, naming who, the width, the language and the path."""
    failures = []
    for language in LANGUAGES[width]:
        for path in paths:
            page.goto(live_server(with_language(path, language)))
            problems = page.evaluate(FIND_PROBLEMS) + page.evaluate(FIND_BARE_CELLS)
            failures += [f"{who} at {width}, {language} {path}: {problem}" for problem in problems]
    return failures


# Helmi lives in Hyvinkää and switched her sote centre three months ago (demo listing), so choosing another one is
# refused as too early; her dental unit she chooses here.
HELMI = PERSONAS["helmi.nieminen"]
PAAVOLA = channel_id(DEFAULT_SEED, "s-paavola")
DENTAL = channel_id(DEFAULT_SEED, "d-hyvinkaa")
OTHER_DENTAL = channel_id(DEFAULT_SEED, "d-hammasrivi-hyvinkaa")


@pytest.fixture(scope="session")
def filled(live_server, browser: Browser) -> str:
    """Rows in the tables that would otherwise be empty: Helmi's demo listings and a dental choice (listing figures,
    her history, the outbox), a capacity (the rules' change history) and an interval override. Once per server;
    returns the path of Helmi's receipt."""
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server.url, HELMI.sub, HELMI.kind)
    give_demo_listings(live_server.app, HELMI.sub)
    page.goto(live_server(f"/choices/dental_unit/check?unit={DENTAL}&lang=en"))
    page.get_by_role("button", name="Confirm my choice").click()
    expect(page.locator("h1")).to_have_text("Your choice is confirmed")
    receipt = page.url.removeprefix(live_server.url).split("?")[0]
    log_out(page, live_server.url)
    log_in(page, live_server.url, "olli.jarjestaja", "staff")
    page.goto(live_server("/organiser/capacity?kind=dental_unit&lang=en"))
    page.locator("#capacity input.field__input").first.fill("500")
    page.get_by_role("button", name="Save capacities").click()
    expect(page.locator(".notice--success")).to_be_visible()
    page.goto(live_server("/organiser/overrides?lang=en"))
    page.fill("#identity_code", HELMI.claims["urn:oid:1.2.246.21"])
    page.check("#kind input[value=dental_unit]")
    page.fill("#reason", "Muutti toiselle paikkakunnalle.")
    page.get_by_role("button", name="Grant override").click()
    expect(page.locator(".notice--success")).to_be_visible()
    context.close()
    return receipt


@on_sqlite
@pytest.mark.parametrize("user", list(USERS))
def test_every_page_reflows(narrow_page: Page, width, live_server, filled, user):
    sub, kind, paths = USERS[user]
    if sub:
        log_in(narrow_page, live_server.url, sub, kind)
    failures = check_pages(narrow_page, live_server, width, user, paths)
    assert not failures, "\n".join(failures)


@on_sqlite
def test_the_listing_flow_reflows(narrow_page: Page, width, live_server, filled):
    log_in(narrow_page, live_server.url, HELMI.sub, HELMI.kind)
    reference = filled.rsplit("/", 1)[1]
    too_early = f"/choices/sote_centre/check?unit={PAAVOLA}"
    flow = [
        f"/choices/dental_unit/check?unit={OTHER_DENTAL}",  # would replace her pending choice
        filled,  # the receipt
        f"/choices/{reference}/cancel",
        too_early,
        "/choices/",
        "/choices/history",
    ]
    failures = check_pages(narrow_page, live_server, width, "resident", flow)
    narrow_page.goto(live_server(with_language(too_early, "en")))
    expect(narrow_page.locator("#why")).to_contain_text("You can switch from")  # the refusal's reason and date
    assert not failures, "\n".join(failures)


@on_sqlite
def test_a_full_comparison_reflows(narrow_page: Page, width, live_server):
    narrow_page.goto(live_server("/units?kind=sote_centre&lang=fi"))
    for number in range(4):
        narrow_page.locator(".compare-control button").nth(number).click()
        expect(narrow_page.locator("#compare-tray")).to_contain_text(str(number + 1))
    failures = check_pages(narrow_page, live_server, width, "anonymous", ["/compare", "/units?kind=sote_centre"])
    assert not failures, "\n".join(failures)


def test_the_checker_itself_finds_what_does_not_reflow(narrow_page: Page):
    """Guard against a check that passes everything: sideways scrolling, clipped text and a bare scroller fail."""
    narrow_page.set_content(
        '<html lang="en"><body style="margin:0"><main>'
        '<p id="wide" style="width:900px">A paragraph wider than any phone, with more words on a line than fit on '
        "a phone or a zoomed window</p>"
        '<p id="cut" style="width:50px;overflow:hidden;white-space:nowrap">Text that cannot fit its box</p>'
        '<div id="scroller" style="overflow-x:auto">'
        '<table><tr><td style="min-width:900px">A cell</td></tr></table></div>'
        '<span style="position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap">'
        "Visually hidden on purpose, for screen readers</span>"
        "</main></body></html>"
    )
    problems = "\n".join(narrow_page.evaluate(FIND_PROBLEMS))
    assert "the page scrolls sideways" in problems
    assert "#wide" in problems and "outside the" in problems
    assert "#cut" in problems and "cut off by" in problems
    assert "#scroller" in problems and "not a focusable region" in problems
    assert "Visually hidden" not in problems
