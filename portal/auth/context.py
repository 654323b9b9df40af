"""Load the logged-in user once per request."""

from flask import Flask, g, session

from portal.auth.services import load_current_user
from portal.sessions import server_session


def init_current_user(app: Flask) -> None:
    @app.before_request
    def _load_user() -> None:
        g.user = load_current_user(session.get("user_key"), session.get("roles"))
        if g.user is None and session.get("user_key"):
            server_session().destroy()  # the account is gone: end the session rather than half-trust it
        g.session_expired = getattr(session, "expired", False)

    @app.context_processor
    def _user_context() -> dict:
        return {"current_user": g.get("user"), "session_expired": g.get("session_expired", False)}
