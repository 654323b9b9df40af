"""Error pages in the user's language; no stack traces, no internals."""

from __future__ import annotations

import traceback

from flask import Flask, Response, current_app, request, session
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.database import is_unavailable, rollback_quietly
from portal.htmx import render_page

PAGES = {400: "400", 403: "403", 404: "404", 405: "404", 413: "413", 429: "429", 500: "500", 503: "503"}


def init_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return render_page("error/csrf.html", status=400)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        code = error.code or 500
        page = PAGES.get(code, "400" if code < 500 else "500")
        response = render_page(f"error/{page}.html", status=code)
        for name in ("Retry-After", "Allow"):  # what the exception says the client needs: when, which methods
            for header, value in error.get_headers():
                if header == name:
                    response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, DBAPIError):
            # The server's own message may quote the values (PostgreSQL's "Key (x)=(...)"): the class, the SQLSTATE
            # and where it happened are enough to find the cause, and hold nothing a person typed.
            trace = "".join(traceback.format_tb(error.__traceback__))
            sqlstate = getattr(error.orig, "sqlstate", None)
            current_app.logger.error("database error %s (SQLSTATE %s)\n%s", type(error.orig).__name__, sqlstate, trace)
        else:
            current_app.logger.exception("unhandled error")
        from portal.extensions import db

        db.session.rollback()
        return render_page("error/500.html", status=500)

    @app.errorhandler(SQLAlchemyError)
    def _database(error: SQLAlchemyError):
        return database_unavailable(error) if is_unavailable(error) else _unexpected(error)

    @app.errorhandler(InternalServerError)
    def _internal(error: InternalServerError):
        # Flask's last resort, for what failed outside the view: saving the session, say.
        if is_unavailable(error.original_exception):
            return database_unavailable(error.original_exception)
        return _http(error)

    # First of all: the CSRF check and loading the user would both misread a session that could not be read.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_unread_session)


RETRY_AFTER_SECONDS = 30


def database_unavailable(error: BaseException | None = None) -> Response:
    """The 503 page, in the person's language: the service is unavailable for a moment. One log line, no statement."""
    if error is not None:
        current_app.logger.warning("database unavailable: %s", type(error).__name__)
    rollback_quietly()
    response = render_page("error/503.html", status=503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _refuse_unread_session() -> Response | None:
    """A session the database could not give (portal/sessions.py) means a 503, except for /healthz, /readyz and
    static files: those need no session, and the readiness probe says for itself what is wrong."""
    if getattr(session, "unavailable", False) and request.blueprint != "ops" and request.endpoint != "static":
        return database_unavailable()
    return None
