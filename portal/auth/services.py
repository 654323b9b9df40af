"""Turning identity-provider claims into residents and staff, and keeping track of who is logged in."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g
from flask.sessions import SessionMixin

from portal.audit import chain as audit_chain
from portal.auth import identity
from portal.extensions import db
from portal.inputs import for_log, parse_int
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
    roles = frozenset(role for role in claim_roles if role in STAFF_ROLES)
    staff.claim_roles = " ".join(sorted(roles))  # shown on the admin's role page
    db.session.flush()
    return staff, roles


def granted_roles(subject: str) -> frozenset[str]:
    rows = db.session.scalars(db.select(StaffRoleGrant.role).filter_by(subject=subject))
    return frozenset(rows)


def load_current_user(user_key: str | None, claim_roles: list[str] | None) -> CurrentUser | None:
    """Rebuild the logged-in user on every request, so a removed role takes effect at once (ASVS 8.3.2)."""
    if not user_key or ":" not in user_key:
        return None
    kind, _, raw_id = user_key.partition(":")
    user_id = parse_int(raw_id)
    if user_id is None:
        return None
    if kind == "resident":
        person = db.session.get(Person, user_id)
        if person is None:
            return None
        g.user_language = person.language
        return CurrentUser(
            "resident", person.id, person.display_name, home_municipality_code=person.home_municipality_code
        )
    if kind == "staff":
        staff = db.session.get(StaffUser, user_id)
        if staff is None:
            return None
        g.user_language = staff.language
        roles = frozenset(claim_roles or ()) | granted_roles(staff.oidc_subject)
        return CurrentUser("staff", staff.id, staff.name, roles=roles)
    return None


def remember_language(user: CurrentUser, language: str | None) -> None:
    """Save the person's language (None: forget it). Only ever on their explicit request (POST /language)."""
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
    basis: str | None = None,
    reason: str | None = None,
    commit: bool = True,
    **detail: Any,
) -> None:
    """Append to the access and security log. Callers must never pass an identity code in `detail`.

    `basis` is what allowed a look at someone else's data ("mandate:<public id>", "role:<role>"), `reason` the
    reason staff gave. Every detail value, and the reason, is cut to a bound with its control characters escaped:
    parts of it may come from an anonymous request (a callback's `error`), and must not forge lines or fill the
    table. The row is sealed into the hash chain (portal/audit/chain.py), which on PostgreSQL takes a lock held
    until the transaction ends. `commit=False` leaves the row in the caller's transaction, so it lands (or not)
    with the change it records."""
    if basis is None and actor is not None and actor.kind == "staff" and subject_person_id is not None:
        basis = "role:" + "+".join(sorted(actor.roles))  # what let a worker see someone's data: their roles
    event = AuditEvent(
        occurred_at=utcnow(),
        action=action,
        actor_kind=actor.kind if actor else "anonymous",
        actor_id=int(actor.id) if actor else None,
        subject_person_id=int(subject_person_id) if subject_person_id is not None else None,
        request_id=g.get("request_id"),
        detail=json.dumps(_bounded(detail), sort_keys=True, default=str),
        basis=_bounded_text(basis, 64) if basis is not None else None,
        reason=_bounded_text(reason, 500) if reason is not None else None,
    )
    audit_chain.append(db.session, event, audit_chain.chain_key(current_app.config))
    if commit:
        db.session.commit()


def rollback() -> None:
    db.session.rollback()


def _bounded(detail: dict[str, Any]) -> dict[str, Any]:
    return {
        for_log(key, 64): value if value is None or isinstance(value, bool | int | float) else for_log(value)
        for key, value in list(detail.items())[:20]
    }


def _bounded_text(value: str, limit: int) -> str:
    """`value` with its control characters escaped, at most `limit` characters (the column's size) in all."""
    text = for_log(value, limit)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def log_event(event: str, **fields: Any) -> None:
    """One structured line in the application log: JSON, values bounded and escaped (ASVS 16.4.1)."""
    line = {"event": event, "request_id": g.get("request_id"), **_bounded(fields)}
    current_app.logger.warning(json.dumps(line, sort_keys=True, ensure_ascii=True))


def forget_old_login_attempts(session: SessionMixin, keep: int) -> None:
    """Keep only the newest `keep` logins started and not finished (each is a state, nonce and PKCE verifier):
    one browser starting a login a thousand times must not grow its session a thousandfold."""
    pending = sorted(
        (key for key in session if key.startswith("_state_")),
        key=lambda key: session[key].get("exp", 0) if isinstance(session[key], dict) else 0,
    )
    for key in pending[: max(0, len(pending) - keep)]:
        session.pop(key)
