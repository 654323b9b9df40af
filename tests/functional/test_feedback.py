"""Feedback about a unit: one answer per person, unit and half-year; the score shown only from the organiser's
minimum; offered on the listing overview once a listing has been in force long enough; only the person's own."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from portal.compare.units import today_in_helsinki
from portal.demo.listings import load_demo_listings
from portal.demo.ptv_feed import channel_id
from portal.extensions import db
from portal.feedback.services import net_promoter_score, period_of, save_answer, unit_score
from portal.flags.settings import DEFAULTS
from portal.models import Feedback, OrganiserSetting, Person
from tests.functional.test_acting import add_mandate
from tests.wallet_data import person

S_JARVENPAA = channel_id(2019, "s-jarvenpaa")
D_JARVENPAA = channel_id(2019, "d-jarvenpaa")
TYPED = "  Hyvä <b>hoito</b> & \"nopea\"\r\n\r\n=SUM(A1) 'lainaus'  "
_numbers = itertools.count()


def respondents(count: int) -> list[int]:
    """People who answer, none of them a persona (inside an app context)."""
    made = []
    for _ in range(count):
        n = next(_numbers)
        made.append(
            Person(
                oidc_issuer="test",
                oidc_subject=f"respondent-{n}",
                hetu_hash=f"test-respondent-{n}",
                hetu_masked="010170-****",
                birth_date=today_in_helsinki().replace(year=1970),
                given_name="Test",
                family_name=f"Respondent {n}",
            )
        )
    db.session.add_all(made)
    db.session.commit()
    return [row.id for row in made]


def answer_many(app, location_id: str, scores: list[int]) -> None:
    with app.app_context():
        period = period_of(today_in_helsinki())
        for person_id, score in zip(respondents(len(scores)), scores, strict=True):
            save_answer(person_id, location_id, period, score, "", "listing")


def half_year_words() -> str:
    today = today_in_helsinki()
    return f"January–June {today.year}" if today.month <= 6 else f"July–December {today.year}"


def test_nps_arithmetic():
    assert net_promoter_score(6, 2, 10) == 40  # 6 promoters, 2 passives, 2 detractors
    assert net_promoter_score(0, 3, 3) == -100
    assert net_promoter_score(1, 0, 8) == 13  # 12.5 rounds away from zero
    assert net_promoter_score(0, 1, 8) == -13
    assert net_promoter_score(0, 0, 0) is None


def test_one_answer_per_period_a_second_post_changes_it(catalogue, client_request, login_as):
    login_as("aino.virtanen")
    page = client_request.get("feedback.give", location_id=S_JARVENPAA, source="listing", lang="en")
    fieldset = page.select_one("fieldset#score")
    assert "recommend this unit to a friend or relative" in fieldset.select_one("legend").get_text()
    labels = [label.get_text() for label in fieldset.select("label")]
    assert len(labels) == 11 and "not at all likely" in labels[0] and "extremely likely" in labels[-1]
    client_request.post(
        "feedback.give", {"score": "9", "text": TYPED, "source": "listing"}, 303, location_id=S_JARVENPAA
    )
    again = client_request.get("feedback.give", location_id=S_JARVENPAA)
    assert again.select_one("input[name=score][value='9']").has_attr("checked")
    assert "You answered on" in again.get_text()
    client_request.post("feedback.give", {"score": "3", "text": "", "source": "flag"}, 303, location_id=S_JARVENPAA)
    with catalogue.app_context():
        rows = db.session.scalars(select(Feedback)).all()
        assert len(rows) == 1
        assert (rows[0].score, rows[0].text, rows[0].source) == (3, "", "listing")
        assert rows[0].period == period_of(today_in_helsinki())


def test_free_text_is_stored_exactly_and_shown_escaped_to_the_organiser(catalogue, client_request, login_as):
    login_as("aino.virtanen")
    client_request.post("feedback.give", {"score": "10", "text": TYPED, "source": "chat"}, 303, location_id=S_JARVENPAA)
    with catalogue.app_context():
        stored = db.session.scalar(select(Feedback))
        assert stored.text == TYPED and stored.source == "chat"
    login_as("olli.jarjestaja")
    page = client_request.get("review.feedback", unit=S_JARVENPAA, lang="en")
    raw = client_request.last_response.get_data(as_text=True)
    assert "<b>hoito</b>" not in raw and "&lt;b&gt;hoito&lt;/b&gt;" in raw
    quote = page.select_one("blockquote.feedback-text")
    assert 'Hyvä <b>hoito</b> & "nopea"' in quote.get_text()
    assert "Aino" not in page.get_text()  # who wrote it is not shown
    row = page.select_one("#units tbody tr")
    assert [cell.get_text(strip=True) for cell in row.select("td")][:5] == ["1", "1", "0", "0", "+100"]


def test_a_refused_form_keeps_what_was_typed(catalogue, client_request, login_as):
    login_as("aino.virtanen")
    long_text = "x" * 2001
    page = client_request.post(
        "feedback.give", {"text": long_text, "source": "listing"}, 400, location_id=S_JARVENPAA, lang="en"
    )
    assert "Choose a number from 0 to 10." in page.select_one(".error-summary").get_text()
    assert "at most 2000 characters" in page.get_text()
    # The newline WTForms writes after <textarea> is dropped by browsers (html.parser keeps it).
    assert page.select_one("textarea[name=text]").get_text().removeprefix("\r\n") == long_text
    page = client_request.post(
        "feedback.give", {"score": "11", "text": "ok\x07", "source": "x"}, 400, location_id=S_JARVENPAA
    )
    assert page.select_one("textarea[name=text]").get_text().removeprefix("\r\n") == "ok\x07"
    client_request.get("feedback.give", location_id=S_JARVENPAA, source="nonsense", _expected_status=400)
    client_request.get("feedback.give", location_id="no-such-unit", _expected_status=404)
    with catalogue.app_context():
        assert db.session.scalar(select(func.count(Feedback.id))) == 0


def test_the_score_is_hidden_below_the_minimum_and_shown_from_it(catalogue, client_request):
    answer_many(catalogue, S_JARVENPAA, [10, 9, 9, 10, 9, 8, 7, 3, 6])  # nine answers
    page = client_request.get("compare.unit", location_id=S_JARVENPAA, lang="en")
    section = page.select_one("section[aria-labelledby=feedback-heading]").get_text(" ", strip=True)
    assert "Not enough answers yet to show a score" in section
    assert "Net promoter score" not in section
    answer_many(catalogue, S_JARVENPAA, [10])  # the tenth: 6 promoters, 2 passives, 2 detractors
    with catalogue.app_context():
        assert unit_score(S_JARVENPAA, period_of(today_in_helsinki())) == (40, 10)
    page = client_request.get("compare.unit", location_id=S_JARVENPAA, lang="en")
    section = page.select_one("section[aria-labelledby=feedback-heading]").get_text(" ", strip=True)
    assert f"Net promoter score +40 from 10 answers, {half_year_words()}" in section
    other = client_request.get("compare.unit", location_id=D_JARVENPAA, lang="en")
    assert "Not enough answers yet to show a score" in other.get_text()


def test_the_minimum_is_the_organisers_setting(catalogue, client_request):
    answer_many(catalogue, D_JARVENPAA, [0, 0, 10])
    with catalogue.app_context():
        db.session.add(OrganiserSetting(key="feedback_min_answers", value="3"))
        db.session.commit()
    page = client_request.get("compare.unit", location_id=D_JARVENPAA, lang="en")
    assert "Net promoter score \u221233 from 3 answers" in page.get_text(" ", strip=True)


def test_offered_on_the_overview_only_past_the_settings_days(catalogue, client_request, login_as):
    login_as("aino.virtanen")
    with catalogue.app_context():
        load_demo_listings(today_in_helsinki(), subjects={"aino.virtanen"})
        db.session.commit()
    assert DEFAULTS["feedback_after_days"] == 90
    page = client_request.get("choice.overview", lang="en")
    links = [a["href"] for a in page.select("a[href*='/feedback/']")]
    # The sote centre listing took effect 14 months ago; the dental listing two months ago: not yet.
    assert len(links) == 1 and S_JARVENPAA in links[0] and "source=listing" in links[0]
    assert "Tell us how the unit did" in page.get_text()
    client_request.post("feedback.give", {"score": "8", "source": "listing"}, 303, location_id=S_JARVENPAA)
    page = client_request.get("choice.overview")
    assert page.select("a[href*='/feedback/']") == []  # answered for this period
    with catalogue.app_context():
        db.session.add(OrganiserSetting(key="feedback_after_days", value="30"))
        db.session.commit()
    page = client_request.get("choice.overview")
    links = [a["href"] for a in page.select("a[href*='/feedback/']")]
    assert len(links) == 1 and D_JARVENPAA in links[0]


def test_a_relative_acting_for_someone_cannot_give_feedback(catalogue, client_request, login_as):
    mandate = add_mandate(catalogue, scopes="balances flags choice")
    login_as("sari.nieminen")
    client_request.post("mandates.start", public_id=mandate)
    client_request.get("feedback.give", location_id=S_JARVENPAA, _expected_status=403)
    client_request.post("feedback.give", {"score": "5", "source": "listing"}, 403, location_id=S_JARVENPAA)
    with catalogue.app_context():
        assert db.session.scalar(select(func.count(Feedback.id))) == 0
        person("helmi.nieminen")


@pytest.mark.parametrize("staff", ["olli.jarjestaja", "liisa.neuvoja"])
def test_staff_cannot_give_feedback(catalogue, client_request, login_as, staff):
    login_as(staff)
    client_request.get("feedback.give", location_id=S_JARVENPAA, _expected_status=403)


def test_residents_cannot_see_the_organisers_figures(catalogue, client_request, login_as):
    login_as("aino.virtanen")
    client_request.get("review.feedback", _expected_status=403)
    client_request.get("review.feedback_download", _expected_status=403)


def test_the_organisers_feedback_figures_chart_and_csv(catalogue, client_request, login_as):
    answer_many(catalogue, S_JARVENPAA, [10, 10, 10, 10, 10, 10, 8, 7, 0, 1])  # +40
    answer_many(catalogue, D_JARVENPAA, [0, 5, 9])  # -33
    login_as("olli.jarjestaja")
    page = client_request.get("review.feedback", lang="en")
    rows = page.select("#units tbody tr")
    assert [[c.get_text(strip=True) for c in row.select("td")][:6] for row in rows] == [
        ["10", "6", "2", "2", "+40", "Yes"],
        ["3", "1", "0", "2", "\u221233", "No, too few answers"],
    ]
    svg = page.select_one("figure.chart svg")
    assert svg is not None and len(svg.select("rect.chart__bar")) == 2
    assert not page.select("svg [style]")
    response = client_request.client.get(client_request.url("review.feedback_download", lang="en"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    period = period_of(today_in_helsinki())
    assert lines[1].startswith(f"{period},{S_JARVENPAA},") and lines[1].endswith(",10,6,2,2,40")
    assert lines[2].endswith(",3,1,0,2,-33")
    client_request.get("review.feedback", period="1999-H1", _expected_status=400)
    assert client_request.client.get(client_request.url("review.feedback_download", period="x")).status_code == 400


def test_the_comparison_shows_the_score_from_the_minimum_too(catalogue, client_request):
    answer_many(catalogue, S_JARVENPAA, [10, 10, 10, 10, 10, 10, 8, 7, 0, 1])
    answer_many(catalogue, D_JARVENPAA, [10, 10])
    for unit in (S_JARVENPAA, D_JARVENPAA):
        client_request.client.post("/compare/add", data={"location_id": unit, "next": "/compare"})
    page = client_request.get("compare.compare", lang="en")
    row = next(tr for tr in page.select("tr") if "net promoter score" in tr.select_one("th").get_text())
    cells = [cell.get_text(" ", strip=True) for cell in row.select("td")]
    assert f"+40 from 10 answers, {half_year_words()}" in cells
    assert "Not enough answers yet to show a score" in cells
