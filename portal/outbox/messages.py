"""What the providers and the national choice register are told, written to the outbox in the caller's transaction.

A message's idempotency key is derived from the choice, the event and the recipient's role, so writing the same
message twice is impossible (the key is unique) and a receiver can drop a redelivery by its key alone.

The resident is identified by the portal's pseudonymous reference, birth date and name. The personal identity code
is not kept in clear by the portal (only a keyed hash), so it cannot be sent; see docs/listing.md.
"""

from __future__ import annotations

import json
from datetime import date

from portal.extensions import db
from portal.models import Choice, OutboxMessage, Person
from portal.models._types import utcnow

SCHEMA = "valinta.listing/1"
REGISTER = "register"
EVENTS = ("listing.chosen", "listing.cancelled", "listing.took_effect")


def enqueue(choice: Choice, event: str, previous: Choice | None, *, organiser: str) -> list[OutboxMessage]:
    """Add the event's messages for the new provider, the old provider (if any) and the register."""
    if event not in EVENTS:
        raise ValueError(f"unknown outbox event {event!r}")
    recipients = [("new_provider", choice.organisation_id)]
    if previous is not None:
        recipients.append(("old_provider", previous.organisation_id))
    recipients.append(("register", REGISTER))
    person = choice.person or db.session.get_one(Person, choice.person_id)
    messages = []
    for role, recipient in recipients:
        key = f"{choice.reference}.{event.removeprefix('listing.')}.{role}"
        body = {
            "schema": SCHEMA,
            "message_id": key,
            "event": event,
            "role": role,
            "organiser": organiser,
            "occurred_at": utcnow().isoformat(timespec="seconds") + "Z",
            "resident": {
                "ref": person.public_id,
                "birth_date": person.birth_date.isoformat(),
                "given_name": person.given_name,
                "family_name": person.family_name,
                "home_municipality": person.home_municipality_code,
            },
            "choice": _choice_facts(choice),
            "previous": _choice_facts(previous) if previous is not None else None,
        }
        message = OutboxMessage(
            idempotency_key=key,
            event=event,
            role=role,
            recipient=recipient,
            choice_id=choice.id,
            body=json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
        )
        db.session.add(message)
        messages.append(message)
    return messages


def _choice_facts(choice: Choice) -> dict:
    return {
        "reference": choice.reference,
        "kind": choice.kind,
        "location_id": choice.location_id,
        "organisation_id": choice.organisation_id,
        "effective_on": _iso(choice.effective_on),
        "ends_on": _iso(choice.ended_on),
        "cancelled": choice.cancelled_at is not None,
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
