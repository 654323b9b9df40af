"""Login, the identity provider's callback, and logout."""

from __future__ import annotations

from flask import abort, current_app, g, redirect, request, session, url_for

from adapters.oidc import OidcError
from portal.auth import bp
from portal.auth.logout_hint import seal, unseal
from portal.auth.providers import provider
from portal.auth.services import (
    HETU_CLAIM,
    ClaimsRejected,
    CurrentUser,
    forget_old_login_attempts,
    log_event,
    record_event,
    resident_from_claims,
    rollback,
    staff_from_claims,
)
from portal.htmx import render_page
from portal.i18n import forgets_language, keeps_query, language_cookie_name, login_language
from portal.mandates.agent_code import keep_at_login
from portal.ratelimit import limited
from portal.security import is_safe_redirect
from portal.sessions import server_session


@bp.route("/login")
@keeps_query("next")
def login():
    next_url = request.args.get("next")
    return render_page(
        "views/auth/login.html",
        next_url=next_url if is_safe_redirect(next_url) else None,
        resident_available=provider("resident") is not None,
        staff_available=provider("staff") is not None,
    )


@bp.route("/login/<any(resident, staff):kind>")
@limited("login")
def start_login(kind: str):
    client = provider(kind)
    if client is None:
        abort(404)
    next_url = request.args.get("next")
    session["login_next"] = next_url if is_safe_redirect(next_url) else None
    try:
        response = client.login_redirect(url_for("auth.callback", kind=kind, _external=True), ui_locales=_ui_locale())
    except OidcError as error:
        return _login_failed(kind, error.kind, error.detail)
    forget_old_login_attempts(session, current_app.config["MAX_PENDING_LOGINS"])
    return response


@bp.route("/auth/callback/<any(resident, staff):kind>")
@limited("login")
def callback(kind: str):
    client = provider(kind)
    if client is None:
        abort(404)
    try:
        claims, id_token = client.complete_login()
    except OidcError as error:
        return _login_failed(kind, error.kind, error.detail)
    issuer = client.settings.issuer
    try:
        if kind == "resident":
            person = resident_from_claims(claims, issuer)
            user = CurrentUser("resident", person.id, person.display_name)
            roles: list[str] = []
            saved = person.language
        else:
            staff, claim_roles = staff_from_claims(claims, issuer)
            user = CurrentUser("staff", staff.id, staff.name, roles=claim_roles)
            roles = sorted(claim_roles)
            saved = staff.language
    except ClaimsRejected as rejected:
        rollback()
        return _login_failed(kind, "claims", rejected.reason)
    next_url = session.get("login_next")
    # A language picked on this visit (before the session or while logging in), else the saved one, else the
    # identity provider's: docs/translations.md, "Language selection". Nothing is saved here.
    language = login_language(session.get("lang") or request.cookies.get(language_cookie_name()), saved, claims)
    chat = session.get("chat")  # a chat begun before logging in goes on after it (portal/chat/views.py)
    session.clear()
    server_session().regenerate()  # a new session token at login (ASVS 7.2.4)
    if chat and kind == "resident":
        session["chat"] = chat
    session["user_key"] = user.key
    session["roles"] = roles
    # Never the readable ID token: it carries the identity code (portal/auth/logout_hint.py).
    session["logout_hint"] = seal(id_token, current_app.config["SECRET_KEY"])
    session["sid"] = str(claims["sid"])[:128] if claims.get("sid") else None
    session["provider"] = kind
    session["lang"] = language
    if kind == "resident":  # sealed, and only while Suomi.fi-valtuudet is on: portal/mandates/agent_code.py
        keep_at_login(str(claims.get(HETU_CLAIM, "")))
    record_event("login", actor=user, provider=kind, acr=claims.get("acr"))
    return redirect(next_url or url_for("main.home"))


@bp.route("/logout", methods=["POST"])
def logout():
    kind = session.get("provider")
    id_token = unseal(session.get("logout_hint"), current_app.config["SECRET_KEY"])
    user = g.get("user")
    language = session.get("lang")
    if user is not None:
        record_event("logout", actor=user)
    # End our own session first, then the provider's (RP-initiated logout).
    server_session().destroy()
    target = url_for("auth.logged_out", lang=language, _external=True)
    client = provider(kind) if kind else None
    end_session = client.logout_url(id_token, target) if client else None
    response = redirect(end_session or target)
    # Nothing of the person's pages stays in this browser's caches or storage after logout (ASVS 14.3.1), nor their
    # language as the next person's pick (the page after logout shows it without remembering it).
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    response.delete_cookie(language_cookie_name(), secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
    return response


@bp.route("/logged-out")
@forgets_language
def logged_out():
    return render_page("views/auth/logged-out.html")


def _ui_locale() -> str:
    return {"selko": "fi"}.get(g.get("ui_language", "fi"), g.get("ui_language", "fi"))


def _login_failed(kind: str, reason: str, detail: str):
    # A failed login leaves nothing of the flow behind and creates no login. A person who is
    # already logged in stays so: a forged callback link must not be a way to log someone out.
    for key in [key for key in session if key.startswith("_state_") or key == "login_next"]:
        session.pop(key)
    # In `detail` as "failure": record_event's own `reason` is the reason staff give for a look at someone's data.
    record_event("login_failed", provider=kind, failure=reason, detail=detail)  # values bounded and escaped there
    log_event("login_failed", provider=kind, reason=reason, detail=detail)
    return render_page(
        "views/auth/login-failed.html", status=400 if reason != "unavailable" else 503, reason=reason, kind=kind
    )
