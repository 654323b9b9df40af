"""The role table the admin manages."""

from __future__ import annotations

from portal.auth.services import CurrentUser, record_event
from portal.extensions import db
from portal.models import StaffRoleGrant, StaffUser
from portal.sessions import end_sessions_of


def list_grants() -> list[StaffRoleGrant]:
    return list(db.session.scalars(db.select(StaffRoleGrant).order_by(StaffRoleGrant.subject, StaffRoleGrant.role)))


def grant(subject: str, role: str, by: CurrentUser) -> bool:
    subject = subject.strip()
    exists = db.session.scalar(db.select(StaffRoleGrant).filter_by(subject=subject, role=role))
    if exists:
        return False
    db.session.add(StaffRoleGrant(subject=subject, role=role, granted_by_id=by.id))
    db.session.commit()
    record_event("role_granted", actor=by, subject=subject, role=role)
    return True


def revoke(grant_id: int, by: CurrentUser) -> StaffRoleGrant | None:
    row = db.session.get(StaffRoleGrant, grant_id)
    if row is None:
        return None
    db.session.delete(row)
    db.session.commit()
    record_event("role_revoked", actor=by, subject=row.subject, role=row.role)
    staff = db.session.scalar(db.select(StaffUser).filter_by(oidc_subject=row.subject))
    if staff is not None:
        end_sessions_of(f"staff:{staff.id}")  # the change applies now, not at the next login
    return row


def provider_roles() -> list[StaffUser]:
    """Staff whose roles come from the staff provider's claim (as of their last login)."""
    query = db.select(StaffUser).where(StaffUser.claim_roles != "").order_by(StaffUser.name, StaffUser.id)
    return list(db.session.scalars(query))


def end_staff_sessions(staff_id: int, by: CurrentUser) -> StaffUser | None:
    """Log a staff member out everywhere: after a role is removed at the provider, the next login brings the
    provider's new claim, so the removal applies now rather than when the session ends."""
    staff = db.session.get(StaffUser, staff_id)
    if staff is None:
        return None
    ended = end_sessions_of(f"staff:{staff.id}")
    record_event("staff_sessions_ended", actor=by, staff_id=staff.id, sessions=ended)
    return staff
