"""Real browser journeys: log in as each persona, switch languages, log out."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.demo.personas import PERSONAS
from tests.browser.pages import log_in, log_out, switch_language

pytestmark = pytest.mark.browser

HTML_LANG = {"fi": "fi", "sv": "sv", "selko": "fi", "en": "en"}


@pytest.mark.parametrize("sub", list(PERSONAS))
def test_each_persona_logs_in_switches_language_and_logs_out(page: Page, live_server, csp_violations, sub):
    persona = PERSONAS[sub]
    log_in(page, live_server.url, sub, persona.kind)
    name = persona.claims.get("name") or f"{persona.claims['given_name']} {persona.claims['family_name']}"
    expect(page.locator(".site-header__user")).to_have_text(name)
    for code in ("sv", "selko", "en", "fi"):
        switch_language(page, code)
        expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[code])
        expect(page.locator(f'.language-switcher a[href$="lang={code}"]')).to_have_attribute("aria-current", "true")
    log_out(page, live_server.url)
    expect(page.locator(".site-header__user")).to_have_count(0)
    page.goto(live_server("/admin/roles"))
    assert "/login" in page.url
    assert csp_violations == []


def test_htmx_loads_under_the_strict_csp(page: Page, live_server, csp_violations):
    page.goto(live_server())
    assert page.evaluate("typeof htmx === 'object' && htmx.config.includeIndicatorStyles === false")
    assert page.evaluate("htmx.config.allowEval") is False
    assert csp_violations == []


def test_login_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "aino.virtanen", "resident")
    switch_language(page, "sv")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    log_out(page, live_server.url)
    context.close()


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(page: Page, live_server):
    page.goto(live_server())
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_keyboard_reaches_login_and_language_switch(page: Page, live_server):
    page.goto(live_server())
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("document.activeElement.getAttribute('href') || document.activeElement.textContent")
        )
    assert any(item and "lang=sv" in item for item in reached)
    assert any(item and item.startswith("/login") for item in reached)


@pytest.mark.parametrize("path", ["/", "/login", "/accessibility"])
def test_pages_fit_a_320_pixel_wide_screen(page: Page, live_server, path):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server(path))
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
