"""The demo organiser overlay: valid in both formats, and about the demo feed's own locations."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from adapters.overlay import Kind, Overlay, Period, parse_overlay
from portal.demo.overlay import measurement_periods, write_demo_overlay
from portal.demo.ptv_feed import FeedSummary
from tests.demo.feed_helpers import TODAY, classify

Records = dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def overlay_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("overlay")
    write_demo_overlay(directory / "overlay.csv", TODAY)
    write_demo_overlay(directory / "overlay.json", TODAY)
    return directory / "overlay.csv", directory / "overlay.json"


@pytest.fixture(scope="module")
def overlay(overlay_files: tuple[Path, Path]) -> Overlay:
    return parse_overlay(overlay_files[0])


def test_csv_and_json_demo_overlays_say_the_same(overlay_files: tuple[Path, Path], overlay: Overlay) -> None:
    assert parse_overlay(overlay_files[1]) == overlay
    assert len(overlay) > 50


def test_refers_only_to_demo_locations_and_agrees_with_the_feed(overlay: Overlay, demo_records: Records) -> None:
    found = classify(demo_records)
    assert overlay.channel_ids() <= found.keys()
    for entry in overlay.entries:
        assert {k.value for k in entry.kinds} == found[entry.channel_id]["kinds"], entry.label
        assert {v.value for v in entry.voucher_services} == found[entry.channel_id]["vouchers"], entry.label


def test_approves_most_units_and_every_voucher_provider(overlay: Overlay, demo_feed: FeedSummary) -> None:
    for kind in (Kind.SOTE_CENTRE, Kind.DENTAL_UNIT):
        units = {u.channel_id for u in demo_feed.units if kind.value in u.kinds}
        approved = overlay.channel_ids(kind)
        assert approved < units and len(approved) >= 0.9 * len(units)
    providers = {u.channel_id for u in demo_feed.units if "voucher_provider" in u.kinds}
    assert overlay.channel_ids(Kind.VOUCHER_PROVIDER) == providers


def test_a_few_are_full_and_most_have_quality_figures(overlay: Overlay) -> None:
    full = [e for e in overlay.entries if not e.accepts_new_clients]
    assert 2 <= len(full) <= 3
    with_survey = [e for e in overlay.entries if e.satisfaction and e.nps]
    assert len(with_survey) >= 0.9 * len(overlay)
    appointments = [e for e in overlay.entries if {Kind.SOTE_CENTRE, Kind.DENTAL_UNIT} & set(e.kinds)]
    assert sum(e.t3 is not None for e in appointments) >= 0.9 * len(appointments)
    assert all(e.t3 is None for e in overlay.entries if e.kinds == (Kind.VOUCHER_PROVIDER,))
    t3_period, survey_period = measurement_periods(TODAY)
    assert (t3_period, survey_period) == (
        Period(date(2025, 7, 1), date(2025, 9, 30)),
        Period(date(2025, 4, 1), date(2025, 9, 30)),
    )
    for entry in with_survey:
        assert entry.satisfaction.period == entry.nps.period == survey_period
        assert 1 <= entry.satisfaction.value <= 5 and -100 <= entry.nps.value <= 100
        assert entry.nps.responses <= entry.satisfaction.responses


def test_same_seed_and_day_give_the_same_bytes(tmp_path: Path, overlay_files: tuple[Path, Path]) -> None:
    for original in overlay_files:
        again = tmp_path / original.name
        write_demo_overlay(again, TODAY)
        assert again.read_bytes() == original.read_bytes()


def test_quarters_at_the_turn_of_the_year() -> None:
    assert measurement_periods(date(2026, 1, 10)) == (
        Period(date(2025, 10, 1), date(2025, 12, 31)),
        Period(date(2025, 7, 1), date(2025, 12, 31)),
    )
