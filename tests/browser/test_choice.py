"""Listing in a real browser, by keyboard: unit page → check your answers → confirm → receipt → cancel, with
axe-core on every step in every language."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from portal.demo.ptv_feed import DEFAULT_SEED, channel_id
from tests.browser.pages import LANGUAGES, log_in
from tests.browser.test_accessibility import WCAG21AA

pytestmark = pytest.mark.browser
axe = Axe()
KEVATKUMPU = channel_id(DEFAULT_SEED, "s-kevatkumpu")  # a Porvoo sote centre, for Erik who lives in Porvoo


def no_violations(page: Page, live_server, paths: list[str]) -> list[str]:
    failures = []
    for language in LANGUAGES:
        for path in paths:
            separator = "&" if "?" in path else "?"
            page.goto(live_server(f"{path}{separator}lang={language}"))
            results = axe.run(page, options=WCAG21AA)
            if results.violations_count:
                failures.append(f"{language} {path}:\n{results.generate_report()}")
    return failures


def test_choose_confirm_and_cancel_by_keyboard(page: Page, live_server, csp_violations):
    log_in(page, live_server.url, "erik.lindqvist", "resident")
    page.goto(live_server(f"/units/{KEVATKUMPU}?lang=en"))
    choose = page.get_by_role("link", name="Choose as my health and social care centre")
    choose.focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Check your choice before you confirm it")
    check_url = page.url
    assert not no_violations(page, live_server, [check_url.removeprefix(live_server.url).split("&lang")[0]])

    page.goto(check_url)
    page.get_by_role("button", name="Confirm my choice").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Your choice is confirmed")
    receipt = page.url.removeprefix(live_server.url).split("?")[0]
    reference = receipt.rsplit("/", 1)[1]
    expect(page.locator("main")).to_contain_text(reference)
    cancel = f"/choices/{reference}/cancel"
    failures = no_violations(page, live_server, [receipt, "/choices/", "/choices/history", cancel])
    assert not failures, "\n".join(failures)

    page.goto(live_server(cancel + "?lang=en"))
    page.get_by_role("button", name="Cancel the choice").click()
    expect(page.locator("main")).to_contain_text(f"Your choice {reference} is cancelled.")
    assert csp_violations == []


def test_refusals_have_no_axe_violations(page: Page, live_server):
    log_in(page, live_server.url, "aino.virtanen", "resident")
    full = channel_id(DEFAULT_SEED, "s-kuutamo-jarvenpaa")  # not accepting new clients: alternatives offered
    failures = no_violations(page, live_server, ["/choices/", f"/choices/sote_centre/check?unit={full}"])
    assert not failures, "\n".join(failures)


def test_the_ineligible_resident_sees_whom_to_contact(page: Page, live_server):
    log_in(page, live_server.url, "matti.korhonen", "resident")
    failures = no_violations(page, live_server, ["/choices/"])
    assert not failures, "\n".join(failures)
    page.goto(live_server("/choices/?lang=en"))
    expect(page.locator("main")).to_contain_text("You cannot choose here")
