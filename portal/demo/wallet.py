"""The demo residents' vouchers and personal budget, loaded the way production gets them: from the voucher system's
HTTP API (here the local fake, adapters/wallet_fake.py) through `sync_wallet` and the importer.

* Helmi Nieminen (84, Hyvinkää) has a 12-month personal budget that started in the month seven months before this
  one: 14 400 euros for home care, meals, day activity and transport, with the transactions of eight months (paid;
  the current month's reserved; one taxi ride cancelled). Home care costs 690 euros a month against the plan's
  600, so at this pace its allocation runs out before the period ends. She also has a home-care client voucher.
* Aino Virtanen (Järvenpää) has a dental-prosthetics service voucher of 900 euros for one treatment, accepted by four
  units of the demo catalogue (nothing to pay at two of them, 50 and 180 euros at the others) and by a laboratory
  the catalogue does not have (shown without a link).
* Erik Lindqvist (Porvoo) has a home-nursing voucher that expired three weeks ago.

Every date is relative to `today`, and every id is stable, so loading again on the same day changes nothing.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from portal.choice.rules import add_months
from portal.demo.personas import PERSONAS
from portal.demo.ptv_feed import DEFAULT_SEED, ORGANISER, channel_id, organization_id
from portal.wallet.importer import WalletImportResult, sync_wallet

HETU_CLAIM = "urn:oid:1.2.246.21"
_NAMESPACE = uuid.UUID("0b8f2c84-6d1e-4c52-9a53-3f0f6d2e7a11")

SERVICES = {
    "home_care": {"fi": "Kotihoito", "sv": "Hemvård", "en": "Home care"},
    "meals": {"fi": "Ateriapalvelu", "sv": "Måltidsservice", "en": "Meal service"},
    "day_activity": {"fi": "Päivätoiminta", "sv": "Dagverksamhet", "en": "Day activities"},
    "transport": {"fi": "Kuljetuspalvelu", "sv": "Färdtjänst", "en": "Transport service"},
    "home_nursing": {"fi": "Kotisairaanhoito", "sv": "Hemsjukvård", "en": "Home nursing"},
    "dental_prosthetics": {"fi": "Hammasproteettinen hoito", "sv": "Tandprotetisk vård", "en": "Dental prosthetics"},
}
# Helmi's plan per month, in euros: 1 200 a month, 14 400 a year.
MONTHLY_PLAN = {"home_care": 600, "meals": 200, "day_activity": 240, "transport": 160}


def _outside(name: str) -> str:
    """A stable provider id that is not in the demo catalogue (a provider PTV does not have)."""
    return str(uuid.uuid5(_NAMESPACE, name))


def _unit(key: str, seed: int) -> str:
    return channel_id(seed, key)


def _hetu(subject: str) -> str:
    return str(PERSONAS[subject].claims[HETU_CLAIM])


def _euros(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _service(code: str) -> dict[str, Any]:
    return {"code": code, "name": dict(SERVICES[code])}


def helmi_budget(today: date, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    start = add_months(today.replace(day=1), -7)
    end = add_months(start, 12) - timedelta(days=1)
    providers = {
        "home_care": {"id": _unit("v-kotikaari-hyvinkaa", seed), "name": "Kotikaari Hoiva Hyvinkää"},
        "meals": {"id": _outside("hyvinkaan-ateriapalvelu"), "name": "Hyvinkään Ateriapalvelu Oy"},
        "day_activity": {"id": organization_id(seed, ORGANISER), "name": "Keski-Uudenmaan hyvinvointialue"},
        "transport": {"id": _outside("taksi-hyvinkaa"), "name": "Taksi Hyvinkää Oy"},
    }
    # (service, day of the month, euros in cents): one month's spending; home care runs 690 a month against 600.
    month_plan = [
        ("day_activity", 3, 5500),
        ("transport", 3, 2840),
        ("meals", 5, 19_250),
        ("day_activity", 10, 5500),
        ("home_care", 15, 34_500),
        ("day_activity", 17, 5500),
        ("transport", 17, 3160),
        ("day_activity", 24, 5500),
        ("home_care", 28, 34_500),
    ]
    transactions = []
    for month in range(8):
        first = add_months(start, month)
        current = month == 7
        for number, (service, day, cents) in enumerate(month_plan, start=1):
            when = first.replace(day=day)
            if when > today:
                continue
            status = "reserved" if current else "paid"
            if month == 4 and service == "transport" and day == 17:
                status = "cancelled"  # the ride was called off; the system keeps the row
            transactions.append(
                {
                    "id": f"demo-helmi-{month + 1:02d}-{number:02d}",
                    "date": when.isoformat(),
                    "provider": providers[service],
                    "service_code": service,
                    "amount": _euros(cents + (month % 3) * 35 if service == "transport" else cents),
                    "status": status,
                }
            )
    return {
        "id": "demo-budget-helmi",
        "holder": _hetu("helmi.nieminen"),
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "total": _euros(12 * sum(MONTHLY_PLAN.values()) * 100),
        "decision_ref": f"HB-{start.year}-0417",
        "allocations": [
            {"service": _service(code), "amount": _euros(12 * euros * 100)} for code, euros in MONTHLY_PLAN.items()
        ],
        "transactions": transactions,
        "refused_on": None,
    }


def demo_vouchers(today: date, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    home_care_from = add_months(today.replace(day=1), -4)
    dental_from = today - timedelta(days=20)
    nursing_to = today - timedelta(days=21)
    return [
        {
            "id": "demo-voucher-helmi-home-care",
            "holder": _hetu("helmi.nieminen"),
            "service": _service("home_care"),
            "kind": "client",
            "unit": "hour",
            "value_per_unit": "38.00",
            "value_total": None,
            "units_granted": 96,
            "units_used": 31,
            "used": _euros(31 * 3800),
            "valid_from": home_care_from.isoformat(),
            "valid_to": (add_months(home_care_from, 12) - timedelta(days=1)).isoformat(),
            "decision_ref": f"KH-{home_care_from.year}-2231",
            "providers": [
                {"id": _unit("v-kotikaari-hyvinkaa", seed), "name": "Kotikaari Hoiva Hyvinkää", "price": "38.00"},
                {"id": _unit("v-kotikaari-jarvenpaa", seed), "name": "Kotikaari Hoiva Järvenpää", "price": "39.50"},
                {"id": _unit("v-kotikaari-klaukkala", seed), "name": "Kotikaari Hoiva Klaukkala", "price": "38.00"},
                {"id": _unit("v-lahimmaisapu-hyryla", seed), "name": "Lähimmäisavun kotihoito Hyrylä", "price": None},
            ],
            "refused_on": None,
        },
        {
            "id": "demo-voucher-aino-dental",
            "holder": _hetu("aino.virtanen"),
            "service": _service("dental_prosthetics"),
            "kind": "service",
            "unit": "treatment",
            "value_per_unit": "900.00",
            "value_total": "900.00",
            "units_granted": 1,
            "units_used": 0,
            "used": "0.00",
            "valid_from": dental_from.isoformat(),
            "valid_to": (add_months(dental_from, 6) - timedelta(days=1)).isoformat(),
            "decision_ref": f"SHT-{dental_from.year}-0788",
            "providers": [
                {"id": _unit("v-kaarna-jarvenpaa", seed), "name": "Hammasteknikko Kaarna Järvenpää", "price": "900.00"},
                {"id": _unit("d-hammasrivi-jarvenpaa", seed), "name": "Hammasrivi Järvenpää", "price": "880.00"},
                {"id": _unit("v-kaarna-hyvinkaa", seed), "name": "Hammasteknikko Kaarna Hyvinkää", "price": "950.00"},
                {"id": _unit("d-purenta-porvoo", seed), "name": "Purenta Hammasklinikka Porvoo", "price": "1080.00"},
                {"id": _outside("hammaslaboratorio-kruunu"), "name": "Hammaslaboratorio Kruunu", "price": "1150.00"},
            ],
            "refused_on": None,
        },
        {
            "id": "demo-voucher-erik-home-nursing",
            "holder": _hetu("erik.lindqvist"),
            "service": _service("home_nursing"),
            "kind": "client",
            "unit": "visit",
            "value_per_unit": "45.00",
            "value_total": None,
            "units_granted": 24,
            "units_used": 19,
            "used": _euros(19 * 4500),
            "valid_from": (add_months(nursing_to, -12) + timedelta(days=1)).isoformat(),
            "valid_to": nursing_to.isoformat(),
            "decision_ref": f"KSH-{nursing_to.year - 1}-1190",
            "providers": [
                {"id": _unit("v-kvarnbacken-porvoo", seed), "name": "Hemvården Kvarnbacken Borgå", "price": "45.00"},
            ],
            "refused_on": None,
        },
    ]


def demo_wallet_export(today: date, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    return {
        "format": "valinta.wallet/1",
        "vouchers": demo_vouchers(today, seed),
        "budgets": [helmi_budget(today, seed)],
    }


def load_demo_wallet(today: date, export_path: Path | None = None) -> WalletImportResult:
    """Serve the demo export from the fake API on a loopback port, sync it in through the importer, stop the fake.
    Raises RuntimeError when the importer refuses it (the demo personas must exist first)."""
    from adapters.wallet_fake import run_fake_wallet_api

    export = demo_wallet_export(today)
    if export_path is not None:
        export_path.parent.mkdir(parents=True, exist_ok=True)
        export_path.write_text(json.dumps(export, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    with run_fake_wallet_api(export) as fake:
        result = sync_wallet(fake.base_url, token=fake.token)
    if not result.imported:
        raise RuntimeError("the demo wallet was not imported:\n" + "\n".join(result.report_lines()))
    return result
