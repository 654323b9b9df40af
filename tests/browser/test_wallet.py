"""The wallet's "done when", in a real browser and every language: Helmi (84) sees her budget, its transactions and
forecast chart; Aino what each provider costs her; Sari acts for Helmi under the banner, is refused what her mandate
does not cover, and loses access the moment it is revoked; Helmi sees that Sari looked. axe checks the pages seen
while acting, which the per-user sweep cannot reach (acting starts with a POST)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from portal.compare.units import today_in_helsinki
from portal.extensions import db
from portal.models import Mandate
from portal.models._types import utcnow
from tests.browser.pages import LANGUAGES, log_in, with_language
from tests.wallet_data import BUDGET_ID, DENTAL_ID, person

pytestmark = pytest.mark.browser

WCAG21AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}
axe = Axe()
HTML_LANG = {"fi": "fi", "sv": "sv", "selko": "fi", "en": "en"}


def new_mandate(app, scopes: str = "balances flags") -> str:
    with app.app_context():
        today = today_in_helsinki()
        mandate = Mandate(
            agent_id=person("sari.nieminen").id,
            principal_id=person("helmi.nieminen").id,
            scopes=scopes,
            valid_from=today - timedelta(days=1),
            valid_to=today + timedelta(days=365),
            document="browser test",
        )
        db.session.add(mandate)
        db.session.commit()
        return mandate.public_id


def revoke(app, public_id: str) -> None:
    with app.app_context():
        db.session.execute(db.update(Mandate).filter_by(public_id=public_id).values(revoked_at=utcnow()))
        db.session.commit()


def no_violations(page: Page, label: str) -> None:
    results = axe.run(page, options=WCAG21AA)
    assert not results.violations_count, f"{label}:\n{results.generate_report()}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_budget_voucher_mandate_and_who_looked(browser: Browser, live_server, csp_violations, page: Page, language):
    base = live_server.url
    # Helmi: her budget, the forecast in words and as a chart, the transactions filtered to one service.
    log_in(page, base, "helmi.nieminen", "resident")
    page.goto(live_server(with_language(f"/wallet/budgets/{BUDGET_ID}", language)))
    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[language])
    expect(page.locator("svg.chart__svg path.chart__actual")).to_be_visible()
    expect(page.locator("#forecast-total")).not_to_be_empty()
    expect(page.locator("#shares tbody tr")).to_have_count(3)
    page.goto(live_server(f"/wallet/budgets/{BUDGET_ID}/transactions"))
    page.select_option("#service", "meals")  # htmx swaps the results in; without JavaScript the button does
    expect(page.locator("#transactions tbody tr")).to_have_count(8)
    assert "service=meals" in page.url

    # Aino: the provider's cost under her service voucher, the unit outside the catalogue without a link.
    context = browser.new_context()
    aino = context.new_page()
    log_in(aino, base, "aino.virtanen", "resident")
    aino.goto(live_server(with_language(f"/wallet/vouchers/{DENTAL_ID}", language)))
    rows = aino.locator("#offers tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("a")).to_have_count(0)
    expect(rows.nth(1).locator("a")).to_have_count(1)
    expect(rows.nth(1).locator("td").nth(2)).to_contain_text("300")
    context.close()

    # Sari: acts for Helmi under the banner; refused listing; loses access at once when the mandate is revoked.
    mandate = new_mandate(live_server.app)
    context = browser.new_context()
    sari = context.new_page()
    log_in(sari, base, "sari.nieminen", "resident")
    sari.goto(live_server(with_language("/acting/", language)))
    sari.locator(f'form[action$="/acting/{mandate}"] button').click()
    expect(sari.locator(".acting-banner")).to_contain_text("Helmi Nieminen")
    no_violations(sari, f"acting front page {language}")
    sari.goto(live_server(f"/wallet/budgets/{BUDGET_ID}"))
    expect(sari.locator(".acting-banner")).to_be_visible()
    expect(sari.locator("svg.chart__svg")).to_be_visible()
    no_violations(sari, f"budget while acting {language}")
    response = sari.goto(live_server("/choices/"))
    assert response is not None and response.status == 403
    expect(sari.locator("main ul li")).not_to_have_count(0)  # what the mandate does cover, listed
    no_violations(sari, f"scope refusal {language}")
    revoke(live_server.app, mandate)
    response = sari.goto(live_server(f"/wallet/budgets/{BUDGET_ID}"))
    assert response is not None and response.status == 404  # Sari's own wallet has no such budget
    expect(sari.locator(".acting-banner")).to_have_count(0)
    expect(sari.locator(".notice--warning")).to_be_visible()
    context.close()

    # Helmi sees that her daughter looked.
    page.goto(live_server("/my-data/access?who=resident"))
    expect(page.locator("#looks tbody")).to_contain_text("Sari Nieminen")
    assert csp_violations == []
