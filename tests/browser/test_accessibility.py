"""axe-core on every page, in every language, logged out and as each kind of user: zero violations."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.pages import LANGUAGES, USERS, log_in, with_language

pytestmark = pytest.mark.browser

WCAG21AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}
axe = Axe()


@pytest.mark.parametrize("user", list(USERS))
def test_no_axe_violations(page: Page, live_server, user):
    sub, kind, paths = USERS[user]
    if sub:
        log_in(page, live_server.url, sub, kind)
    failures = []
    for language in LANGUAGES:
        for path in paths:
            page.goto(live_server(with_language(path, language)))
            results = axe.run(page, options=WCAG21AA)
            if results.violations_count:
                failures.append(f"{user} {language} {path}:\n{results.generate_report()}")
    assert not failures, "\n".join(failures)


def test_form_errors_have_no_axe_violations(page: Page, live_server):
    log_in(page, live_server.url, "anna.yllapitaja", "staff")
    page.goto(live_server("/admin/roles"))
    page.locator("button.button--primary").click()
    results = axe.run(page, options=WCAG21AA)
    assert results.violations_count == 0, results.generate_report()


def test_a_full_comparison_has_no_axe_violations(page: Page, live_server):
    page.goto(live_server("/units?lang=en"))
    for number in range(4):
        page.locator(".compare-control button").nth(number).click()
        expect(page.locator("#compare-tray")).to_contain_text(str(number + 1))
    for path in ("/units", "/compare"):
        page.goto(live_server(path))
        results = axe.run(page, options=WCAG21AA)
        assert results.violations_count == 0, results.generate_report()


def test_the_checker_itself_finds_a_violation(page: Page):
    """Guard against a silently broken axe run: a known-bad page must fail."""
    page.set_content('<html><head><title>x</title></head><body><main><img src="data:,"></main></body></html>')
    results = axe.run(page, options=WCAG21AA)
    assert results.violations_count >= 2  # image-alt and html-has-lang
