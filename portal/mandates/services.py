"""Mandates: who may act for whom, registered by the organiser's staff or checked from the mandate service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app

from portal.auth import identity
from portal.auth.services import CurrentUser, record_event
from portal.extensions import db
from portal.models import Mandate, Person
from portal.models._types import utcnow
from portal.models.mandates import SCOPES


class MandateRefused(Exception):
    """The registration cannot be made; `problem` names why, and the form says it in the reader's language."""

    def __init__(self, problem: str, field: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.field = field


@dataclass(frozen=True)
class MandateRequest:
    agent_code: str
    principal_code: str
    scopes: tuple[str, ...]
    valid_from: date
    valid_to: date | None
    document: str


def person_by_code(code: str) -> Person | None:
    """Find a resident by identity code: the code is validated and hashed, never stored or logged."""
    try:
        valid = identity.validate(code.strip(), allow_temporary=current_app.config["HETU_ALLOW_TEMPORARY"])
    except identity.InvalidHetu:
        return None
    lookup = identity.lookup_hash(valid, current_app.config["HETU_HASH_KEY"])
    return db.session.scalar(db.select(Person).filter_by(hetu_hash=lookup))


def register_mandate(request: MandateRequest, by: CurrentUser) -> Mandate:
    agent = person_by_code(request.agent_code)
    if agent is None:
        raise MandateRefused("unknown_person", "agent_code")
    principal = person_by_code(request.principal_code)
    if principal is None:
        raise MandateRefused("unknown_person", "principal_code")
    if agent.id == principal.id:
        raise MandateRefused("same_person", "agent_code")
    if not request.scopes or not set(request.scopes) <= set(SCOPES):
        raise MandateRefused("no_scope", "scopes")
    if request.valid_to is not None and request.valid_to < request.valid_from:
        raise MandateRefused("ends_before_start", "valid_to")
    mandate = Mandate(
        agent_id=agent.id,
        principal_id=principal.id,
        scopes=" ".join(scope for scope in SCOPES if scope in request.scopes),
        valid_from=request.valid_from,
        valid_to=request.valid_to,
        document=request.document.strip(),
        source="portal",
        created_by_id=by.id,
    )
    db.session.add(mandate)
    db.session.flush()
    record_event(
        "mandate_registered",
        actor=by,
        subject_person_id=principal.id,
        commit=False,
        mandate=mandate.public_id,
        scopes=mandate.scopes,
    )
    db.session.commit()
    return mandate


def revoke_mandate(public_id: str, reason: str, by: CurrentUser) -> Mandate | None:
    mandate = db.session.scalar(db.select(Mandate).filter_by(public_id=public_id))
    if mandate is None:
        return None
    if mandate.revoked_at is None:
        mandate.revoked_at = utcnow()
        mandate.revoked_by_id = by.id
        mandate.revoked_reason = reason.strip()[:200]
        record_event(
            "mandate_revoked", actor=by, subject_person_id=mandate.principal_id, commit=False, mandate=mandate.public_id
        )
        db.session.commit()
    return mandate


def mandates_held(agent_id: int, today: date) -> list[Mandate]:
    """The mandates a person holds for others and may use today."""
    rows = db.session.scalars(
        db.select(Mandate).filter_by(agent_id=agent_id, revoked_at=None).order_by(Mandate.valid_from)
    )
    return [mandate for mandate in rows if mandate.in_force(today)]


def mandates_given(principal_id: int) -> list[Mandate]:
    """Everyone who can or could act for this person, newest first: shown to the person themselves."""
    return list(
        db.session.scalars(db.select(Mandate).filter_by(principal_id=principal_id).order_by(Mandate.created_at.desc()))
    )


def all_mandates(limit: int = 200) -> list[Mandate]:
    return list(db.session.scalars(db.select(Mandate).order_by(Mandate.created_at.desc()).limit(limit)))


def held_mandate(agent_id: int, public_id: str, today: date) -> Mandate | None:
    mandate = db.session.scalar(db.select(Mandate).filter_by(public_id=public_id, agent_id=agent_id))
    return mandate if mandate is not None and mandate.in_force(today) else None
