"""The demo's registered mandate: Sari Nieminen acts for her mother Helmi (balances and flags, not switching)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app

from portal.auth import identity
from portal.demo.personas import PERSONAS
from portal.extensions import db
from portal.models import Mandate, Person

DOCUMENT = "Valtakirja, allekirjoitettu 3.9.2026 (demo)"


def _person(sub: str) -> Person:
    code = PERSONAS[sub].claims["urn:oid:1.2.246.21"]
    lookup = identity.lookup_hash(code, current_app.config["HETU_HASH_KEY"])
    return db.session.execute(db.select(Person).filter_by(hetu_hash=lookup)).scalar_one()


def load_demo_mandates(today: date) -> int:
    """Idempotent: the mandate is added once, and again only if it was revoked."""
    sari, helmi = _person("sari.nieminen"), _person("helmi.nieminen")
    existing = db.session.scalar(
        db.select(Mandate).filter_by(agent_id=sari.id, principal_id=helmi.id, source="portal", revoked_at=None)
    )
    if existing is not None:
        return 0
    db.session.add(
        Mandate(
            agent_id=sari.id,
            principal_id=helmi.id,
            scopes="balances flags",
            valid_from=today - timedelta(days=90),
            valid_to=today + timedelta(days=2 * 365),
            document=DOCUMENT,
            source="portal",
        )
    )
    db.session.commit()
    return 1
