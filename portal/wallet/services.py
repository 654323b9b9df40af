"""What the wallet pages show: each voucher and budget of a person, what is left, what each provider costs them,
and how long a budget lasts. Reads only; the importer writes (portal/wallet/importer.py), refusing is in refusal.py.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from sqlalchemy import case, extract, func, select

from portal.compare.index import current_index
from portal.compare.names import unit_names
from portal.compare.places import home_place
from portal.compare.search import haversine_km
from portal.extensions import db
from portal.models import Budget, BudgetAllocation, BudgetTransaction, Person, Voucher
from portal.wallet.forecast import Chart, Forecast, chart, forecast

SPENDING = ("paid", "reserved")  # a cancelled transaction spends nothing
MONTH_OF_DAY = (extract("year", BudgetTransaction.day), extract("month", BudgetTransaction.day))
TRANSACTIONS_PER_PAGE = 50


@dataclass(frozen=True)
class Offer:
    """A provider that accepts a voucher, and what it costs the holder there."""

    provider_id: str
    name: str
    linked: bool  # the catalogue has the unit: its name links to the unit page
    price_cents: int | None
    cost_cents: int | None  # to the holder per unit; None when a service voucher's provider has announced no price
    distance_km: float | None


@dataclass
class VoucherView:
    voucher: Voucher
    name: str  # the service, in the reader's language
    status: str  # valid, not_yet, expired, refused, refusal_requested
    days_left: int
    units_left: int | None
    cents_left: int | None
    offers: list[Offer] = field(default_factory=list)

    @property
    def unit_value_cents(self) -> int | None:
        v = self.voucher
        if v.value_per_unit_cents is not None:
            return v.value_per_unit_cents
        if v.value_total_cents is not None and v.units_granted:
            return v.value_total_cents // v.units_granted
        return v.value_total_cents


@dataclass(frozen=True)
class Share:
    """One allocation of a budget, with its spending and forecast."""

    service_code: str
    name: str
    amount_cents: int
    paid_cents: int
    reserved_cents: int
    forecast: Forecast

    @property
    def left_cents(self) -> int:
        return self.amount_cents - self.paid_cents - self.reserved_cents


@dataclass
class BudgetView:
    budget: Budget
    status: str  # valid, not_yet, ended, refused, refusal_requested
    days_left: int
    paid_cents: int
    reserved_cents: int
    shares: list[Share]
    forecast: Forecast
    chart: Chart | None

    @property
    def left_cents(self) -> int:
        return self.budget.total_cents - self.paid_cents - self.reserved_cents


def service_name(row: Voucher | BudgetAllocation, language: str) -> str:
    names = {"fi": row.service_name_fi, "selko": row.service_name_fi, "sv": row.service_name_sv}
    return names.get(language, row.service_name_en) or row.service_name_fi


def vouchers(person_id: int) -> list[Voucher]:
    return list(
        db.session.scalars(select(Voucher).filter_by(holder_id=person_id).order_by(Voucher.valid_to.desc(), Voucher.id))
    )


def budgets(person_id: int) -> list[Budget]:
    return list(
        db.session.scalars(select(Budget).filter_by(holder_id=person_id).order_by(Budget.period_end.desc(), Budget.id))
    )


def home_municipality(person_id: int) -> str | None:
    """Where the holder lives, for sorting a voucher's providers by distance."""
    return db.session.scalar(select(Person.home_municipality_code).where(Person.id == person_id))


def find_voucher(person_id: int, public_id: str) -> Voucher | None:
    return db.session.scalar(select(Voucher).filter_by(holder_id=person_id, public_id=public_id))


def find_budget(person_id: int, public_id: str) -> Budget | None:
    return db.session.scalar(select(Budget).filter_by(holder_id=person_id, public_id=public_id))


def _status(valid_from: date, valid_to: date, refused_on: date | None, requested: object, today: date) -> str:
    if refused_on is not None:
        return "refused"
    if requested is not None:
        return "refusal_requested"
    if today < valid_from:
        return "not_yet"
    if today > valid_to:
        return "expired"
    return "valid"


def voucher_view(
    voucher: Voucher, today: date, language: str, home_municipality: str | None = None, offers: bool = False
) -> VoucherView:
    status = _status(voucher.valid_from, voucher.valid_to, voucher.refused_on, voucher.refusal_requested_at, today)
    units_left = None if voucher.units_granted is None else max(voucher.units_granted - voucher.units_used, 0)
    cents_left = None if voucher.value_total_cents is None else max(voucher.value_total_cents - voucher.used_cents, 0)
    view = VoucherView(
        voucher,
        service_name(voucher, language),
        status,
        max((voucher.valid_to - today).days, 0),
        units_left,
        cents_left,
    )
    if offers:
        view.offers = _offers(view, language, home_municipality)
    return view


def _offers(view: VoucherView, language: str, home_municipality: str | None) -> list[Offer]:
    """Cheapest for the holder first, then nearest to their home municipality, then by name."""
    voucher = view.voucher
    index = current_index()
    names = unit_names([p.provider_id for p in voucher.providers], language)
    home = home_place(index, home_municipality, language)
    found = []
    for provider in voucher.providers:
        position = index.position.get(provider.provider_id)
        distance = None
        if home is not None and position is not None and not np.isnan(index.latitude[position]):
            distance = float(
                haversine_km(home.latitude, home.longitude, index.latitude[[position]], index.longitude[[position]])[0]
            )
        found.append(
            Offer(
                provider.provider_id,
                names[provider.provider_id].text or provider.provider_name or provider.provider_id,
                position is not None,
                provider.price_cents,
                cost_to_holder(voucher.kind, provider.price_cents, view.unit_value_cents),
                distance,
            )
        )
    return sorted(
        found,
        key=lambda o: (
            o.cost_cents is None,
            o.cost_cents or 0,
            o.distance_km is None,
            o.distance_km or 0.0,
            o.name.casefold(),
        ),
    )


def cost_to_holder(kind: str, price_cents: int | None, value_cents: int | None) -> int | None:
    """A client voucher costs the client nothing at any provider that accepts it (beyond the statutory client fee
    the organiser collects); under a service voucher (Act 569/2009) the client pays what the price exceeds the
    voucher's value by."""
    if kind == "client":
        return 0
    if price_cents is None or value_cents is None:
        return None
    return max(price_cents - value_cents, 0)


def budget_view(budget: Budget, today: date, language: str, with_chart: bool = False) -> BudgetView:
    status = _status(budget.period_start, budget.period_end, budget.refused_on, budget.refusal_requested_at, today)
    if status == "expired":
        status = "ended"
    spent = _spent_by_service(budget.id)
    shares = []
    for allocation in budget.allocations:
        paid, reserved = spent.pop(allocation.service_code, (0, 0))
        shares.append(
            Share(
                allocation.service_code,
                service_name(allocation, language),
                allocation.amount_cents,
                paid,
                reserved,
                forecast(allocation.amount_cents, paid + reserved, budget.period_start, budget.period_end, today),
            )
        )
    # Spending on a service the plan gives no share is still spending from the budget.
    paid = sum(s.paid_cents for s in shares) + sum(p for p, _ in spent.values())
    reserved = sum(s.reserved_cents for s in shares) + sum(r for _, r in spent.values())
    total = forecast(budget.total_cents, paid + reserved, budget.period_start, budget.period_end, today)
    drawn = None
    if with_chart:
        drawn = chart(
            budget.total_cents,
            monthly_cumulative(budget, today),
            budget.period_start,
            budget.period_end,
            today,
            total,
        )
    return BudgetView(budget, status, max((budget.period_end - today).days, 0), paid, reserved, shares, total, drawn)


def _spent_by_service(budget_id: int) -> dict[str, tuple[int, int]]:
    rows = db.session.execute(
        select(
            BudgetTransaction.service_code,
            func.sum(case((BudgetTransaction.status == "paid", BudgetTransaction.amount_cents), else_=0)),
            func.sum(case((BudgetTransaction.status == "reserved", BudgetTransaction.amount_cents), else_=0)),
        )
        .where(BudgetTransaction.budget_id == budget_id)
        .group_by(BudgetTransaction.service_code)
    )
    return {code: (int(paid or 0), int(reserved or 0)) for code, paid, reserved in rows}


def monthly_cumulative(budget: Budget, today: date) -> list[tuple[date, int]]:
    """(the month's last day, or today in the current month; spent by then), for the months up to today."""
    # Summed by month in the database: a budget's transactions run to thousands, its months to twelve.
    rows = db.session.execute(
        select(*MONTH_OF_DAY, func.sum(BudgetTransaction.amount_cents))
        .where(
            BudgetTransaction.budget_id == budget.id,
            BudgetTransaction.status.in_(SPENDING),
            BudgetTransaction.day <= today,
        )
        .group_by(*MONTH_OF_DAY)
    )
    per_month = {(int(y), int(m)): int(cents or 0) for y, m, cents in rows}
    points, running = [], 0
    year, month = budget.period_start.year, budget.period_start.month
    last = min(today, budget.period_end)
    while (year, month) <= (last.year, last.month):
        running += per_month.get((year, month), 0)
        end_of_month = date(year, month, calendar.monthrange(year, month)[1])
        points.append((min(end_of_month, last), running))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return points


@dataclass(frozen=True)
class TransactionFilter:
    month: str | None = None  # YYYY-MM
    provider: str | None = None
    service: str | None = None


@dataclass
class TransactionPage:
    rows: Sequence[BudgetTransaction]
    total: int
    page: int
    pages: int
    months: list[str]
    providers: list[tuple[str, str]]
    services: list[str]


def transactions(budget: Budget, chosen: TransactionFilter, page: int | None) -> TransactionPage:
    """The filtered transactions, newest first; `page` None gives every row (the printout and the CSV)."""
    query = select(BudgetTransaction).where(BudgetTransaction.budget_id == budget.id)
    if chosen.month:
        year, month = (int(part) for part in chosen.month.split("-"))
        first = date(year, month, 1)
        query = query.where(
            BudgetTransaction.day >= first,
            BudgetTransaction.day <= date(year, month, calendar.monthrange(year, month)[1]),
        )
    if chosen.provider:
        query = query.where(BudgetTransaction.provider_id == chosen.provider)
    if chosen.service:
        query = query.where(BudgetTransaction.service_code == chosen.service)
    count = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(BudgetTransaction.day.desc(), BudgetTransaction.id.desc())
    pages = max(1, -(-count // TRANSACTIONS_PER_PAGE))
    if page is not None:
        page = min(max(page, 1), pages)
        ordered = ordered.limit(TRANSACTIONS_PER_PAGE).offset((page - 1) * TRANSACTIONS_PER_PAGE)
    rows = list(db.session.scalars(ordered))
    mine = BudgetTransaction.budget_id == budget.id
    months = sorted(
        (f"{int(y):04d}-{int(m):02d}" for y, m in db.session.execute(select(*MONTH_OF_DAY).where(mine).distinct())),
        reverse=True,
    )
    providers = sorted(
        {
            (pid, name or pid)
            for pid, name in db.session.execute(
                select(BudgetTransaction.provider_id, BudgetTransaction.provider_name).where(mine).distinct()
            )
        },
        key=lambda p: p[1].casefold(),
    )
    return TransactionPage(
        rows, count, page or 1, pages, months, providers, [a.service_code for a in budget.allocations]
    )


def latest_transactions(budget: Budget, count: int) -> list[BudgetTransaction]:
    return list(
        db.session.scalars(
            select(BudgetTransaction)
            .where(BudgetTransaction.budget_id == budget.id)
            .order_by(BudgetTransaction.day.desc(), BudgetTransaction.id.desc())
            .limit(count)
        )
    )
