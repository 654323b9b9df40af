"""Refusing a voucher or a budget: recorded once, and the organiser told through the outbox exactly once.

The conditional UPDATE is what makes it once: of two tabs confirming together, only one changes the row, and only
that one writes the message (whose idempotency key is unique besides).
"""

from __future__ import annotations

import json
from typing import Any, cast

from sqlalchemy import CursorResult, update

from portal.auth.services import CurrentUser, record_event
from portal.extensions import db
from portal.models import Budget, OutboxMessage, Person, Voucher
from portal.models._types import utcnow

REFUSABLE = ("vouchers", "budgets")
ORGANISER = "organiser"  # OUTBOX_ENDPOINTS["organiser"]: the organiser's voucher and budget system
SCHEMA = "valinta.wallet/1"


def refuse(item: Voucher | Budget, actor: CurrentUser) -> bool:
    """True when this call made the refusal; False when it had been made already."""
    model = type(item)
    now = utcnow()
    result = cast(
        CursorResult[Any],  # a DML statement's result: Session.execute is typed for the general Result
        db.session.execute(
            update(model)
            .where(model.id == item.id, model.refusal_requested_at.is_(None), model.refused_on.is_(None))
            .values(refusal_requested_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    changed = result.rowcount
    if not changed:
        db.session.rollback()
        return False
    kind = "voucher" if isinstance(item, Voucher) else "budget"
    holder = db.session.get_one(Person, item.holder_id)
    key = f"wallet.{kind}.{item.public_id}.refused"
    body = {
        "schema": SCHEMA,
        "message_id": key,
        "event": f"{kind}.refused",
        "occurred_at": now.isoformat(timespec="seconds") + "Z",
        "holder": {
            "ref": holder.public_id,
            "birth_date": holder.birth_date.isoformat(),
            "given_name": holder.given_name,
            "family_name": holder.family_name,
        },
        kind: {"id": item.source_id, "decision_ref": item.decision_ref},
    }
    db.session.add(
        OutboxMessage(
            idempotency_key=key,
            event=f"{kind}.refused",
            role=ORGANISER,
            recipient=ORGANISER,
            choice_id=None,
            body=json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
        )
    )
    record_event(f"{kind}_refused", actor=actor, subject_person_id=item.holder_id, commit=False, item=item.public_id)
    db.session.commit()
    db.session.refresh(item)
    return True
