"""The "acting for" context: checked on the server at every request, so a revoked or expired mandate ends it at once.

The session holds only the mandate's public id. Every request reloads the mandate, checks that it is the logged-in
person's, in force today, and (in `subject_for`) that its scope covers what the view is about to show or do. Views
never decide whose data they show by themselves: they ask `subject_for(scope)`, which also writes the access log row
when the data is someone else's.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, request, session

from portal.auth.services import record_event
from portal.compare.units import today_in_helsinki
from portal.extensions import db
from portal.models import Mandate, Person

SESSION_KEY = "acting_mandate"


@dataclass(frozen=True)
class Acting:
    mandate_public_id: str
    principal_id: int
    principal_name: str
    scopes: frozenset[str]

    @property
    def basis(self) -> str:
        return f"mandate:{self.mandate_public_id}"


class ScopeRefused(Exception):
    """The person acts for someone, but the mandate does not cover this."""

    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope


def init_acting(app: Flask) -> None:
    @app.before_request
    def _load_acting() -> None:
        g.acting = None
        public_id = session.get(SESSION_KEY)
        if not public_id:
            return
        user = g.get("user")
        acting = _acting(user.id, str(public_id)) if user is not None and user.kind == "resident" else None
        if acting is None:
            session.pop(SESSION_KEY, None)
            g.acting_ended = True  # the page says so: the right ended, so the person acts as themselves again
            return
        g.acting = acting

    @app.context_processor
    def _acting_context() -> dict:
        from portal.mandates.labels import SCOPE_LABELS, SCOPE_REFUSALS

        return {
            "acting": g.get("acting"),
            "acting_ended": g.get("acting_ended", False),
            "scope_labels": SCOPE_LABELS,
            "scope_refusals": SCOPE_REFUSALS,
        }

    @app.errorhandler(ScopeRefused)
    def _scope_refused(error: ScopeRefused):
        from portal.htmx import render_page

        acting = g.get("acting")
        # An authorization decision like any other 403: the same audit action, with the scope that was missing.
        record_event(
            "access_denied",
            actor=g.user,
            subject_person_id=acting.principal_id if acting else None,
            basis=acting.basis if acting else None,
            path=request.path,
            needed=f"scope:{error.scope}",
        )
        return render_page("error/scope.html", status=403, scope=error.scope)


def _acting(agent_id: int, public_id: str) -> Acting | None:
    row = db.session.execute(
        db.select(Mandate, Person.given_name, Person.family_name)
        .join(Person, Person.id == Mandate.principal_id)
        .where(Mandate.public_id == public_id, Mandate.agent_id == agent_id)
    ).first()
    if row is None or not row[0].in_force(today_in_helsinki()):
        return None
    mandate = row[0]
    return Acting(mandate.public_id, mandate.principal_id, f"{row[1]} {row[2]}", mandate.scope_set)


def start_acting(public_id: str) -> None:
    session[SESSION_KEY] = public_id


def stop_acting() -> None:
    session.pop(SESSION_KEY, None)


def subject_for(scope: str, action: str | None = None, **detail: object) -> int:
    """Whose data this request is about: the logged-in resident's own, or (acting) the principal's, if the mandate
    covers `scope`. With `action`, a look at someone else's data is written to the access log."""
    user = g.user
    acting: Acting | None = g.get("acting")
    if acting is None:
        return int(user.id)
    if scope not in acting.scopes:
        raise ScopeRefused(scope)
    if action:
        record_event(
            action,
            actor=user,
            subject_person_id=acting.principal_id,
            basis=acting.basis,
            **detail,  # type: ignore[arg-type]
        )
    return acting.principal_id
