"""Flagging a problem in a real browser: the guided form one question at a time with JavaScript (in every language,
axe on the form, the check page, the receipt and the flag page), and the one-page form without JavaScript, through
sending a flag about two providers, following it and disputing its closure."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from portal.auth.services import CurrentUser
from portal.demo.ptv_feed import DEFAULT_SEED, channel_id
from portal.extensions import db
from portal.flags import services
from portal.models import StaffUser
from tests.browser.pages import LANGUAGES, log_in, with_language
from tests.browser.test_accessibility import WCAG21AA

pytestmark = pytest.mark.browser

axe = Axe()
S_PORNAINEN = channel_id(DEFAULT_SEED, "s-pornainen")
TEXT = "Lähete ei mennyt perille <b>tärkeä</b> 🙁\nToinen rivi."


def no_violations(page: Page, label: str) -> None:
    results = axe.run(page, options=WCAG21AA)
    assert not results.violations_count, f"{label}:\n{results.generate_report()}"


def visible_steps(page: Page):
    return page.locator("fieldset.flag-step:visible")


def focused_tag(page: Page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.tagName")


def close_unresolved(app, reference: str) -> None:
    with app.app_context():
        staff = db.session.scalar(select(StaffUser).filter_by(oidc_subject="browser.flags"))
        if staff is None:
            staff = StaffUser(oidc_issuer="browser", oidc_subject="browser.flags", name="Browser")
            db.session.add(staff)
            db.session.commit()
        flag = services.flag_by_reference(reference)
        assert flag is not None
        worker = CurrentUser("staff", staff.id, "Browser", roles=frozenset({"organiser"}))
        services.change_status(flag, "closed_unresolved", worker, reply="Emme voi tehdä enempää.")


@pytest.mark.parametrize("language", LANGUAGES)
def test_guided_steps_with_javascript(page: Page, live_server, csp_violations, language):
    log_in(page, live_server.url, "aino.virtanen", "resident")
    page.goto(live_server(with_language("/flags/new", language)))
    expect(visible_steps(page)).to_have_count(1)  # one question at a time
    expect(page.locator(".flag-form__submit")).to_be_hidden()
    no_violations(page, f"flag form {language}")
    nav = page.locator(".flag-steps__nav")

    page.locator("input[name=category][value=referral_lost]").check()
    nav.locator("button.button--primary").click()
    assert focused_tag(page) == "LEGEND"  # focus moves to the question
    expect(page.locator("fieldset#providers")).to_be_visible()
    page.locator("input[name=providers]").first.check()  # one of her own (her voucher's providers)
    page.locator("#search").fill("Pornaisten")
    page.locator("button[name=action][value=search]").click()  # htmx swaps only the list
    found = page.locator(f"input[name=providers][value='{S_PORNAINEN}']")
    expect(found).to_be_visible()
    found.check()
    expect(page.locator("input[name=providers]:checked")).to_have_count(2)  # the first one is still ticked
    nav.locator("button.button--primary").click()
    page.locator("#happened_on").fill("2026-03-14")
    nav.locator("button.button--primary").click()
    page.locator("#description").fill(TEXT)
    nav.locator("button.button--primary").click()
    expect(page.locator("fieldset#contact_method")).to_be_visible()
    nav.locator("button.button--secondary").click()  # back keeps what was typed
    expect(page.locator("#description")).to_have_value(TEXT)
    nav.locator("button.button--primary").click()
    nav.locator("button.button--primary").click()
    page.locator("#consent_share").check()
    expect(nav.locator("button.button--primary")).to_be_hidden()
    page.locator(".flag-form__submit button").click()

    expect(page.locator("#check-providers li")).to_have_count(2)
    expect(page.locator("#check-description")).to_have_text(TEXT)
    no_violations(page, f"flag check page {language}")
    page.locator("form[action$='/flags/send'] > button.button--primary").click()

    reference = page.locator("#reference").inner_text().strip()
    assert reference.startswith("F")
    no_violations(page, f"flag receipt {language}")
    page.locator(f"main a[href$='/flags/{reference}']").click()
    expect(page.locator("#flag-providers li")).to_have_count(2)
    expect(page.locator("#flag-description")).to_have_text(TEXT)
    no_violations(page, f"flag page {language}")
    assert csp_violations == []


def test_one_page_without_javascript_then_follow_and_dispute(browser: Browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "aino.virtanen", "resident")
    page.goto(live_server("/flags/new?lang=en"))
    expect(visible_steps(page)).to_have_count(6)  # every question on one page
    page.locator("input[name=category][value=fee_charged]").check()
    page.locator("#description").fill(TEXT)
    page.locator("input[name=providers]").first.check()
    page.locator("#search").fill("Pornaisten")
    page.locator("button[name=action][value=search]").click()  # the whole form again, with the units found
    expect(page.locator("#description")).to_have_value(TEXT)
    page.locator(f"input[name=providers][value='{S_PORNAINEN}']").check()
    page.locator("input[name=contact_method][value=email]").check()
    page.locator(".flag-form__submit button").click()
    expect(page.locator(".error-summary")).to_contain_text("e-mail address")  # chosen e-mail, gave no address
    expect(page.locator("#description")).to_have_value(TEXT)
    page.locator("#contact_email").fill("aino@example.fi")
    page.locator(".flag-form__submit button").click()
    expect(page.locator("#check-providers li")).to_have_count(2)
    page.locator("button[value=change]").first.click()  # Change: back to the form, everything kept
    expect(page.locator("#description")).to_have_value(TEXT)
    expect(page.locator("input[name=providers]:checked")).to_have_count(2)
    page.locator(".flag-form__submit button").click()
    page.locator("form[action$='/flags/send'] > button.button--primary").click()
    reference = page.locator("#reference").inner_text().strip()

    page.goto(live_server("/flags/"))
    expect(page.locator("#flags tbody")).to_contain_text(reference)
    page.goto(live_server(f"/flags/{reference}"))
    expect(page.locator(f"form[action$='/flags/{reference}/dispute']")).to_have_count(0)
    close_unresolved(live_server.app, reference)
    page.goto(live_server(f"/flags/{reference}"))
    expect(page.locator("#flag-status")).to_contain_text("Closed – not resolved")
    dispute = page.locator(f"form[action$='/flags/{reference}/dispute']")
    dispute.locator("textarea").fill("Maksu oli väärin.")
    dispute.locator("button").click()
    expect(page.locator("#flag-status")).to_contain_text("Your disagreement is being reviewed")
    expect(page.locator(".flag-timeline")).to_contain_text("Maksu oli väärin.")
    expect(page.locator(f"form[action$='/flags/{reference}/dispute']")).to_have_count(0)  # once
    context.close()


def test_a_relative_flags_for_the_person_she_helps(browser: Browser, live_server):
    """Sari, acting for Helmi under a mandate that covers flags, sends a flag about Helmi's care: the banner stays,
    and the flag is Helmi's (the organiser sees it as hers)."""
    from datetime import timedelta

    from portal.compare.units import today_in_helsinki
    from portal.models import Flag, Mandate
    from tests.wallet_data import person

    app = live_server.app
    with app.app_context():
        mandate = Mandate(
            agent_id=person("sari.nieminen").id,
            principal_id=person("helmi.nieminen").id,
            scopes="balances flags",
            valid_from=today_in_helsinki() - timedelta(days=1),
            document="browser test",
        )
        db.session.add(mandate)
        db.session.commit()
        public_id, helmi_id = mandate.public_id, mandate.principal_id
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "sari.nieminen", "resident")
    page.goto(live_server("/acting/?lang=en"))
    page.locator(f'form[action$="/acting/{public_id}"] button').click()
    page.goto(live_server("/flags/new"))
    expect(page.locator(".acting-banner")).to_contain_text("Helmi Nieminen")
    page.locator("input[name=category][value=fee_charged]").check()
    page.locator("#description").fill("Kotihoito laskutti äidiltäni maksun, vaikka hänellä on asiakasseteli.")
    page.locator("#search").fill("Pornaisten")
    page.locator("button[name=action][value=search]").click()
    page.locator(f"input[name=providers][value='{S_PORNAINEN}']").check()
    page.locator(".flag-form__submit button").click()
    page.locator("form[action$='/flags/send'] > button.button--primary").click()
    reference = page.locator("#reference").inner_text().strip()
    context.close()
    with app.app_context():
        flag = db.session.scalar(select(Flag).filter_by(reference=reference))
        assert flag is not None and flag.person_id == helmi_id and flag.basis == f"mandate:{public_id}"
