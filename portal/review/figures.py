"""Figures of flags and feedback for the organiser: per provider, category and month, as SVG charts and CSV.

Everything is counted in SQL (GROUP BY); Python only names the rows and fills the months with no flags. A flag that
involves two providers counts once for each of them, so the provider figures may add up to more than the flags.
Months are calendar months of the flags' sending times as stored (UTC): a flag sent in the first hours of a month,
Finnish time, may count for the month before.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask import Response, abort, request
from flask_babel import gettext as _
from sqlalchemy import extract, func, select

from portal.auth.access import role_required
from portal.choice.rules import add_months
from portal.compare.names import content_language_of, unit_names
from portal.compare.units import today_in_helsinki
from portal.extensions import db
from portal.feedback.services import (
    UnitScore,
    period_of,
    period_words,
    periods_with_answers,
    signed,
    texts,
    unit_scores,
)
from portal.flags.settings import load_flag_settings
from portal.htmx import render_page
from portal.i18n import current_language, keeps_query
from portal.models import Flag, FlagProvider
from portal.models.flags import CATEGORIES
from portal.review import bp
from portal.review.labels import CATEGORY_LABELS

ROLES = ("organiser", "admin")
MONTH_CHOICES = (3, 6, 12, 24)
DEFAULT_MONTHS = 12
TABLES = ("provider", "category", "month")
CHART_ROWS = 15  # the providers and units with the most flags or answers; the tables hold every row


# --- flags -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderRow:
    provider_id: str
    name: str
    language: str  # the language the name is in, for a lang attribute when it is not the page's
    flags: int


@dataclass(frozen=True)
class FlagFigures:
    months: int
    since: date  # the first day counted
    total: int
    providers: list[ProviderRow]
    categories: list[tuple[str, int]]  # (category, flags), every category in the form's order
    by_month: list[tuple[date, int]]  # (first day of the month, flags), every month of the range


def parse_months(value: str | None) -> int | None:
    if value is None or value == "":
        return DEFAULT_MONTHS
    return int(value) if value in {str(months) for months in MONTH_CHOICES} else None


def flag_figures(months: int, today: date, language: str) -> FlagFigures:
    """Flags sent in the last `months` calendar months (this month included), counted per provider, category and
    month."""
    first = add_months(today.replace(day=1), -(months - 1))
    since = datetime(first.year, first.month, 1)
    recent = Flag.created_at >= since

    total = db.session.scalar(select(func.count(Flag.id)).where(recent)) or 0

    per_provider = db.session.execute(
        select(FlagProvider.provider_id, func.max(FlagProvider.provider_name), func.count(func.distinct(Flag.id)))
        .join(Flag, Flag.id == FlagProvider.flag_id)
        .where(recent)
        .group_by(FlagProvider.provider_id)
    ).all()
    names = unit_names(
        [provider_id for provider_id, _name, _count in per_provider],
        language,
        {provider_id: (name, None) for provider_id, name, _count in per_provider},
    )
    providers = [
        ProviderRow(provider_id, names[provider_id].text or name, names[provider_id].language, int(count))
        for provider_id, name, count in per_provider
    ]
    providers.sort(key=lambda row: (-row.flags, row.name.casefold(), row.provider_id))

    per_category = dict(
        db.session.execute(select(Flag.category, func.count(Flag.id)).where(recent).group_by(Flag.category)).all()
    )
    categories = [(category, int(per_category.get(category, 0))) for category in CATEGORIES]
    categories += [(category, int(count)) for category, count in per_category.items() if category not in CATEGORIES]

    year, month = extract("year", Flag.created_at), extract("month", Flag.created_at)
    counted = {
        (int(y), int(m)): int(count)
        for y, m, count in db.session.execute(
            select(year, month, func.count(Flag.id)).where(recent).group_by(year, month)
        ).all()
    }
    by_month = []
    for step in range(months):
        day = add_months(first, step)
        by_month.append((day, counted.get((day.year, day.month), 0)))
    return FlagFigures(months, first, int(total), providers, categories, by_month)


@bp.route("/figures")
@role_required(*ROLES)
@keeps_query("months")
def figures():
    months = parse_months(request.args.get("months"))
    valid = months is not None
    figures = flag_figures(months or DEFAULT_MONTHS, today_in_helsinki(), current_language())
    return render_page(
        "views/review/figures.html",
        status=200 if valid else 400,
        valid=valid,
        figures=figures,
        month_choices=MONTH_CHOICES,
        category_labels=CATEGORY_LABELS,
        chart_rows=CHART_ROWS,
        content_language=content_language_of(current_language()),
    )


@bp.route("/figures.csv")
@role_required(*ROLES)
def figures_download():
    months = parse_months(request.args.get("months"))
    table = request.args.get("table", TABLES[0])
    if months is None or table not in TABLES:
        abort(400)
    found = flag_figures(months, today_in_helsinki(), current_language())
    rows: list[Sequence[object]]
    if table == "provider":
        rows = [[_("Provider id"), _("Provider"), _("Flags")]]
        rows += [[row.provider_id, row.name, row.flags] for row in found.providers]
    elif table == "category":
        rows = [[_("Category"), _("Flags")]]
        rows += [[str(CATEGORY_LABELS.get(category, category)), count] for category, count in found.categories]
    else:
        rows = [[_("Month"), _("Flags")]]
        rows += [[day.strftime("%Y-%m"), count] for day, count in found.by_month]
    filename = f"flags-{table}-{found.since.strftime('%Y-%m')}-{found.months}m.csv"
    return _csv(rows, filename)


# --- feedback ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackRow:
    location_id: str
    name: str
    language: str
    score: UnitScore

    @property
    def signed(self) -> str:
        return signed(self.score.nps)


def feedback_rows(period: str, language: str) -> list[FeedbackRow]:
    scores = unit_scores(period)
    names = unit_names(scores, language)
    rows = [
        FeedbackRow(location_id, names[location_id].text or location_id, names[location_id].language, score)
        for location_id, score in scores.items()
    ]
    return sorted(rows, key=lambda row: (-row.score.answers, row.name.casefold(), row.location_id))


def _period_arg(today: date) -> tuple[str, list[str], bool]:
    """(the period asked for, the periods to choose from, whether the asked one is valid)."""
    current = period_of(today)
    periods = sorted({current, *periods_with_answers()}, reverse=True)
    period = request.args.get("period") or current
    if period not in periods:
        return current, periods, False
    return period, periods, True


@bp.route("/feedback")
@role_required(*ROLES)
@keeps_query("period", "unit")
def feedback():
    period, periods, valid = _period_arg(today_in_helsinki())
    language = current_language()
    rows = feedback_rows(period, language)
    chosen_id = request.args.get("unit") or None
    chosen = next((row for row in rows if row.location_id == chosen_id), None)
    return render_page(
        "views/review/feedback.html",
        status=200 if valid else 400,
        valid=valid,
        period=period,
        period_label=period_words(period),
        periods=[(value, period_words(value)) for value in periods],
        rows=rows,
        chosen=chosen,
        chosen_id=chosen_id,
        texts=texts(chosen.location_id, period) if chosen else [],
        minimum=load_flag_settings().feedback_min_answers,
        chart_rows=CHART_ROWS,
        content_language=content_language_of(language),
    )


@bp.route("/feedback.csv")
@role_required(*ROLES)
def feedback_download():
    period, _periods, valid = _period_arg(today_in_helsinki())
    if not valid:
        abort(400)
    header = [_("Period"), _("PTV id"), _("Unit"), _("Answers"), _("Promoters (9–10)"), _("Passives (7–8)")]
    header += [_("Detractors (0–6)"), _("Net promoter score")]
    rows: list[Sequence[object]] = [header]
    for row in feedback_rows(period, current_language()):
        score = row.score
        nps = "" if score.nps is None else score.nps  # a plain number: -40 is a number, not a formula
        rows.append([period, row.location_id, row.name, score.answers, score.promoters, score.passives])
        rows[-1] = [*rows[-1], score.detractors, nps]
    return _csv(rows, f"feedback-{period}.csv")


# --- CSV ---------------------------------------------------------------------------------------------------------


def _csv(rows: Iterable[Sequence[object]], filename: str) -> Response:
    out = io.StringIO()
    out.write("\ufeff")  # the byte-order mark makes Excel read the file as UTF-8
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        # Numbers are ours; every text (a provider's name as the flagger typed it, say) is guarded.
        writer.writerow([value if isinstance(value, int) else _cell(str(value)) for value in row])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _cell(text: str) -> str:
    """A spreadsheet must never read a cell as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
