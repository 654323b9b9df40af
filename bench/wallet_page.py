"""The wallet's budget page with 2 000 transactions: server time per request, against a plain page of the same app.

`measure_wallet_page(database_url)` migrates a fresh database, writes one resident with a 12-month budget (four
shares, 2 000 transactions, a few cancelled and reserved) and a service voucher accepted by 30 providers, logs the
resident in through the session (no identity provider: the login is not what is measured), and then times, in this
process through the app's test client (the whole Flask request: session, user, access check, queries, template):

- `wallet_page_p95_ms`: the budget page (figures, forecast, the SVG chart, the shares, the latest ten);
- `wallet_transactions_page_p95_ms`: the transactions page filtered to one month;
- `wallet_voucher_page_p95_ms`: the voucher page with its providers sorted by cost and distance;
- `wallet_baseline_page_p95_ms`: the accessibility statement, a page with the same layout, session and user but no
  data of its own, measured in the same run: the ratio says what the wallet's own work costs.

Requests alternate between the pages so that a noisy moment falls on all of them alike.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

REQUESTS = 300
WARMUP = 30


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _fill(app, today: date) -> tuple[str, str, int]:
    from portal.extensions import db
    from portal.models import Budget, BudgetAllocation, BudgetTransaction, Person, Voucher, VoucherProvider

    rng = random.Random(7)
    with app.app_context():
        person = Person(
            oidc_issuer="bench", oidc_subject="wallet", hetu_hash="bench-wallet", hetu_masked="030442-****",
            birth_date=date(1942, 4, 3), given_name="Helmi", family_name="Penkki", home_municipality_code="106",
        )  # fmt: skip
        db.session.add(person)
        db.session.flush()
        start = today - timedelta(days=240)
        shares = [("home_care", 900000), ("meals", 300000), ("day_activity", 240000), ("transport", 360000)]
        budget = Budget(
            source_id="bench-budget", holder_id=person.id, period_start=start, period_end=start + timedelta(days=364),
            total_cents=sum(cents for _, cents in shares), content_hash="x",
            allocations=[
                BudgetAllocation(service_code=code, service_name_fi=code, amount_cents=cents) for code, cents in shares
            ],
        )  # fmt: skip
        voucher = Voucher(
            source_id="bench-voucher", holder_id=person.id, service_code="dental", service_name_fi="Hammasproteesit",
            kind="service", unit="treatment", value_per_unit_cents=90000, units_granted=1, units_used=0,
            valid_from=today - timedelta(days=5), valid_to=today + timedelta(days=180), decision_ref="B-1",
            content_hash="x",
            providers=[
                VoucherProvider(provider_id=f"p{i}", provider_name=f"Hammas {i} Oy", price_cents=80000 + i * 997)
                for i in range(30)
            ],
        )  # fmt: skip
        db.session.add_all([budget, voucher])
        db.session.flush()
        rows = []
        for i in range(2000):
            code = rng.choice(shares)[0]
            status = "cancelled" if i % 97 == 0 else ("reserved" if i % 41 == 0 else "paid")
            rows.append(
                {
                    "budget_id": budget.id,
                    "source_id": f"t-{i}",
                    "day": start + timedelta(days=i * 240 // 2000),
                    "provider_id": f"p-{i % 25}",
                    "provider_name": f"Palvelu {i % 25} Oy",
                    "service_code": code,
                    "amount_cents": rng.randint(500, 4000),
                    "status": status,
                }  # fmt: skip
            )
        db.session.execute(BudgetTransaction.__table__.insert(), rows)
        db.session.commit()
        month = f"{(start + timedelta(days=60)).year:04d}-{(start + timedelta(days=60)).month:02d}"
        return budget.public_id, voucher.public_id, person.id, month  # type: ignore[return-value]


def measure_wallet_page(database_url: str, requests: int = REQUESTS) -> dict[str, float]:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.compare.units import today_in_helsinki

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": None, "TESTING": False})
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    budget, voucher, person_id, month = _fill(app, today_in_helsinki())
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_key"] = f"resident:{person_id}"
    pages = {
        "wallet_page": f"/wallet/budgets/{budget}?lang=fi",
        "wallet_transactions_page": f"/wallet/budgets/{budget}/transactions?month={month}&lang=fi",
        "wallet_voucher_page": f"/wallet/vouchers/{voucher}?lang=fi",
        "wallet_baseline_page": "/accessibility?lang=fi",
    }
    times: dict[str, list[float]] = {name: [] for name in pages}
    for round_ in range(WARMUP + requests):
        for name, path in pages.items():
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            if round_ >= WARMUP:
                times[name].append(elapsed)
    figures: dict[str, float] = {"wallet_page_transactions": 2000}
    for name, samples in times.items():
        figures[f"{name}_p50_ms"] = round(statistics.median(samples), 2)
        figures[f"{name}_p95_ms"] = round(_percentile(samples, 0.95), 2)
    figures["wallet_page_to_baseline_p95"] = round(
        figures["wallet_page_p95_ms"] / figures["wallet_baseline_page_p95_ms"], 2
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.wallet_page", description=__doc__.splitlines()[0])
    parser.add_argument("database_url", nargs="?", default=None)
    parser.add_argument("--requests", type=int, default=REQUESTS)
    args = parser.parse_args()
    url = args.database_url
    if url is None:
        import tempfile

        url = f"sqlite:///{tempfile.mkdtemp()}/wallet-page.sqlite3"
    print(json.dumps(measure_wallet_page(url, args.requests), indent=2))


if __name__ == "__main__":
    main()
