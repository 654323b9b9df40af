"""Reading the access log for the person it is about: who (a relative, a help-line or organiser worker), what, when,
why, and under which mandate or role. Only rows written by someone else: a person's own doings are not "seen by"."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, not_, select

from portal.extensions import db
from portal.models import AuditEvent, Mandate, Person, StaffUser

PER_PAGE = 50
ACTOR_KINDS = ("resident", "staff")  # a relative is a resident acting for someone; staff are the county's workers


@dataclass(frozen=True)
class Look:
    at: datetime
    action: str
    actor_kind: str
    actor_name: str
    basis_kind: str  # mandate, role, none
    mandate_source: str | None
    reason: str | None
    detail: dict


@dataclass
class LookPage:
    looks: list[Look]
    total: int
    page: int
    pages: int


def looks_at(person_id: int, actor_kind: str | None, months: int | None, page: int) -> LookPage:
    not_self = not_(and_(AuditEvent.actor_kind == "resident", AuditEvent.actor_id == person_id))
    query = select(AuditEvent).where(AuditEvent.subject_person_id == person_id, not_self)
    if actor_kind in ACTOR_KINDS:
        query = query.where(AuditEvent.actor_kind == actor_kind)
    if months:
        query = query.where(AuditEvent.occurred_at >= datetime.now() - timedelta(days=31 * months))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    rows = list(
        db.session.scalars(
            query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
    return LookPage(_named(rows), total, page, pages)


def _named(rows: list[AuditEvent]) -> list[Look]:
    residents = {r.actor_id for r in rows if r.actor_kind == "resident" and r.actor_id}
    staff = {r.actor_id for r in rows if r.actor_kind == "staff" and r.actor_id}
    mandate_ids = {r.basis.partition(":")[2] for r in rows if r.basis and r.basis.startswith("mandate:")}
    people = {
        row[0]: row[1]
        for row in db.session.execute(
            select(Person.id, Person.given_name + " " + Person.family_name).where(Person.id.in_(residents or {0}))
        )
    }
    workers = {
        row[0]: row[1]
        for row in db.session.execute(select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(staff or {0})))
    }
    sources = {
        row[0]: row[1]
        for row in db.session.execute(
            select(Mandate.public_id, Mandate.source).where(Mandate.public_id.in_(mandate_ids or {""}))
        )
    }
    looks = []
    for row in rows:
        names = people if row.actor_kind == "resident" else workers
        basis_kind, _, basis_id = (row.basis or "").partition(":")
        try:
            detail = json.loads(row.detail or "{}")
        except ValueError:
            detail = {}
        looks.append(
            Look(
                at=row.occurred_at,
                action=row.action,
                actor_kind=row.actor_kind,
                actor_name=names.get(row.actor_id or 0, ""),
                basis_kind=basis_kind or ("role" if row.actor_kind == "staff" else "none"),
                mandate_source=sources.get(basis_id) if basis_kind == "mandate" else None,
                reason=row.reason,
                detail=detail if isinstance(detail, dict) else {},
            )
        )
    return looks
