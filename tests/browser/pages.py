"""Page objects: what a person clicks, named once."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def log_in(page: Page, base: str, sub: str, kind: str) -> None:
    page.goto(base + "/login")
    page.locator(f'a[href^="/login/{kind}"]').click()
    page.get_by_role("button", name=sub, exact=True).click()  # the demo provider lists personas as buttons
    page.wait_for_url(base + "/**")
    expect(page.locator(".site-header__user")).to_be_visible()


def log_out(page: Page, base: str) -> None:
    page.locator(".site-header__account button[type=submit]").click()
    page.get_by_role("button", name="End session").click()  # the provider's own logout confirmation
    page.wait_for_url(base + "/logged-out**")


def switch_language(page: Page, code: str) -> None:
    page.locator(f'.language-switcher a[href$="lang={code}"]').click()
