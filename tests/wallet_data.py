"""Wallet rows for the page tests, written straight to the database (the importer has tests of its own)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask

from portal.auth.services import resident_from_claims
from portal.demo.personas import PERSONAS
from portal.demo.ptv_feed import channel_id
from portal.extensions import db
from portal.models import Budget, BudgetAllocation, BudgetTransaction, Person, Voucher, VoucherProvider

D_JARVENPAA = channel_id(2019, "d-jarvenpaa")
UNKNOWN_PROVIDER = "00000000-0000-4000-8000-00000000dead"
# Fixed public ids, so page lists (tests/browser/pages.py) can name the wallet's pages.
BUDGET_ID, DENTAL_ID, EXPIRED_ID = "b0" * 16, "d0" * 16, "e0" * 16
SHARES = (
    ("home_care", "Kotihoito", "Hemvård", "Home care", 720000),
    ("meals", "Ateriapalvelu", "Måltidstjänst", "Meals", 240000),
    ("transport", "Kuljetuspalvelu", "Färdtjänst", "Transport", 480000),
)


def person(sub: str) -> Person:
    persona = PERSONAS[sub]
    return resident_from_claims({"sub": sub, **persona.claims}, "https://issuer.invalid", logging_in=False)


def make_wallet(app: Flask, today: date) -> dict[str, str]:
    """Helmi: a budget started eight months ago, home care spending fast; Aino: a dental service voucher; Erik: an
    expired voucher. Returns the public ids by name."""
    with app.app_context():
        helmi, aino, erik = person("helmi.nieminen"), person("aino.virtanen"), person("erik.lindqvist")
        start = today - timedelta(days=244)
        budget = Budget(
            public_id=BUDGET_ID,
            source_id="B-1",
            holder_id=helmi.id,
            period_start=start,
            period_end=start + timedelta(days=364),
            total_cents=1440000,
            decision_ref="SOS-2026-77",
            content_hash="x",
        )
        budget.allocations = [
            BudgetAllocation(
                service_code=code, service_name_fi=fi, service_name_sv=sv, service_name_en=en, amount_cents=cents
            )
            for code, fi, sv, en, cents in SHARES
        ]
        db.session.add(budget)
        db.session.flush()
        rows = []
        for month in range(8):
            day = start + timedelta(days=30 * month + 5)
            rows.append(("home_care", 80000, "paid", day, "Kotiapu Oy"))
            rows.append(("meals", 15000, "paid", day + timedelta(days=1), "Ateria Ky"))
        rows.append(("transport", 4000, "cancelled", start + timedelta(days=40), "Taksi Hyvinkää"))
        rows.append(("transport", 6000, "reserved", today - timedelta(days=2), "Taksi Hyvinkää"))
        for i, (code, cents, status, day, provider) in enumerate(rows):
            db.session.add(
                BudgetTransaction(
                    budget_id=budget.id,
                    source_id=f"T-{i}",
                    day=day,
                    provider_id=f"P-{provider[:3]}",
                    provider_name=provider,
                    service_code=code,
                    amount_cents=cents,
                    status=status,
                )
            )
        dental = Voucher(
            public_id=DENTAL_ID,
            source_id="V-1",
            holder_id=aino.id,
            service_code="http://uri.suomi.fi/codelist/ptv/ptvserclass2/code/P6.2",
            service_name_fi="Hammasproteesit",
            service_name_sv="Tandproteser",
            service_name_en="Dental prosthetics",
            kind="service",
            unit="treatment",
            value_per_unit_cents=90000,
            units_granted=1,
            units_used=0,
            valid_from=today - timedelta(days=10),
            valid_to=today + timedelta(days=170),
            decision_ref="SV-2026-1",
            content_hash="x",
        )
        dental.providers = [
            VoucherProvider(provider_id=D_JARVENPAA, provider_name="", price_cents=120000),
            VoucherProvider(provider_id=UNKNOWN_PROVIDER, provider_name="Hammas Oy", price_cents=85000),
        ]
        expired = Voucher(
            public_id=EXPIRED_ID,
            source_id="V-2",
            holder_id=erik.id,
            service_code="home_care",
            service_name_fi="Kotihoito",
            service_name_sv="Hemvård",
            service_name_en="Home care",
            kind="client",
            unit="hour",
            value_per_unit_cents=4500,
            units_granted=40,
            units_used=12,
            valid_from=today - timedelta(days=400),
            valid_to=today - timedelta(days=35),
            decision_ref="SV-2025-9",
            content_hash="x",
        )
        db.session.add_all([dental, expired])
        db.session.commit()
        return {"budget": budget.public_id, "dental": dental.public_id, "expired": expired.public_id}
