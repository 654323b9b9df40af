"""Demo data for `make run`: idempotent, so a second run keeps existing data."""

from __future__ import annotations

from collections.abc import Iterator

from flask import current_app

from portal.auth.services import resident_from_claims
from portal.demo.personas import RESIDENTS
from portal.extensions import db


def load_demo_data() -> Iterator[str]:
    issuer = current_app.config["RESIDENT_OIDC_ISSUER"]
    # Residents exist before their first login so help-line staff can find them as callers.
    for persona in RESIDENTS:
        resident_from_claims({"sub": persona.sub, **persona.claims}, issuer)
    db.session.commit()
    yield f"{len(RESIDENTS)} demo residents ready."
