"""How long a budget lasts at the current pace, and the chart of it: pure arithmetic, no database, no Flask.

The pace is what was spent (paid and reserved, never cancelled) from the start of the period to today, per day.
A share runs out on the day the pace would spend what is left; a share spending nothing never runs out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

CHART_WIDTH, CHART_HEIGHT = 600, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 72, 16, 16, 40


@dataclass(frozen=True)
class Forecast:
    spent_cents: int
    left_cents: int
    per_day_cents: float
    runs_out_on: date | None  # None: lasts past the end of the period at this pace
    period_end: date

    @property
    def lasts(self) -> bool:
        return self.runs_out_on is None

    @property
    def days_short(self) -> int:
        """How many days before the period ends the money runs out (0 when it lasts)."""
        return 0 if self.runs_out_on is None else (self.period_end - self.runs_out_on).days


def forecast(total_cents: int, spent_cents: int, start: date, end: date, today: date) -> Forecast:
    elapsed = (min(today, end) - start).days + 1
    left = total_cents - spent_cents
    if elapsed <= 0:
        return Forecast(spent_cents, left, 0.0, None, end)
    per_day = spent_cents / elapsed
    if left <= 0:
        return Forecast(spent_cents, left, per_day, min(today, end), end)
    if per_day <= 0:
        return Forecast(spent_cents, left, per_day, None, end)
    runs_out = min(today, end) + timedelta(days=math.floor(left / per_day))
    return Forecast(spent_cents, left, per_day, runs_out if runs_out < end else None, end)


@dataclass(frozen=True)
class Point:
    x: float
    y: float


@dataclass(frozen=True)
class Chart:
    """Coordinates for templates/components/wallet.html's SVG: cumulative spending by month, the pace carried on to
    the end of the period, and the budget's total as a line."""

    width: int
    height: int
    actual: list[Point]
    projected: list[Point]
    total_y: float
    x_ticks: list[tuple[float, date]]
    y_ticks: list[tuple[float, int]]  # (y, cents)
    plot_left: int
    plot_right: int
    plot_bottom: int

    @property
    def actual_path(self) -> str:
        return _path(self.actual)

    @property
    def projected_path(self) -> str:
        return _path(self.projected)


def chart(
    total_cents: int, cumulative: list[tuple[date, int]], start: date, end: date, today: date, result: Forecast
) -> Chart:
    """`cumulative`: (last day of each month so far, spent by then), in order."""
    days = max((end - start).days, 1)
    top = max(total_cents, cumulative[-1][1] if cumulative else 0, 1)
    if result.per_day_cents > 0:
        top = max(top, int(result.spent_cents + result.per_day_cents * max((end - min(today, end)).days, 0)))
    plot_w = CHART_WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = CHART_HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(day: date) -> float:
        return round(PAD_LEFT + plot_w * min(max((day - start).days, 0), days) / days, 1)

    def y(cents: float) -> float:
        return round(PAD_TOP + plot_h * (1 - cents / top), 1)

    actual = [Point(x(start), y(0))] + [Point(x(day), y(cents)) for day, cents in cumulative]
    now = min(today, end)
    projected = []
    if today < end:
        projected = [
            Point(x(now), y(result.spent_cents)),
            Point(x(end), y(result.spent_cents + result.per_day_cents * (end - now).days)),
        ]
    months = _month_starts(start, end)
    step = max(1, math.ceil(len(months) / 6))
    step_cents = _nice_step(top / 4)
    return Chart(
        CHART_WIDTH,
        CHART_HEIGHT,
        actual,
        projected,
        y(total_cents),
        [(x(day), day) for day in months[::step]],
        [(y(value), value) for value in range(0, top + 1, step_cents)],
        PAD_LEFT,
        CHART_WIDTH - PAD_RIGHT,
        CHART_HEIGHT - PAD_BOTTOM,
    )


def _path(points: list[Point]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{p.x},{p.y}" for i, p in enumerate(points))


def _month_starts(start: date, end: date) -> list[date]:
    found, day = [], start.replace(day=1)
    while day <= end:
        if day >= start:
            found.append(day)
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return found or [start]


def _nice_step(raw: float) -> int:
    """A round step in cents for the axis: 1, 2 or 5 times a power of ten euros."""
    if raw <= 100:
        return 100
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return int(factor * magnitude)
    return int(10 * magnitude)
