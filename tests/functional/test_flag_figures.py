"""The organiser's flag figures: per provider, category and month, as SVG bar charts, tables and CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import update

from portal.auth.services import CurrentUser
from portal.choice.rules import add_months
from portal.compare.units import today_in_helsinki
from portal.demo.ptv_feed import channel_id
from portal.extensions import db
from portal.flags.services import FlagDraft, new_request_key, submit_flag
from portal.models import Flag
from tests.wallet_data import person

S_JARVENPAA = channel_id(2019, "s-jarvenpaa")
D_JARVENPAA = channel_id(2019, "d-jarvenpaa")
FORMULA = '=HYPERLINK("http://evil.example")'


def send(category: str, providers: list[tuple[str, str]], months_ago: int = 0) -> None:
    aino = person("aino.virtanen")
    flagger = CurrentUser(kind="resident", id=aino.id, name=aino.display_name)
    draft = FlagDraft(category=category, providers=providers, description="Test", consent_share=True)
    flag = submit_flag(
        draft, person_id=aino.id, flagger=flagger, basis=None, language="en", request_key=new_request_key()
    )
    if months_ago:
        first = add_months(today_in_helsinki().replace(day=1), -months_ago)
        sent = datetime(first.year, first.month, 10, 12, 0)
        db.session.execute(update(Flag).where(Flag.id == flag.id).values(created_at=sent))
        db.session.commit()


def make_flags(app) -> None:
    with app.app_context():
        both = [(S_JARVENPAA, "Järvenpää"), (D_JARVENPAA, "Järvenpää dental")]
        send("referral_lost", both)
        send("referral_lost", [(S_JARVENPAA, "Järvenpää")])
        send("fee_charged", [("by-name-1", FORMULA)], months_ago=2)
        send("information_not_moved", both, months_ago=2)
        send("other", [(S_JARVENPAA, "Järvenpää")], months_ago=14)  # outside the last 12 months


def cells(page, table_id: str) -> list[list[str]]:
    return [
        [cell.get_text(strip=True) for cell in row.select("th, td")] for row in page.select(f"#{table_id} tbody tr")
    ]


def csv_rows(client_request, **args) -> list[list[str]]:
    response = client_request.client.get(client_request.url("review.figures_download", lang="en", **args))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_figures_per_provider_category_and_month(catalogue, client_request, login_as):
    make_flags(catalogue)
    login_as("olli.jarjestaja")
    page = client_request.get("review.figures", lang="en")
    providers = cells(page, "providers")
    assert len(providers) == 3
    assert providers[0][1] == "3" and S_JARVENPAA not in providers[0][0]  # named from the catalogue
    assert sorted(row[1] for row in providers) == ["1", "2", "3"]
    assert [FORMULA, "1"] in providers
    categories = {row[0]: row[1] for row in cells(page, "categories")}
    assert categories["A referral or follow-up was lost"] == "2"
    assert categories["Information did not move between providers"] == "1"
    assert categories["A provider charged a fee it may not charge"] == "1"
    assert categories["Something else"] == "0"  # the 14-month-old flag is outside the period
    months = cells(page, "months")
    assert len(months) == 12
    assert months[-1][1] == "2" and months[-3][1] == "2" and sum(int(row[1]) for row in months) == 4
    assert "4 flags sent from" in page.get_text()

    # The charts: one per table, drawn on the server, colours from the stylesheet only.
    charts = page.select("figure.chart svg")
    assert len(charts) == 3
    assert all(svg.get("role") == "img" and svg.select_one("desc") for svg in charts)
    assert len(charts[0].select("rect.chart__bar")) == 3
    assert not page.select("[style]") and not page.select("style")

    wider = client_request.get("review.figures", months="24")
    assert "5 flags sent from" in wider.get_text()
    assert len(cells(wider, "months")) == 24
    client_request.get("review.figures", months="7", _expected_status=400)


def test_the_csv_has_the_same_numbers_and_guards_formulas(catalogue, client_request, login_as):
    make_flags(catalogue)
    login_as("olli.jarjestaja")
    page = client_request.get("review.figures", lang="en")
    provider_rows = csv_rows(client_request, table="provider")
    assert provider_rows[0] == ["Provider id", "Provider", "Flags"]
    assert [[row[1], row[2]] for row in provider_rows[1:]] == [
        [name.replace(FORMULA, "'" + FORMULA), count] for name, count in cells(page, "providers")
    ]
    assert ["by-name-1", "'" + FORMULA, "1"] in provider_rows
    category_rows = csv_rows(client_request, table="category")
    assert category_rows[1:] == cells(page, "categories")
    month_rows = csv_rows(client_request, table="month", months="12")
    assert [row[1] for row in month_rows[1:]] == [row[1] for row in cells(page, "months")]
    this_month = today_in_helsinki().strftime("%Y-%m")
    assert month_rows[-1] == [this_month, "2"]
    bad = client_request.client.get(client_request.url("review.figures_download", table="people"))
    assert bad.status_code == 400


def test_no_flags_is_said_plainly(catalogue, client_request, login_as):
    login_as("anna.yllapitaja")
    page = client_request.get("review.figures", lang="en")
    assert "No flags in this period." in page.get_text()
    assert "0 flags sent from" in page.get_text()


def test_only_organisers_and_admins_see_the_figures(catalogue, client_request, login_as):
    login_as("liisa.neuvoja")
    client_request.get("review.figures", _expected_status=403)
    client_request.get("review.figures_download", _expected_status=403)
    login_as("aino.virtanen")
    client_request.get("review.figures", _expected_status=403)
