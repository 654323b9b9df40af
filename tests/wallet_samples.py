"""A small wallet export (docs/wallet-format.md) and its holders, for the wallet format, client and importer tests."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

from portal.demo.personas import temporary_hetu

HASH_KEY = "test-hetu-key"  # TestConfig.HETU_HASH_KEY
HOLDERS = [temporary_hetu("010180", "-", 900 + n) for n in range(3)]  # temporary codes: never a real person's
LOCATION_ID = "0001a1c4-6273-424f-8d17-2ac62be89741"  # put in the catalogue by the tests that need a known provider
UNKNOWN_PROVIDER = "99999999-9999-4999-8999-999999999999"


def voucher(**changes: Any) -> dict[str, Any]:
    record = {
        "id": "V-1",
        "holder": HOLDERS[0],
        "service": {
            "code": "dental_prosthetics",
            "name": {"fi": "Hammasproteettinen hoito", "sv": "Tandprotetisk vård"},
        },
        "kind": "service",
        "unit": "treatment",
        "value_per_unit": "900.00",
        "value_total": "900.00",
        "units_granted": 1,
        "units_used": 0,
        "used": "0.00",
        "valid_from": "2026-11-01",
        "valid_to": "2027-04-30",
        "decision_ref": "SHT-2026-0788",
        "providers": [
            {"id": LOCATION_ID.upper(), "name": "Hammasteknikko Kaarna", "price": "950.00"},
            {"id": UNKNOWN_PROVIDER, "name": "Hammaslaboratorio Kruunu", "price": None},
        ],
        "refused_on": None,
    }
    record.update(changes)
    return record


def client_voucher(**changes: Any) -> dict[str, Any]:
    record = voucher(
        id="V-2",
        holder=HOLDERS[1],
        service={"code": "home_care", "name": {"fi": "Kotihoito", "sv": "Hemvård", "en": "Home care"}},
        kind="client",
        unit="hour",
        value_per_unit=38,
        value_total=None,
        units_granted=96,
        units_used=31,
        used="1178.00",
        providers=[{"id": LOCATION_ID, "price": 38.5}],
    )
    record.update(changes)
    return record


def transaction(number: int, **changes: Any) -> dict[str, Any]:
    record = {
        "id": f"T-{number}",
        "date": f"2026-{4 + number % 8:02d}-{1 + number % 28:02d}",
        "provider": {"id": LOCATION_ID, "name": "Kotikaari Hoiva"},
        "service_code": "home_care",
        "amount": "345.00",
        "status": "paid",
    }
    record.update(changes)
    return record


def budget(**changes: Any) -> dict[str, Any]:
    record = {
        "id": "B-1",
        "holder": HOLDERS[1],
        "period": {"start": "2026-04-01", "end": "2027-03-31"},
        "total": "14400.00",
        "decision_ref": "HB-2026-0417",
        "allocations": [
            {"service": {"code": "home_care", "name": {"fi": "Kotihoito", "sv": "Hemvård"}}, "amount": "7200.00"},
            {"service": {"code": "meals", "name": {"fi": "Ateriapalvelu"}}, "amount": 2400},
        ],
        "transactions": [transaction(1), transaction(2), transaction(3, service_code="meals", amount=190)],
        "refused_on": None,
    }
    record.update(changes)
    return record


def export(vouchers: list[dict] | None = None, budgets: list[dict] | None = None) -> dict[str, Any]:
    return {
        "format": "valinta.wallet/1",
        "vouchers": copy.deepcopy(vouchers if vouchers is not None else [voucher(), client_voucher()]),
        "budgets": copy.deepcopy(budgets if budgets is not None else [budget()]),
    }


def write_export(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def add_holders(codes: list[str] = HOLDERS) -> list[int]:
    """Persons for these identity codes, as login would have created them (hash and mask only); their ids."""
    from portal.auth import identity
    from portal.extensions import db
    from portal.models import Person

    people = [
        Person(
            oidc_issuer="https://test.invalid",
            oidc_subject=f"holder-{number}",
            hetu_hash=identity.lookup_hash(code, HASH_KEY),
            hetu_masked=identity.masked(code),
            birth_date=date(1980, 1, 1),
            given_name="Testi",
            family_name=f"Haltija {number}",
            home_municipality_code="106",
        )
        for number, code in enumerate(codes)
    ]
    db.session.add_all(people)
    db.session.commit()
    return [person.id for person in people]
