"""The organiser's catalogue page: imports, rejected records, the overlay and the data-quality report (and its CSV)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

from adapters.overlay import Kind, Overlay, OverlayEntry, write_overlay
from portal.catalogue.importer import ImportFailed, import_catalogue
from portal.catalogue.overlay import load_overlay
from portal.demo.overlay import NO_FIGURES, demo_overlay, write_demo_overlay
from portal.demo.ptv_feed import FeedSummary, write_demo_feed
from portal.extensions import db
from portal.models import CatalogueImport

TODAY = date(2025, 11, 20)
UNKNOWN_ID = "0badc0de-0000-4000-8000-000000000002"
# The demo feed's deliberate gaps (portal.demo.ptv_feed.QualityGap.field) and the report section that lists them.
GAP_SECTIONS = {"name_sv": "missing_name_sv", "coordinates": "missing_coordinates", "phone": "missing_phone"}
SECTIONS = ("missing_name_sv", "missing_coordinates", "missing_hours", "missing_phone", "missing_address")


@pytest.fixture
def feed(tmp_path: Path) -> FeedSummary:
    """The demo PTV feed, written (not yet imported)."""
    return write_demo_feed(tmp_path / "feed", TODAY)


@pytest.fixture
def demo_catalogue(app, feed: FeedSummary, tmp_path: Path) -> FeedSummary:
    """The demo feed imported and the demo overlay loaded, as `make run` does."""
    with app.app_context():
        import_catalogue(feed.out_dir)
        write_demo_overlay(tmp_path / "overlay.csv", TODAY)
        load_overlay(tmp_path / "overlay.csv")
    return feed


@pytest.fixture
def organiser(login_as):
    login_as("olli.jarjestaja")


def gaps(feed: FeedSummary) -> dict[str, set[str]]:
    """Report section -> the PTV ids the demo feed leaves that gap in."""
    found: dict[str, set[str]] = {section: set() for section in SECTIONS}
    for gap in feed.quality_gaps:
        found[GAP_SECTIONS[gap.field]].add(gap.channel_id)
    return found


def listed_ids(page, section: str) -> set[str]:
    return {cell.text.strip() for cell in page.select(f"#{section} tbody td:nth-of-type(3) code")}


def problem_counts(page) -> dict[str, int]:
    rows = page.select("#main table")
    summary = next(table for table in rows if table.caption and table.caption.text.strip() == "Problems found")
    return {
        row.select_one("th a")["href"].lstrip("#"): int(row.select_one("td").text.strip())
        for row in summary.select("tbody tr")
    }


def text(element) -> str:
    return " ".join(element.text.split())


def card(page, title: str):
    return next(section for section in page.select("section.card") if section.select_one("h2").text.strip() == title)


def break_feed(feed: FeedSummary, *, reject: str, without_hours: str) -> None:
    """Take the names off one channel (the reader rejects it) and the opening hours off another."""
    path = feed.out_dir / "channels-0001.json"
    page = json.loads(path.read_text(encoding="utf-8"))
    for item in page["itemList"]:
        if item["id"] == reject:
            item.pop("serviceChannelNames")
        if item["id"] == without_hours:
            item["serviceHours"] = []
    path.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")


# --- who may see it ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("aino.virtanen", 403), ("liisa.neuvoja", 403), ("olli.jarjestaja", 200), ("anna.yllapitaja", 200)],
)
@pytest.mark.parametrize("endpoint", ["organiser.catalogue", "organiser.quality_download"])
def test_only_organisers_and_admins_get_in(client_request, login_as, persona, expected, endpoint):
    login_as(persona)
    client_request.get(endpoint, _expected_status=expected)


@pytest.mark.parametrize("endpoint", ["organiser.catalogue", "organiser.quality_download"])
def test_anonymous_is_sent_to_log_in(client_request, endpoint):
    response = client_request.get(endpoint, _expected_status=302)
    assert response.headers["Location"].startswith(client_request.url("auth.login"))
    assert "next=" in response.headers["Location"]


def test_the_organisers_home_page_links_to_it(client_request, organiser):
    page = client_request.get("main.home", lang="en")
    link = page.select_one(f".task-list a[href='{client_request.url('organiser.catalogue')}']")
    assert text(link) == "Check the catalogue data"


ORGANISER_PAGES = (
    "organiser.listings",
    "organiser.rules",
    "organiser.capacity",
    "organiser.overrides",
    "mandates.staff_register",
    "organiser.outbox",
    "organiser.catalogue",
    "review.queue",
    "helpline.hours",
)


@pytest.mark.parametrize("endpoint", ORGANISER_PAGES)
def test_every_organiser_page_has_the_same_sub_navigation(client_request, organiser, endpoint):
    page = client_request.get(endpoint, lang="en")
    nav = page.select_one("nav.sub-nav")
    assert [link["href"] for link in nav.select("a")] == [client_request.url(e) for e in ORGANISER_PAGES]
    assert nav.select_one("a[aria-current=page]")["href"] == client_request.url(endpoint)


def test_a_help_line_worker_gets_no_link(client_request, login_as):
    login_as("liisa.neuvoja")
    page = client_request.get("main.home")
    assert not page.select(f"a[href='{client_request.url('organiser.catalogue')}']")


# --- an empty catalogue ------------------------------------------------------------------------------------------


def test_an_empty_database_says_no_import_has_run(client_request, organiser):
    page = client_request.get("organiser.catalogue", lang="en")
    assert page.select_one("h1").text.strip() == "Catalogue data"
    assert "No catalogue import has run yet." in text(card(page, "Last import"))
    assert "No import has succeeded yet" in text(card(page, "Rejected records"))
    assert "No overlay has been loaded yet." in text(card(page, "Overlay"))
    assert "Every approved location is in the catalogue." in text(card(page, "Overlay"))
    assert set(problem_counts(page).values()) == {0}
    assert len(page.select("section.quality-problem")) == 6
    assert all("No units have this problem." in text(s) for s in page.select("section.quality-problem"))


# --- the demo catalogue ------------------------------------------------------------------------------------------


def test_the_last_import_and_its_counts(client_request, organiser, demo_catalogue):
    page = client_request.get("organiser.catalogue", lang="en")
    last = card(page, "Last import")
    assert "Succeeded" in text(last.select_one("dl"))
    assert str(demo_catalogue.out_dir) in text(last.select_one("dl"))
    counts = {
        text(row.select_one("th")): [text(td) for td in row.select("td")]
        for row in last.select("table")[0].select("tbody tr")
    }
    locations = str(demo_catalogue.service_locations)
    assert counts["Service locations"] == [locations, locations, "0", "0"]
    assert counts["Services"][0] == str(demo_catalogue.services)
    assert counts["Organisations"][0] == str(demo_catalogue.organizations)
    assert "Rejected records: 0" in text(last)
    assert "Other channels skipped (not service locations): 1" in text(last)  # the demo's Phone channel
    assert len(last.select("table")[1].select("tbody tr")) == 1
    assert "The last successful import rejected no records." in text(card(page, "Rejected records"))


def test_each_label_of_the_import_and_the_overlay_sits_with_its_value(client_request, organiser, demo_catalogue):
    """The facts grid places one cell per child of the list: a bare dt and dd were two cells, so labels and values
    fell into alternating columns."""
    page = client_request.get("organiser.catalogue", lang="en")
    for title in ("Last import", "Overlay"):
        facts = card(page, title).select_one("dl.facts")
        pairs = {}
        for child in facts.find_all(recursive=False):
            assert child.name == "div" and [tag.name for tag in child.find_all(recursive=False)] == ["dt", "dd"]
            pairs[text(child.dt)] = text(child.dd)
        assert pairs.get("Status", "Succeeded") == "Succeeded" and pairs["Source"]


def test_the_demo_feeds_gaps_are_listed_where_they_belong(client_request, organiser, demo_catalogue):
    page = client_request.get("organiser.catalogue", lang="en")
    expected = gaps(demo_catalogue)
    assert all(expected[section] for section in GAP_SECTIONS.values())  # the demo still has its gaps
    for section in SECTIONS:
        assert listed_ids(page, section) == expected[section], section
    counts = problem_counts(page)
    assert {section: counts[section] for section in SECTIONS} == {s: len(ids) for s, ids in expected.items()}
    assert "No units have this problem." in text(page.select_one("#missing_hours"))
    # Each row names the unit in Finnish and gives its municipality code.
    units = {unit.channel_id: unit for unit in demo_catalogue.units}
    for row in page.select("#missing_phone tbody tr"):
        name, municipality, ptv_id = (text(td) for td in row.select("td"))
        assert (name, municipality) == (units[ptv_id].name_fi, units[ptv_id].municipality_code)
    assert "Service locations in the catalogue: 59" in text(card(page, "Data quality"))


def test_approved_sote_centres_and_dental_units_without_t3(client_request, organiser, demo_catalogue):
    page = client_request.get("organiser.catalogue", lang="en")
    expected = {
        unit.channel_id
        for unit in demo_catalogue.units
        if unit.key in NO_FIGURES and {"sote_centre", "dental_unit"} & set(unit.kinds)
    }
    assert expected  # the demo's unmeasured sote centre; its unmeasured voucher provider needs no T3
    assert listed_ids(page, "approved_without_t3") == expected
    assert problem_counts(page)["approved_without_t3"] == len(expected)


def test_rejected_records_and_units_without_hours(app, client_request, organiser, feed):
    units = {unit.key: unit.channel_id for unit in feed.units}
    break_feed(feed, reject=units["s-jokela"], without_hours=units["d-klaukkala"])
    with app.app_context():
        result = import_catalogue(feed.out_dir)
    assert [r["id"] for r in result.rejected] == [units["s-jokela"]]

    page = client_request.get("organiser.catalogue", lang="en")

    rejected = card(page, "Rejected records")
    assert [text(th) for th in rejected.select("thead th")] == ["Record id", "Field", "Reason (in English)"]
    rows = [[text(td) for td in row.select("td")] for row in rejected.select("tbody tr")]
    assert rows == [[units["s-jokela"], result.rejected[0]["field"], result.rejected[0]["reason"]]]
    assert rejected.select_one("tbody td[lang=en]")
    assert "Rejected records: 1" in text(card(page, "Last import"))
    assert listed_ids(page, "missing_hours") == {units["d-klaukkala"]}


def test_rejected_records_come_from_the_last_import_that_succeeded(app, client_request, organiser, feed, tmp_path):
    units = {unit.key: unit.channel_id for unit in feed.units}
    break_feed(feed, reject=units["s-jokela"], without_hours=units["d-klaukkala"])
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "page.json").write_text('{"itemList": [', encoding="utf-8")
    with app.app_context():
        import_catalogue(feed.out_dir)
        with pytest.raises(ImportFailed):
            import_catalogue(broken)

    page = client_request.get("organiser.catalogue", lang="en")

    last = card(page, "Last import")
    assert "Failed" in text(last.select_one("dl"))
    assert [text(row.select("td")[1]) for row in last.select("table")[1].select("tbody tr")] == ["Failed", "Succeeded"]
    assert units["s-jokela"] in text(card(page, "Rejected records"))


def test_the_recent_imports_table_shows_ten(app, client_request, organiser):
    with app.app_context():
        for number in range(12):
            db.session.add(CatalogueImport(source=f"feed-{number:02d}", mode="full", status="succeeded", counts="{}"))
        db.session.commit()
    page = client_request.get("organiser.catalogue", lang="en")
    sources = [text(row.select("td")[-1]) for row in card(page, "Last import").select("table")[1].select("tbody tr")]
    assert sources == [f"feed-{number:02d}" for number in range(11, 1, -1)]


def test_the_overlay_section(app, client_request, organiser, feed, tmp_path):
    extra = OverlayEntry(
        channel_id=UNKNOWN_ID, kinds=(Kind.DENTAL_UNIT,), voucher_services=(), accepts_new_clients=True
    )
    overlay = Overlay((*demo_overlay(TODAY).entries, extra))
    with app.app_context():
        import_catalogue(feed.out_dir)
        load_overlay(write_overlay(overlay, tmp_path / "overlay.json"))

    page = client_request.get("organiser.catalogue", lang="en")

    section = card(page, "Overlay")
    assert str(tmp_path / "overlay.json") in text(section)
    count = len(overlay.entries)
    assert f"{count} added, 0 changed, 0 removed" in text(section)
    assert [text(code) for code in section.select("ul code")] == [UNKNOWN_ID]
    # An approved dental unit without T3 that PTV lacks is still a gap in the organiser's own data.
    assert UNKNOWN_ID in listed_ids(page, "approved_without_t3")


def test_long_lists_are_cut_and_say_how_many_more(client_request, organiser, demo_catalogue, monkeypatch):
    monkeypatch.setattr("portal.organiser.services.LISTED", 1)
    page = client_request.get("organiser.catalogue", lang="en")
    section = page.select_one("#missing_name_sv")
    assert len(section.select("tbody tr")) == 1
    assert "Showing the first 1 of 2 units. The CSV file has them all." in text(section)
    assert problem_counts(page)["missing_name_sv"] == 2


# --- the CSV download --------------------------------------------------------------------------------------------


def test_the_csv_has_every_problem_row(client_request, organiser, demo_catalogue):
    response = client_request.get("organiser.quality_download", lang="en")

    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.is_streamed
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))
    assert rows[0] == ["Problem", "PTV id", "Finnish name", "Swedish name", "Municipality code"]
    units = {unit.channel_id: unit for unit in demo_catalogue.units}
    expected = {(section, ptv_id) for section, ids in gaps(demo_catalogue).items() for ptv_id in ids}
    expected |= {
        ("approved_without_t3", unit.channel_id)
        for unit in demo_catalogue.units
        if unit.key in NO_FIGURES and {"sote_centre", "dental_unit"} & set(unit.kinds)
    }
    assert {(row[0], row[1]) for row in rows[1:]} == expected
    assert len(rows) - 1 == len(expected)
    for problem, ptv_id, name_fi, name_sv, municipality in rows[1:]:
        assert (name_fi, municipality) == (units[ptv_id].name_fi, units[ptv_id].municipality_code)
        assert (name_sv == "") == (problem == "missing_name_sv")


def test_the_csv_of_an_empty_catalogue_has_only_its_header(client_request, organiser):
    response = client_request.get("organiser.quality_download", lang="en")
    assert response.get_data(as_text=True) == "\ufeffProblem,PTV id,Finnish name,Swedish name,Municipality code\r\n"
