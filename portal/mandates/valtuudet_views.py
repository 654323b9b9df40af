"""The Suomi.fi-valtuudet flow: a relative picks at the mandate service whom she acts for, and the portal checks
each mandate theme it uses before she may act (docs/mandates.md, "Suomi.fi-valtuudet").

`/acting/valtuudet/start` registers a session at the service for the logged-in relative (her identity code unsealed from
her own session: portal/mandates/agent_code.py) and sends her browser to the service's client selection with a
`state` kept in the session. `/acting/valtuudet/return` checks the state, trades the code for a token, reads whom
she picked, asks the service about each theme VALTUUDET_THEMES names, and stores what was ALLOWED as a mandate of
source `valtuudet` valid for today only; then she acts for that person. The service never says why it refused,
so neither does the page. Identity codes from the service are used only to find the person by keyed hash: never
stored, logged or shown.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import date

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from adapters.valtuudet import Principal, ValtuudetClient, ValtuudetError
from portal.auth.access import login_required
from portal.auth.services import log_event, record_event
from portal.compare.units import today_in_helsinki
from portal.extensions import db
from portal.htmx import render_page
from portal.i18n import current_language
from portal.mandates import bp
from portal.mandates.acting import start_acting
from portal.mandates.agent_code import agent_code
from portal.mandates.services import person_by_code
from portal.models import Mandate
from portal.models._types import utcnow
from portal.models.mandates import SCOPES
from portal.ratelimit import limited

FLOW_KEY = "valtuudet_flow"  # {"state", "session_id"} while the relative is at the service
DOCUMENT = "Suomi.fi-valtuudet"
TEMPLATE = "views/mandates/valtuudet.html"


@bp.before_app_request
def _valtuudet_enabled() -> None:
    g.valtuudet_enabled = bool(current_app.config.get("VALTUUDET_URL"))


# Not /acting/valtuudet: a POST there is mandates.start's (/acting/<public_id>), not a 405.
@bp.route("/acting/valtuudet/start")
@login_required("resident")
@limited("login")  # each visit costs a call to the service, like starting a login
def valtuudet_start():
    if not g.valtuudet_enabled:
        abort(404)
    code = agent_code()
    if code is None:
        return _outcome("login_again")
    state = secrets.token_urlsafe(32)
    try:
        with _client() as client:
            earlier = session.pop(FLOW_KEY, None)
            if isinstance(earlier, dict):  # started and never finished: end it at the service
                _unregister_quietly(client, str(earlier.get("session_id", "")))
            registered = client.register(code)
            target = client.authorize_url(registered.user_id, _return_url(), _service_language(), state)
    except ValtuudetError as error:
        return _failed(error)
    session[FLOW_KEY] = {"state": state, "session_id": registered.session_id}
    record_event("valtuudet_started", actor=g.user)
    return redirect(target)


@bp.route("/acting/valtuudet/return")
@login_required("resident")
@limited("login")
def valtuudet_return():
    if not g.valtuudet_enabled:
        abort(404)
    flow = session.pop(FLOW_KEY, None)  # one use: a reload or a replayed link starts nothing
    state = request.args.get("state", "")
    if not isinstance(flow, dict) or not state or not hmac.compare_digest(str(flow.get("state", "")), state):
        record_event("valtuudet_refused", actor=g.user, failure="state")
        if isinstance(flow, dict):
            try:
                with _client() as client:
                    _unregister_quietly(client, str(flow.get("session_id", "")))
            except ValtuudetError:
                pass
        return _outcome("invalid", 400)
    session_id = str(flow.get("session_id", ""))
    try:
        with _client() as client:
            try:
                if request.args.get("error") or not request.args.get("code"):
                    record_event("valtuudet_cancelled", actor=g.user)
                    return _outcome("cancelled")
                token = client.exchange_code(request.args["code"], _return_url())
                rights = _rights(client, session_id, token)
            finally:
                _unregister_quietly(client, session_id)
    except ValtuudetError as error:
        return _failed(error)
    return _act(rights)


def _rights(client: ValtuudetClient, session_id: str, token: str) -> list[tuple[Principal, frozenset[str]]]:
    """Each person the relative picked, with the scopes whose theme the service ALLOWED (each theme asked once)."""
    themes = {scope: uri for scope, uri in current_app.config["VALTUUDET_THEMES"].items() if scope in SCOPES and uri}
    rights = []
    for principal in client.delegates(session_id, token):
        allowed = {
            uri: client.authorized(session_id, token, principal.principal_code, uri)
            for uri in sorted(set(themes.values()))
        }
        rights.append((principal, frozenset(scope for scope, uri in themes.items() if allowed[uri])))
    return rights


def _act(rights: list[tuple[Principal, frozenset[str]]]):
    today = today_in_helsinki()
    held: list[Mandate] = []
    unknown: list[str] = []
    for principal, scopes in rights:
        person = person_by_code(principal.principal_code)
        if person is None:
            if scopes:  # a refusal is a refusal: whether we know the person is told only when there is a mandate
                unknown.append(principal.name)
            continue
        if person.id == g.user.id:
            continue
        mandate = _store(person.id, scopes, today)
        if mandate is not None:
            held.append(mandate)
    db.session.commit()
    if not held:
        if unknown:
            record_event("valtuudet_unknown_person", actor=g.user)
            return _outcome("unknown_person", names=unknown)
        record_event("valtuudet_no_mandate", actor=g.user)
        return _outcome("no_mandate")
    mandate = held[0]  # the service's page picks one person; should it give several, all are stored, the first used
    start_acting(mandate.public_id)
    record_event(
        "acting_started", actor=g.user, subject_person_id=mandate.principal_id, basis=f"mandate:{mandate.public_id}"
    )
    flash(_("You are now acting for %(name)s.", name=mandate.principal.display_name))
    return redirect(url_for("main.home"))


def _store(principal_id: int, scopes: frozenset[str], today: date) -> Mandate | None:
    """Today's mandate from the service with exactly `scopes`: an identical one from an earlier check today is
    reused; one from today with other scopes is revoked, as the service's newer answer replaces it."""
    text = " ".join(scope for scope in SCOPES if scope in scopes)
    todays = db.session.scalars(
        db.select(Mandate)
        .filter_by(
            agent_id=g.user.id,
            principal_id=principal_id,
            source="valtuudet",
            valid_from=today,
            valid_to=today,
            revoked_at=None,
        )
        .order_by(Mandate.id)
    )
    kept = None
    for mandate in todays:
        if text and mandate.scopes == text and kept is None:
            kept = mandate
        else:
            mandate.revoked_at = utcnow()
            mandate.revoked_reason = "Replaced by a newer Suomi.fi-valtuudet check"
    if not text:
        return None
    reused = kept is not None
    if kept is None:
        kept = Mandate(
            agent_id=g.user.id,
            principal_id=principal_id,
            scopes=text,
            valid_from=today,
            valid_to=today,
            document=DOCUMENT,
            source="valtuudet",
        )
        db.session.add(kept)
        db.session.flush()
    record_event(
        "mandate_checked",
        actor=g.user,
        subject_person_id=principal_id,
        commit=False,
        mandate=kept.public_id,
        scopes=text,
        source="valtuudet",
        reused=reused,
    )
    return kept


def _client() -> ValtuudetClient:
    config = current_app.config
    try:
        return ValtuudetClient(
            config["VALTUUDET_URL"],
            config["VALTUUDET_CLIENT_ID"],
            config["VALTUUDET_API_KEY"],
            config["VALTUUDET_OAUTH_SECRET"],
            timeout=config["VALTUUDET_TIMEOUT_SECONDS"],
        )
    except ValueError as error:
        raise ValtuudetError(f"configuration: {error}") from None


def _unregister_quietly(client: ValtuudetClient, session_id: str) -> None:
    """End the service's session; a failure here changes nothing for the relative, so it is only logged."""
    if not session_id:
        return
    try:
        client.unregister(session_id)
    except ValtuudetError as error:
        log_event("valtuudet_unregister_failed", failure=str(error))


def _failed(error: ValtuudetError):
    # The message names the operation and the status only (adapters/valtuudet.py): safe to log and to store.
    log_event("valtuudet_failed", failure=str(error), status=error.status)
    record_event("valtuudet_failed", actor=g.user, failure=str(error), status=error.status)
    return _outcome("unavailable", 503)


def _outcome(outcome: str, status: int = 200, names: list[str] | None = None):
    return render_page(TEMPLATE, status=status, outcome=outcome, names=names or [])


def _return_url() -> str:
    return url_for("mandates.valtuudet_return", _external=True)


def _service_language() -> str:
    """The service's page speaks Finnish, Swedish and English; plain-language Finnish readers get Finnish."""
    language = current_language()
    return language if language in ("fi", "sv", "en") else "fi"
