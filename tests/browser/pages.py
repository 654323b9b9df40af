"""Page objects: what a person clicks, and which pages each kind of user sees, named once."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from portal.demo.ptv_feed import DEFAULT_SEED, channel_id
from tests.wallet_data import BUDGET_ID, DENTAL_ID

LANGUAGES = ("fi", "sv", "selko", "en")
# A demo sote centre (stable id from the demo feed's seed) with quality figures and exceptional hours.
UNIT = f"/units/{channel_id(DEFAULT_SEED, 's-jarvenpaa')}"
COMPARE = [
    "/units",
    "/units?q=jarvenpa&near=04400&sort=distance",
    "/units?near=Atlantis&kind=nonsense",
    UNIT,
    "/compare",
]
ORGANISER = [
    "/organiser/listings",
    "/organiser/rules",
    "/organiser/capacity?kind=dental_unit",
    "/organiser/overrides",
    "/organiser/mandates",
    "/organiser/outbox",
    "/organiser/flags/figures",
    "/organiser/flags/feedback",
    "/helpline/hours",
]
COMMON = ["/", "/login", "/accessibility", "/no-such-page", "/logged-out", "/wallet/rights", "/chat/", *COMPARE]
BUDGET = f"/wallet/budgets/{BUDGET_ID}"
WALLET = ["/wallet/", BUDGET, f"{BUDGET}/transactions", f"{BUDGET}/transactions?service=meals&print=1"]
# Every page, per kind of user: (persona, identity provider, paths). The axe sweep (test_accessibility) and the
# reflow checks (test_reflow) both walk this, so a page added here is checked by both.
USERS = {
    "anonymous": (None, None, [*COMMON, "/auth/callback/resident?state=forged&code=forged"]),
    "resident": (
        "aino.virtanen",
        "resident",
        [
            *COMMON,
            "/admin/roles",
            "/choices/",
            "/choices/history",
            "/wallet/",
            f"/wallet/vouchers/{DENTAL_ID}",
            f"/wallet/vouchers/{DENTAL_ID}/refuse",
            "/my-data/access",
            "/acting/",
            "/flags/",
            "/flags/new",
            f"/feedback/{channel_id(DEFAULT_SEED, 's-jarvenpaa')}?source=listing",
        ],
    ),
    "elderly-resident": ("helmi.nieminen", "resident", [*WALLET, "/my-data/access"]),
    "ineligible-resident": ("matti.korhonen", "resident", ["/", "/choices/"]),
    "helpline": ("liisa.neuvoja", "staff", ["/", "/admin/roles", "/helpline/", "/helpline/callers"]),
    "organiser": ("olli.jarjestaja", "staff", ["/", "/organiser/catalogue", *ORGANISER]),
    "admin": ("anna.yllapitaja", "staff", ["/", "/admin/roles", "/organiser/catalogue"]),
}


def with_language(path: str, language: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={language}"


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


def give_demo_listings(app, sub: str) -> None:
    """The listings `make run` gives a demo resident (who must have logged in once), e.g. Helmi's sote centre three
    months ago, which makes switching it too early."""
    from portal.compare.units import today_in_helsinki
    from portal.demo.listings import load_demo_listings

    with app.app_context():
        load_demo_listings(today_in_helsinki(), subjects={sub})
