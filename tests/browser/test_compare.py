"""Comparing units in a real browser: htmx updates in place with the state in the URL, and the same form works
without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_results_update_in_place_and_the_address_keeps_the_state(page: Page, live_server, csp_violations):
    page.goto(live_server("/units?lang=en"))
    page.evaluate("window.notReloaded = true")
    page.fill("#q", "jarvenpa")
    expect(page).to_have_url(re.compile(r"/units\?q=jarvenpa$"))
    expect(page.locator(".result-count")).to_contain_text("8 units found")
    page.check("#evenings")
    expect(page).to_have_url(re.compile(r"/units\?q=jarvenpa&evenings=1$"))
    with_evenings = page.locator(".result").count()
    assert 0 < with_evenings < 8
    assert page.evaluate("window.notReloaded") is True  # no full page load happened
    page.go_back()
    expect(page).to_have_url(re.compile(r"/units\?q=jarvenpa$"))
    expect(page.locator(".result-count")).to_contain_text("8 units found")
    page.reload()  # the address alone rebuilds the same results
    expect(page.locator("#q")).to_have_value("jarvenpa")
    expect(page.locator(".result-count")).to_contain_text("8 units found")
    assert csp_violations == []


def test_pick_units_and_compare_them_printably(page: Page, live_server):
    page.goto(live_server("/units?lang=en&kind=sote_centre"))
    names = page.locator(".result__name a").all_inner_texts()[:2]
    for number in range(2):
        page.locator(".compare-control button").nth(number).click()
        expect(page.locator("#compare-tray")).to_contain_text(f"{number + 1} unit")
    expect(page.locator(".compare-control button").first).to_have_text("Remove from comparison")
    # The short visible text, and the unit in the accessible name: the buttons are told apart by a screen reader.
    expect(page.locator(".compare-control button").first).to_have_accessible_name(f"Remove from comparison {names[0]}")
    expect(page.locator(".compare-control button").nth(2)).to_have_accessible_name(re.compile("^Add to comparison .+"))
    page.get_by_role("link", name="Compare side by side").click()
    expect(page.locator("thead th[scope=col]")).to_have_count(2)
    for name in names:
        expect(page.locator("thead")).to_contain_text(name)
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator("table.compare-table")).to_be_visible()
    page.emulate_media(media="screen")
    page.get_by_role("button", name=f"Remove {names[0]}").click()
    expect(page.locator("thead th[scope=col]")).to_have_count(1)


def test_search_and_compare_work_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server("/units?lang=sv"))
    page.fill("#q", "Träskända")
    page.select_option("#kind", "dental_unit")
    page.locator(".filters__actions button").click()
    expect(page).to_have_url(re.compile(r"q=Tr%C3%A4sk%C3%A4nda.*kind=dental_unit"))
    assert page.locator(".result").count() >= 1
    page.locator(".compare-control button").first.click()  # a plain POST, then back to the same results
    expect(page).to_have_url(re.compile(r"kind=dental_unit"))
    expect(page.locator("#compare-tray")).to_contain_text("1")
    page.locator(".result__name a").first.click()
    expect(page.locator("#hours-heading")).to_be_visible()
    context.close()


def test_keyboard_reaches_filters_results_and_the_compare_button(page: Page, live_server):
    page.goto(live_server("/units?lang=fi"))
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Enter")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    page.keyboard.type("porvoo")
    expect(page).to_have_url(re.compile(r"q=porvoo"))
    focused = page.evaluate("document.activeElement.id")
    assert focused == "q"  # updating the results does not steal focus
