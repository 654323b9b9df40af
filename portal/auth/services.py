"""Turning identity-provider claims into residents and staff, and keeping track of who is logged in."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g

from portal.auth import identity
from portal.extensions import db
from portal.models import AuditEvent, Person, StaffRoleGrant, StaffUser
from portal.models._types import utcnow

HETU_CLAIM = "urn:oid:1.2.246.21"
MUNICIPALITY_CLAIM = "urn:oid:1.2.246.517.2002.2.18"
STAFF_ROLES = ("helpline", "organiser", "admin")


class ClaimsRejected(Exception):
    """The provider identified someone, but not in a way this portal can accept."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "assurance" or "identity"


@dataclass
class CurrentUser:
    kind: str  # "resident" or "staff"
    id: int
    name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    home_municipality_code: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def resident_from_claims(claims: dict[str, Any], issuer: str, *, logging_in: bool = True) -> Person:
    """Create or update the resident from the ID token; refuse weak assurance (ASVS 6.8.4)."""
    accepted = current_app.config["RESIDENT_ACCEPTED_ACR"]
    if claims.get("acr") not in accepted:
        raise ClaimsRejected("assurance")
    try:
        code = identity.validate(
            str(claims.get(HETU_CLAIM, "")), allow_temporary=current_app.config["HETU_ALLOW_TEMPORARY"]
        )
    except identity.InvalidHetu:
        raise ClaimsRejected("identity") from None
    given, family = claims.get("given_name"), claims.get("family_name")
    if not given or not family or not claims.get("sub"):
        raise ClaimsRejected("identity")
    lookup = identity.lookup_hash(code, current_app.config["HETU_HASH_KEY"])
    person = db.session.scalar(db.select(Person).filter_by(hetu_hash=lookup))
    if person is None:
        person = Person(
            hetu_hash=lookup,
            hetu_masked=identity.masked(code),
            birth_date=identity.birth_date(code),
            oidc_issuer=issuer,
            oidc_subject=str(claims["sub"]),
        )
        db.session.add(person)
    person.oidc_issuer, person.oidc_subject = issuer, str(claims["sub"])
    person.given_name, person.family_name = str(given), str(family)
    municipality = claims.get(MUNICIPALITY_CLAIM)
    person.home_municipality_code = str(municipality).zfill(3) if municipality else None
    if person.language is None and claims.get("locale") in {"fi", "sv", "en"}:
        person.language = claims["locale"]
    if logging_in:
        person.last_login_at = utcnow()
    db.session.flush()
    return person


def staff_from_claims(claims: dict[str, Any], issuer: str) -> tuple[StaffUser, frozenset[str]]:
    subject = str(claims.get("sub") or "")
    if not subject:
        raise ClaimsRejected("identity")
    staff = db.session.scalar(db.select(StaffUser).filter_by(oidc_issuer=issuer, oidc_subject=subject))
    if staff is None:
        staff = StaffUser(oidc_issuer=issuer, oidc_subject=subject, name=subject)
        db.session.add(staff)
    staff.name = str(
        claims.get("name") or " ".join(filter(None, [claims.get("given_name"), claims.get("family_name")])) or subject
    )
    staff.email = claims.get("email")
    staff.last_login_at = utcnow()
    db.session.flush()
    claim_roles = claims.get(current_app.config["STAFF_ROLES_CLAIM"]) or []
    if isinstance(claim_roles, str):
        claim_roles = claim_roles.split()
    return staff, frozenset(role for role in claim_roles if role in STAFF_ROLES)


def granted_roles(subject: str) -> frozenset[str]:
    rows = db.session.scalars(db.select(StaffRoleGrant.role).filter_by(subject=subject))
    return frozenset(rows)


def load_current_user(user_key: str | None, claim_roles: list[str] | None) -> CurrentUser | None:
    """Rebuild the logged-in user on every request, so a removed role takes effect at once (ASVS 8.3.2)."""
    if not user_key or ":" not in user_key:
        return None
    kind, _, raw_id = user_key.partition(":")
    if not raw_id.isdigit():
        return None
    if kind == "resident":
        person = db.session.get(Person, int(raw_id))
        if person is None:
            return None
        g.user_language = person.language
        return CurrentUser(
            "resident", person.id, person.display_name, home_municipality_code=person.home_municipality_code
        )
    if kind == "staff":
        staff = db.session.get(StaffUser, int(raw_id))
        if staff is None:
            return None
        g.user_language = staff.language
        roles = frozenset(claim_roles or ()) | granted_roles(staff.oidc_subject)
        return CurrentUser("staff", staff.id, staff.name, roles=roles)
    return None


def remember_language(user: CurrentUser, language: str) -> None:
    row: Person | StaffUser | None
    if user.kind == "resident":
        row = db.session.get(Person, user.id)
    else:
        row = db.session.get(StaffUser, user.id)
    if row is not None:
        row.language = language
        db.session.commit()


def record_event(
    action: str,
    *,
    actor: CurrentUser | None = None,
    subject_person_id: int | None = None,
    commit: bool = True,
    **detail: Any,
) -> None:
    """Append to the access and security log. Callers must never pass an identity code in `detail`.

    `commit=False` leaves the row in the caller's transaction, so it lands (or not) with the change it records."""
    db.session.add(
        AuditEvent(
            action=action,
            actor_kind=actor.kind if actor else "anonymous",
            actor_id=actor.id if actor else None,
            subject_person_id=subject_person_id,
            request_id=g.get("request_id"),
            detail=json.dumps(detail, sort_keys=True, default=str),
        )
    )
    if commit:
        db.session.commit()


def rollback() -> None:
    db.session.rollback()
