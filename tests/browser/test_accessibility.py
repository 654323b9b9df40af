"""axe-core on every page, in every language, logged out and as each kind of user, and on every page that can refuse
with its messages shown: zero violations."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from portal.demo.ptv_feed import DEFAULT_SEED, channel_id
from tests.browser.pages import LANGUAGES, USERS, give_demo_listings, log_in, with_language

pytestmark = pytest.mark.browser

WCAG21AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}
axe = Axe()
PAAVOLA = channel_id(DEFAULT_SEED, "s-paavola")  # a sote centre in Hyvinkää


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


def submit(page: Page) -> None:
    page.locator("main form button[type=submit].button--primary").click()


def refuse_rules(page: Page) -> None:
    page.fill("#interval_months", "kuusi")  # not a number
    for box in page.locator("#municipalities input").all():  # and no municipality: a fieldset's error
        box.uncheck()
    submit(page)


def refuse_capacity(page: Page) -> None:
    page.locator("#capacity input.field__input").first.fill("-5")
    submit(page)


def refuse_override(page: Page) -> None:
    page.fill("#identity_code", "123456-789A")  # no 34th month; no listing or reason chosen either
    submit(page)


def refuse_mandate(page: Page) -> None:
    page.fill("#agent_code", "123456-789A")  # not a valid code; no scope, no document either
    page.fill("#valid_to", "sometime")
    submit(page)


# A refused form (or a refused choice) shown with its messages, on every page that can refuse: (persona, identity
# provider, path, what to do there or None when the page refuses on arrival, a message the English page shows).
ERROR_STATES = {
    "rules": ("olli.jarjestaja", "staff", "/organiser/rules", refuse_rules, "Choose at least one municipality."),
    "capacity": ("olli.jarjestaja", "staff", "/organiser/capacity?kind=dental_unit", refuse_capacity, "0 or more"),
    "overrides": ("olli.jarjestaja", "staff", "/organiser/overrides", refuse_override, "Check the identity code"),
    "mandates": ("olli.jarjestaja", "staff", "/organiser/mandates", refuse_mandate, "Choose at least one thing"),
    "roles": ("anna.yllapitaja", "staff", "/admin/roles", submit, "There is a problem"),  # an empty form
    "search": (None, None, "/units?kind=nonsense&within=7&sort=sideways&near=Atlantis", None, "could not find"),
    "search-place": (None, None, "/units?near=00100", None, "Postcode 00100 is in Helsinki"),  # no units there
    # Helmi switched her sote centre three months ago (demo listing): another one now is too early.
    "listing-too-early": (
        "helmi.nieminen",
        "resident",
        f"/choices/sote_centre/check?unit={PAAVOLA}",
        None,
        "You can switch from",
    ),
}


@pytest.mark.parametrize("form", list(ERROR_STATES))
def test_error_states_have_no_axe_violations(page: Page, live_server, form):
    sub, kind, path, refuse, english = ERROR_STATES[form]
    if sub:
        log_in(page, live_server.url, sub, kind)
    if kind == "resident":
        give_demo_listings(live_server.app, sub)
    failures = []
    for language in LANGUAGES:
        page.goto(live_server(with_language(path, language)))
        if refuse:
            refuse(page)
        expect(page.locator(".error-summary, .field__error, .notice--warning").first).to_be_visible()
        if language == "en":
            expect(page.locator("main")).to_contain_text(english)
        expect(page.locator("html")).to_have_attribute("lang", {"selko": "fi"}.get(language, language))
        results = axe.run(page, options=WCAG21AA)
        if results.violations_count:
            failures.append(f"{form} {language} {path}:\n{results.generate_report()}")
    assert not failures, "\n".join(failures)


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
