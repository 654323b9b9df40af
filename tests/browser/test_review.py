"""The console's "done when" in a real browser: an organiser worker triages a flag involving two providers, assigns
it, replies with a template in the flagger's language, records both providers' responses, sees a duplicate and a
suggested category, and reads the per-provider figures with their chart; the resident reads the reply. axe checks
the queue, the flag's page, the settings and the figures in the four languages."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from portal.auth.services import CurrentUser
from portal.demo.ptv_feed import DEFAULT_SEED, channel_id
from portal.flags import services
from tests.browser.pages import LANGUAGES, log_in, with_language
from tests.wallet_data import person

pytestmark = pytest.mark.browser

WCAG21AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}
axe = Axe()
CENTRE, DENTAL = channel_id(DEFAULT_SEED, "s-jarvenpaa"), channel_id(DEFAULT_SEED, "d-jarvenpaa")
TEXT = "Hammashoitolassa ei nähty sote-keskuksen lähetettä eikä röntgenkuvia, vaikka lähete oli tehty."


def flag_of(app, sub: str, text: str) -> str:
    with app.app_context():
        who = person(sub)
        draft = services.FlagDraft(
            category="other",
            providers=[(CENTRE, "Kuutamo Terveys"), (DENTAL, "Hammashoitola Järvenpää")],
            description=text,
        )
        flag = services.submit_flag(
            draft,
            person_id=who.id,
            flagger=CurrentUser("resident", who.id, who.display_name),
            basis=None,
            language="fi",
            request_key=services.new_request_key(),
        )
        return flag.reference


def no_violations(page: Page, label: str) -> None:
    results = axe.run(page, options=WCAG21AA)
    assert not results.violations_count, f"{label}:\n{results.generate_report()}"


def test_an_organiser_triages_a_flag_and_the_resident_reads_the_reply(browser: Browser, live_server, csp_violations):
    app = live_server.app
    reference = flag_of(app, "aino.virtanen", TEXT)
    duplicate = flag_of(app, "erik.lindqvist", TEXT + " Sama asia toistui.")
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server.url, "olli.jarjestaja", "staff")
    for language in LANGUAGES:
        for path in ("/organiser/flags/", f"/organiser/flags/{reference}", "/organiser/flags/settings"):
            page.goto(live_server(with_language(path, language)))
            no_violations(page, f"{path} {language}")
    # In English, while the flagger wrote in Finnish: the template comes in her language.
    page.goto(live_server("/organiser/flags/?lang=en"))
    page.locator(f'a[href$="/organiser/flags/{reference}"]').first.click()
    expect(page.locator("#similar")).to_contain_text(duplicate)  # a likely duplicate, never merged by itself
    expect(page.locator("main")).to_contain_text("The text suggests the category: A referral or follow-up was lost")
    page.select_option("#assignee", index=1)
    page.locator('form[action$="/assign"] button').click()
    page.select_option("#template", "in_review")
    page.locator('form[hx-target="#status-form"] button').click()
    message = page.locator("#message")
    expect(message).to_have_value(f"Hei Aino, olemme ottaneet ilmoituksesi {reference} käsittelyyn.")
    page.select_option("#status", "in_review")
    page.locator('#status-form button[type="submit"]').click()
    for index, answer in enumerate(("Lähete löytyi, kuvat siirretty.", "Saimme kuvat, aika varattu.")):
        page.locator('form[action*="/response/"] textarea').nth(index).fill(answer)
        page.locator('form[action*="/response/"] button').nth(index).click()
    expect(page.locator("main")).to_contain_text("Saimme kuvat, aika varattu.")
    no_violations(page, "flag after triage")
    page.goto(live_server("/organiser/flags/figures?lang=en"))
    expect(page.locator("svg").first).to_be_visible()
    no_violations(page, "figures")
    context.close()

    resident = browser.new_context().new_page()
    log_in(resident, live_server.url, "aino.virtanen", "resident")
    resident.goto(live_server(f"/flags/{reference}?lang=fi"))
    expect(resident.locator("main")).to_contain_text("olemme ottaneet ilmoituksesi")
    expect(resident.locator("main")).to_contain_text("Saimme kuvat, aika varattu.")
    assert csp_violations == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_units_score_shows_only_from_the_minimum_number_of_answers(page: Page, live_server, language):
    """The demo gives Järvenpää's sote centre 15 answers and its dental unit 4 (portal/demo/feedback.py)."""
    page.goto(live_server(with_language(f"/units/{CENTRE}", language)))
    expect(page.locator(".feedback-score")).to_contain_text("15")
    no_violations(page, f"unit page with a score {language}")
    page.goto(live_server(with_language(f"/units/{DENTAL}", language)))
    expect(page.locator(".feedback-score")).to_have_count(0)
    no_violations(page, f"unit page without a score {language}")
