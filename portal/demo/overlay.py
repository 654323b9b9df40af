"""The organiser overlay that goes with the demo feed of `portal.demo.ptv_feed`.

Most demo sote centres and dental units are approved, every voucher provider is approved for the voucher services
its PTV services say, a few locations are full (not accepting new clients), two are still waiting for approval
(left out), and two are too new to have quality figures. Figures are for the periods just before `today`: T3 for
the previous calendar quarter, client satisfaction and NPS for the previous two quarters.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from adapters.overlay import Figure, Kind, Overlay, OverlayEntry, Period, VoucherService, parse_overlay, write_overlay
from portal.demo.ptv_feed import DEFAULT_SEED, DemoUnit, demo_units

NOT_APPROVED = frozenset({"s-kanerva-mantsala", "d-hammasrivi-lohja"})  # approval still pending
FULL = frozenset({"s-nurmijarvi", "s-kuutamo-jarvenpaa", "d-strandvik-nikkila"})  # not accepting new clients
NO_FIGURES = frozenset({"s-kylaterveys-pornainen", "v-omenapuu-kellokoski"})  # too new to have been measured

# T3 ranges (days) by kind and by who runs the unit: public units queue longer in the demo, as they tend to.
_T3_DAYS = {
    (Kind.SOTE_CENTRE, True): (7, 35),
    (Kind.SOTE_CENTRE, False): (1, 10),
    (Kind.DENTAL_UNIT, True): (14, 60),
    (Kind.DENTAL_UNIT, False): (3, 21),
}


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def measurement_periods(today: date) -> tuple[Period, Period]:
    """(T3 period, survey period): the last full quarter, and the last two full quarters, before `today`."""
    this_quarter = quarter_start(today)
    last_quarter = quarter_start(this_quarter - timedelta(days=1))
    quarter_before = quarter_start(last_quarter - timedelta(days=1))
    end = this_quarter - timedelta(days=1)
    return Period(last_quarter, end), Period(quarter_before, end)


def _entry(unit: DemoUnit, today: date, seed: int) -> OverlayEntry:
    rng = random.Random(f"{seed}/overlay/{unit.key}")  # noqa: S311  seeded, reproducible demo data  # nosec B311
    kinds = tuple(k for k in Kind if k.value in unit.kinds)
    vouchers = tuple(v for v in VoucherService if v.value in unit.voucher_services)
    t3 = satisfaction = nps = None
    if unit.key not in NO_FIGURES:
        t3_period, survey_period = measurement_periods(today)
        appointment_kind = next((k for k in kinds if k in (Kind.SOTE_CENTRE, Kind.DENTAL_UNIT)), None)
        if appointment_kind is not None:
            t3 = Figure(rng.randint(*_T3_DAYS[appointment_kind, unit.is_public]), t3_period)
        answers = rng.randint(40, 600)
        satisfaction = Figure(round(rng.uniform(3.6, 4.8), 1), survey_period, answers)
        nps = Figure(rng.randint(-5, 72), survey_period, answers - rng.randint(0, answers // 10))
    return OverlayEntry(
        channel_id=unit.channel_id,
        kinds=kinds,
        voucher_services=vouchers,
        accepts_new_clients=unit.key not in FULL,
        t3=t3,
        satisfaction=satisfaction,
        nps=nps,
        label=unit.name_fi,
    )


def demo_overlay(today: date, seed: int = DEFAULT_SEED) -> Overlay:
    """The demo overlay for the demo feed written with the same `seed`."""
    return Overlay(tuple(_entry(unit, today, seed) for unit in demo_units(seed) if unit.key not in NOT_APPROVED))


def write_demo_overlay(out_path: Path, today: date, seed: int = DEFAULT_SEED) -> Overlay:
    """Write the demo overlay as .csv or .json (by suffix) and return it as the validator reads it back."""
    write_overlay(demo_overlay(today, seed), out_path)
    return parse_overlay(out_path)
