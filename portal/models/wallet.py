"""Vouchers and personal budgets, as read from the organiser's voucher and budget system (docs/wallet-format.md).

The source system owns these rows: an import replaces what it says, keyed by the source's own ids, and never
touches what the resident did in the portal (`refusal_requested_at`). Money is kept in euro cents.
"""

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.models._types import new_public_id, utcnow


class Voucher(Model):
    __tablename__ = "voucher"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64), unique=True)  # the voucher system's id
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)  # in URLs
    holder_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    service_code: Mapped[str] = mapped_column(String(120))  # PTV service class URI or code
    service_name_fi: Mapped[str] = mapped_column(String(200))
    service_name_sv: Mapped[str] = mapped_column(String(200), default="")
    service_name_en: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(16))  # client (no charge to the client) or service (Act 569/2009)
    unit: Mapped[str] = mapped_column(String(16))  # visit, hour, day, month, treatment
    value_per_unit_cents: Mapped[int | None] = mapped_column(Integer)
    value_total_cents: Mapped[int | None] = mapped_column(Integer)
    units_granted: Mapped[int | None] = mapped_column(Integer)
    units_used: Mapped[int] = mapped_column(Integer, default=0)
    used_cents: Mapped[int] = mapped_column(Integer, default=0)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    decision_ref: Mapped[str] = mapped_column(String(64))
    refused_on: Mapped[date | None] = mapped_column(Date)  # the source system recorded the refusal
    content_hash: Mapped[str] = mapped_column(String(64))  # of the source record: an unchanged one is skipped
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The resident (or someone for them) asked to refuse it in the portal; the source confirms with refused_on.
    refusal_requested_at: Mapped[datetime | None] = mapped_column(DateTime)

    providers: Mapped[list["VoucherProvider"]] = relationship(
        cascade="all, delete-orphan", order_by="VoucherProvider.id"
    )


class VoucherProvider(Model):
    """A provider that accepts the voucher: a PTV service location (or organisation) id and its announced price."""

    __tablename__ = "voucher_provider"
    __table_args__ = (UniqueConstraint("voucher_id", "provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("voucher.id", ondelete="CASCADE"))
    provider_id: Mapped[str] = mapped_column(String(64))
    provider_name: Mapped[str] = mapped_column(String(200), default="")  # the source's name, shown when PTV lacks it
    price_cents: Mapped[int | None] = mapped_column(Integer)  # per unit, as the provider announced it


class Budget(Model):
    __tablename__ = "budget"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str] = mapped_column(String(64), unique=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    holder_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    total_cents: Mapped[int] = mapped_column(Integer)
    decision_ref: Mapped[str] = mapped_column(String(64), default="")
    refused_on: Mapped[date | None] = mapped_column(Date)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    refusal_requested_at: Mapped[datetime | None] = mapped_column(DateTime)

    allocations: Mapped[list["BudgetAllocation"]] = relationship(
        cascade="all, delete-orphan", order_by="BudgetAllocation.id"
    )


class BudgetAllocation(Model):
    """The share of the budget the client plan gives one service."""

    __tablename__ = "budget_allocation"
    __table_args__ = (UniqueConstraint("budget_id", "service_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id", ondelete="CASCADE"))
    service_code: Mapped[str] = mapped_column(String(120))
    service_name_fi: Mapped[str] = mapped_column(String(200))
    service_name_sv: Mapped[str] = mapped_column(String(200), default="")
    service_name_en: Mapped[str] = mapped_column(String(200), default="")
    amount_cents: Mapped[int] = mapped_column(Integer)


class BudgetTransaction(Model):
    """A reservation or payment against a budget; a changed one (say, cancelled) is updated in place by its id."""

    __tablename__ = "budget_transaction"
    __table_args__ = (
        UniqueConstraint("budget_id", "source_id"),
        Index("ix_budget_transaction_budget_day", "budget_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    provider_id: Mapped[str] = mapped_column(String(64))
    provider_name: Mapped[str] = mapped_column(String(200), default="")
    service_code: Mapped[str] = mapped_column(String(120))
    amount_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))  # reserved, paid, cancelled


class WalletImport(Model):
    """One run of the importer: what it read, what it changed, and the refused records if it refused the lot."""

    __tablename__ = "wallet_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(300))  # file name or URL, never a query string with secrets
    outcome: Mapped[str] = mapped_column(String(12))  # imported, refused, failed
    counts: Mapped[str] = mapped_column(Text, default="{}")
    report: Mapped[str] = mapped_column(Text, default="[]")
    since_token: Mapped[str | None] = mapped_column(String(64))  # the API's change cursor after a sync
