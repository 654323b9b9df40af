"""The resident's wallet: balances, what each provider costs, the forecast, transactions, refusing."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import func, select

from portal.compare.units import today_in_helsinki
from portal.extensions import db
from portal.models import OutboxMessage, Voucher
from tests.wallet_data import D_JARVENPAA, UNKNOWN_PROVIDER, make_wallet


@pytest.fixture
def wallet(catalogue):
    return make_wallet(catalogue, today_in_helsinki())


def test_budget_page_shows_what_is_left_and_the_forecast(wallet, client_request, login_as):
    login_as("helmi.nieminen")
    page = client_request.get("wallet.budget", public_id=wallet["budget"], lang="en")
    text = page.get_text(" ", strip=True)
    # 14 400 € minus eight months of 800 € home care and 150 € meals, minus the 60 € reserved trip.
    assert "6,740.00" in text
    assert page.select_one("svg.chart__svg path.chart__actual") is not None
    assert "At this pace the Home care share runs out on" in text
    assert "At this pace the Meals share lasts until the end of the period" in text


def test_service_voucher_shows_the_difference_to_pay_cheapest_first(wallet, client_request, login_as):
    login_as("aino.virtanen")
    page = client_request.get("wallet.voucher", public_id=wallet["dental"], lang="en")
    rows = page.select("#offers tbody tr")
    assert len(rows) == 2
    first, second = (row.select("td") for row in rows)
    assert "Hammas Oy" in first[0].get_text() and first[0].select_one("a") is None  # not in the catalogue: no link
    assert "Nothing" in first[2].get_text()  # 850 € price under a 900 € voucher
    assert second[0].select_one("a")["href"].endswith(D_JARVENPAA)
    assert "300.00" in second[2].get_text()  # 1 200 € price minus the 900 € voucher


def test_expired_voucher_says_so_and_cannot_be_refused(wallet, client_request, login_as):
    login_as("erik.lindqvist")
    page = client_request.get("wallet.voucher", public_id=wallet["expired"], lang="en")
    assert "Ended on" in page.get_text()
    assert page.select_one("a[href$='/refuse']") is None


def test_someone_elses_voucher_is_not_found(wallet, client_request, login_as):
    login_as("aino.virtanen")
    client_request.get("wallet.voucher", public_id=wallet["expired"], _expected_status=404)
    client_request.get("wallet.budget", public_id=wallet["budget"], _expected_status=404)


def test_transactions_filter_print_and_csv(wallet, client_request, login_as, client):
    login_as("helmi.nieminen")
    page = client_request.get("wallet.budget_transactions", public_id=wallet["budget"], lang="en")
    assert "18 transactions." in page.get_text()
    meals = client_request.get("wallet.budget_transactions", public_id=wallet["budget"], service="meals")
    assert len(meals.select("#transactions tbody tr")) == 8
    month = page.select("#month option")[1]["value"]
    one_month = client_request.get("wallet.budget_transactions", public_id=wallet["budget"], month=month)
    assert 1 <= len(one_month.select("#transactions tbody tr")) < 18
    junk = client_request.get("wallet.budget_transactions", public_id=wallet["budget"], month="2026-13")
    assert "18" in junk.select_one("[role=status]").get_text()  # an impossible month filters nothing
    printed = client_request.get("wallet.budget_transactions", public_id=wallet["budget"], **{"print": "1"})
    assert len(printed.select("#transactions tbody tr")) == 18
    response = client.get(client_request.url("wallet.budget_transactions_csv", public_id=wallet["budget"]))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 19 and rows[0][0] == "Date"


def test_htmx_filter_answers_the_results_block(wallet, client_request, login_as, client):
    login_as("helmi.nieminen")
    url = client_request.url("wallet.budget_transactions", public_id=wallet["budget"], service="meals")
    response = client.get(url, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<div id="results">')
    assert "HX-Request" in response.headers["Vary"]


def test_refusing_a_voucher_tells_the_organiser_exactly_once(wallet, app, client_request, login_as):
    login_as("aino.virtanen")
    check = client_request.get("wallet.refuse_item", kind="vouchers", public_id=wallet["dental"], lang="en")
    assert "What happens next" in check.get_text()
    client_request.post("wallet.refuse_item", kind="vouchers", public_id=wallet["dental"])
    client_request.post("wallet.refuse_item", kind="vouchers", public_id=wallet["dental"])  # a second tab
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage).filter_by(event="voucher.refused")).all()
        assert len(messages) == 1
        body = json.loads(messages[0].body)
        assert body["voucher"]["id"] == "V-1" and body["holder"]["given_name"] == "Aino"
        assert (
            db.session.scalar(
                select(func.count()).select_from(Voucher).where(Voucher.refusal_requested_at.is_not(None))
            )
            == 1
        )
    page = client_request.get("wallet.voucher", public_id=wallet["dental"])
    assert "You have refused this" in page.get_text()
    assert page.select_one("a[href$='/refuse']") is None


def test_unknown_provider_in_the_wallet_is_never_linked(wallet, client_request, login_as):
    login_as("aino.virtanen")
    page = client_request.get("wallet.voucher", public_id=wallet["dental"])
    assert not page.select(f"a[href*='{UNKNOWN_PROVIDER}']")


def statements_of(app, client_request, endpoint: str, **values) -> list[str]:
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        client_request.get(endpoint, **values)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_the_wallet_pages_run_a_bounded_number_of_statements(wallet, app, client_request, login_as):
    """A count is stable where a time is not: the budget page's work does not grow with its transactions."""
    login_as("helmi.nieminen")
    client_request.get("wallet.budget", public_id=wallet["budget"])  # the session and the index are warm
    budget = statements_of(app, client_request, "wallet.budget", public_id=wallet["budget"])
    wallet_statements = [s for s in budget if "budget" in s]
    # The budget, its shares, spending per service, spending per month, the latest ten.
    assert len(wallet_statements) == 5, "\n".join(wallet_statements)
    assert len(budget) <= 8, "\n".join(budget)
    overview = statements_of(app, client_request, "wallet.overview")
    assert len(overview) <= 8, "\n".join(overview)


def test_the_refusal_is_delivered_to_the_organisers_endpoint_or_shown_undelivered(
    wallet, app, client_request, login_as, tmp_path
):
    from portal.outbox.dispatch import Settings, dispatch_once

    login_as("aino.virtanen")
    client_request.post("wallet.refuse_item", kind="vouchers", public_id=wallet["dental"])
    folder = tmp_path / "organiser"
    base = {"register": (tmp_path / "register").as_uri(), "provider": (tmp_path / "p").as_uri() + "/{organisation_id}"}
    with app.test_request_context():
        without = Settings.from_config({**app.config, "OUTBOX_ENDPOINTS": base, "OUTBOX_MAX_ATTEMPTS": 1})
        assert dispatch_once(settings=without).dead == 1  # never sent to a provider's address instead
        message = db.session.scalars(select(OutboxMessage).filter_by(event="voucher.refused")).one()
        assert "no URL for: organiser" in message.last_error
    login_as("olli.jarjestaja")
    outbox = client_request.get("organiser.outbox", lang="en")
    assert "Service voucher refused" in outbox.get_text()
    with app.test_request_context():
        message = db.session.scalars(select(OutboxMessage).filter_by(event="voucher.refused")).one()
        message.status, message.attempts = "pending", 0
        db.session.commit()
        with_organiser = Settings.from_config(
            {**app.config, "OUTBOX_ENDPOINTS": {**base, "organiser": folder.as_uri()}}
        )
        assert dispatch_once(settings=with_organiser).delivered == 1
    delivered = [json.loads(path.read_text()) for path in folder.rglob("*.json")]
    assert [body["event"] for body in delivered] == ["voucher.refused"]
