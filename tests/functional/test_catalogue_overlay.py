"""`flask catalogue overlay FILE`: the organiser's overlay replaces the approvals, all or nothing; and the filter facts
the importer derives for each service location."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapters.overlay import Figure, Kind, Overlay, OverlayEntry, Period, write_overlay
from portal.catalogue.importer import import_catalogue
from portal.demo.overlay import FULL, NO_FIGURES, NOT_APPROVED, demo_overlay
from portal.demo.ptv_feed import (
    ENTRANCE_GROUP,
    ENTRANCE_NAME,
    ROUTE_GROUP,
    FeedSummary,
    entrance,
    opening_row,
    service_hour,
    write_demo_feed,
)
from portal.extensions import db
from portal.models import CatalogueApproval, CatalogueLocation, CatalogueOverlayLoad

TODAY = date(2025, 11, 20)
UNKNOWN_ID = "0badc0de-0000-4000-8000-000000000001"


@pytest.fixture
def feed(tmp_path: Path) -> FeedSummary:
    """The demo PTV feed, written (not yet imported)."""
    return write_demo_feed(tmp_path / "feed", TODAY)


@pytest.fixture
def catalogue(app, feed: FeedSummary) -> FeedSummary:
    """The demo PTV feed, imported into the catalogue."""
    with app.app_context():
        import_catalogue(feed.out_dir)
    return feed


def run_overlay(app, path: Path):
    return app.test_cli_runner().invoke(args=["catalogue", "overlay", str(path)])


def approvals(app) -> dict[str, dict]:
    """Every approval row, every column."""
    columns = [column.name for column in CatalogueApproval.__table__.columns]
    with app.app_context():
        return {
            row.location_id: {name: getattr(row, name) for name in columns}
            for row in db.session.scalars(select(CatalogueApproval))
        }


def overlay_loads(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CatalogueOverlayLoad))


def unit_ids(feed: FeedSummary, keys) -> set[str]:
    return {unit.channel_id for unit in feed.units if unit.key in keys}


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_the_demo_overlay_loads(app, catalogue, tmp_path, suffix):
    overlay = write_overlay(demo_overlay(TODAY), tmp_path / f"overlay{suffix}")
    expected = demo_overlay(TODAY)

    result = run_overlay(app, overlay)

    assert result.exit_code == 0, result.output
    count = len(expected.entries)
    assert f"Overlay loaded: {count} approved locations ({count} added, 0 changed, 0 removed)." in result.output
    assert "not in the imported catalogue" not in result.output
    rows = approvals(app)
    assert set(rows) == {entry.channel_id for entry in expected.entries}
    assert not set(rows) & unit_ids(catalogue, NOT_APPROVED)
    for entry in expected.entries:
        row = rows[entry.channel_id]
        assert row["kinds"] == " ".join(entry.kinds)
        assert row["voucher_services"] == " ".join(entry.voucher_services)
        assert row["accepts_new_clients"] is entry.accepts_new_clients
        assert row["label"] == entry.label
        for name, figure in (("t3", entry.t3), ("satisfaction", entry.satisfaction), ("nps", entry.nps)):
            value = row["t3_days" if name == "t3" else name]
            assert value == (figure.value if figure else None)
            assert (row[f"{name}_start"], row[f"{name}_end"]) == (
                (figure.period.start, figure.period.end) if figure else (None, None)
            )
        assert row["satisfaction_responses"] == (entry.satisfaction.responses if entry.satisfaction else None)


def test_the_demo_overlay_says_what_the_demo_means(app, catalogue, tmp_path):
    """Spot checks against the demo's own words: kinds, full units, units without figures."""
    assert run_overlay(app, write_overlay(demo_overlay(TODAY), tmp_path / "overlay.csv")).exit_code == 0
    rows = approvals(app)
    by_key = {unit.key: unit.channel_id for unit in catalogue.units}
    assert rows[by_key["s-porvoo"]]["kinds"] == "sote_centre"
    assert rows[by_key["d-purenta-porvoo"]]["kinds"] == "dental_unit voucher_provider"
    assert rows[by_key["d-purenta-porvoo"]]["voucher_services"] == "dental_prosthetics"
    assert rows[by_key["v-kotikaari-hyvinkaa"]]["voucher_services"] == "home_care home_nursing"
    assert rows[by_key["v-kotikaari-hyvinkaa"]]["t3_days"] is None  # T3 is only for sote centres and dental units
    assert {key for key, cid in by_key.items() if cid in rows and not rows[cid]["accepts_new_clients"]} == FULL
    assert {key for key, cid in by_key.items() if cid in rows and rows[cid]["satisfaction"] is None} == NO_FIGURES
    assert 1 <= rows[by_key["s-porvoo"]]["satisfaction"] <= 5


def test_loading_the_same_overlay_again_changes_nothing(app, catalogue, tmp_path):
    overlay = write_overlay(demo_overlay(TODAY), tmp_path / "overlay.csv")
    assert run_overlay(app, overlay).exit_code == 0
    before = approvals(app)

    again = run_overlay(app, overlay)

    assert again.exit_code == 0, again.output
    count = len(before)
    assert f"Overlay loaded: {count} approved locations (0 added, 0 changed, 0 removed)." in again.output
    assert approvals(app) == before
    assert overlay_loads(app) == 2


def test_a_new_overlay_reports_what_it_added_changed_and_removed(app, catalogue, tmp_path):
    first = demo_overlay(TODAY)
    assert run_overlay(app, write_overlay(first, tmp_path / "first.csv")).exit_code == 0
    entries = list(first.entries)
    removed = entries.pop()
    # A new quarter: the same T3 figure measured over a new period is still a change residents see.
    t3 = next(i for i, e in enumerate(entries) if e.t3 is not None)
    new_period = Period(date(2025, 10, 1), date(2025, 10, 31))
    entries[t3] = dataclasses.replace(entries[t3], t3=Figure(entries[t3].t3.value, new_period))
    full = next(i for i, e in enumerate(entries) if e.accepts_new_clients and i != t3)
    entries[full] = dataclasses.replace(entries[full], accepts_new_clients=False)

    result = run_overlay(app, write_overlay(Overlay(tuple(entries)), tmp_path / "second.csv"))

    assert result.exit_code == 0, result.output
    assert "(0 added, 2 changed, 1 removed)" in result.output
    rows = approvals(app)
    assert removed.channel_id not in rows
    assert rows[entries[t3].channel_id]["t3_start"] == new_period.start
    assert rows[entries[full].channel_id]["accepts_new_clients"] is False


def test_an_invalid_overlay_is_refused_whole_and_the_previous_one_stays(app, catalogue, tmp_path):
    valid = write_overlay(demo_overlay(TODAY), tmp_path / "overlay.csv")
    assert run_overlay(app, valid).exit_code == 0
    before = approvals(app)
    lines = valid.read_text(encoding="utf-8").splitlines()
    # Row 2 gets a misspelt kind, row 3 an impossible date; every other row stays valid.
    lines[1] = lines[1].replace("sote_centre", "sote_center", 1)
    assert "sote_center" in lines[1]
    cells = lines[2].split(",")
    date_column = lines[0].split(",").index("satisfaction_period_end")
    assert cells[date_column]
    cells[date_column] = "2025-02-30"
    lines[2] = ",".join(cells)
    broken = tmp_path / "broken.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = run_overlay(app, broken)

    assert result.exit_code != 0
    assert "The overlay was not loaded; the previous one stays in force." in result.output
    assert "line 2: kinds: unknown kind 'sote_center'" in result.output
    assert "line 3: satisfaction_period_end: '2025-02-30' is not a date" in result.output
    assert approvals(app) == before
    assert overlay_loads(app) == 1


def test_a_missing_file_is_refused(app, catalogue, tmp_path):
    result = run_overlay(app, tmp_path / "no-such-overlay.csv")
    assert result.exit_code != 0
    assert "The overlay was not loaded" in result.output
    assert approvals(app) == {}


def test_an_approved_location_missing_from_the_catalogue_is_listed(app, catalogue, tmp_path):
    extra = OverlayEntry(
        channel_id=UNKNOWN_ID, kinds=(Kind.SOTE_CENTRE,), voucher_services=(), accepts_new_clients=True
    )
    overlay = Overlay((*demo_overlay(TODAY).entries, extra))

    result = run_overlay(app, write_overlay(overlay, tmp_path / "overlay.json"))

    assert result.exit_code == 0, result.output
    assert f"1 approved locations are not in the imported catalogue:\n  - {UNKNOWN_ID}\n" in result.output
    assert UNKNOWN_ID in approvals(app)  # the organiser's word stands; the catalogue page reports the id


# --- filter facts derived at import ----------------------------------------------------------------------------

# Demo units by opening-hour profile: (open in the evening, open at the weekend).
DERIVED_HOURS = {
    "s-kevatkumpu": (False, False),  # public_sote: Mon-Fri 8-16
    "s-porvoo": (True, False),  # public_sote_evening: Mon-Thu until 20
    "s-kuutamo-hyvinkaa": (True, True),  # private_sote: until 20, Saturday 9-15
    "d-hammasrivi-hyvinkaa": (False, False),  # private_dental: Mon-Thu until 18:00 exactly
    "d-hyvinkaa": (True, False),  # public_dental_evening: Tuesday until 19
    "v-kotikaari-hyvinkaa": (True, True),  # home nursing nights, over midnight
    "v-hoivakeha-hyvinkaa": (True, True),  # round the clock
    "v-kaarna-hyvinkaa": (False, False),  # by appointment only
}


def test_the_importer_stores_the_derived_hours_facts(app, catalogue):
    ids = {unit.key: unit.channel_id for unit in catalogue.units}
    with app.app_context():
        for key, expected in DERIVED_HOURS.items():
            row = db.session.get(CatalogueLocation, ids[key])
            assert (row.open_evenings, row.open_weekends) == expected, key


def _sentences(*pairs: tuple[str, str]) -> list:
    return [{"fi": fi, "sv": sv} for fi, sv in pairs]


def test_the_importer_derives_step_free_entrances_and_weekend_nights_from_the_feed(app, feed):
    """Handcrafted channels in the real v11 shape: entrance sentences and an OverMidnight weekend span."""
    page_path = feed.out_dir / "channels-0001.json"
    page = json.loads(page_path.read_text(encoding="utf-8"))
    channels = {item["id"]: item for item in page["itemList"]}
    ids = {unit.key: unit.channel_id for unit in feed.units}
    level = ("Sisäänkäynti on maan tasossa, ei portaita.", "Ingången är i marknivå, inga trappor.")
    steps = ("Sisäänkäynnissä on neljä porrasta eikä luiskaa.", "Vid ingången finns fyra trappsteg och ingen ramp.")
    route_ramp = (
        "Reitillä on luiska, jonka kaltevuus on alle 5 %.",
        "På rutten finns en ramp med en lutning under 5 %.",
    )
    cases = {
        "s-hyvinkaa": ([(ENTRANCE_GROUP, _sentences(level))], True),
        "s-porvoo": ([(ROUTE_GROUP, _sentences(route_ramp)), (ENTRANCE_GROUP, _sentences(steps))], False),
        "s-nikkila": ([], False),
    }
    for key, (groups, _expected) in cases.items():
        address = channels[ids[key]]["addresses"][0]
        address["entrances"] = (
            [entrance(name=ENTRANCE_NAME, latitude=None, longitude=None, groups=groups)] if groups else []
        )
    weekend = service_hour("OverMidnight", rows=[opening_row("Friday", "16:00", "8:00", day_to="Monday")])
    channels[ids["s-nikkila"]]["serviceHours"] = [weekend]
    page_path.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")

    with app.app_context():
        import_catalogue(feed.out_dir)
        for key, (_groups, expected) in cases.items():
            assert db.session.get(CatalogueLocation, ids[key]).accessible_entrance is expected, key
        nikkila = db.session.get(CatalogueLocation, ids["s-nikkila"])
        assert (nikkila.open_evenings, nikkila.open_weekends) == (True, True)
