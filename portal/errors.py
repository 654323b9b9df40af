"""Error pages in the user's language; no stack traces, no internals."""

from __future__ import annotations

from flask import Flask, current_app
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.htmx import render_page

PAGES = {400: "400", 403: "403", 404: "404", 405: "404", 500: "500"}


def init_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return render_page("error/csrf.html", status=400)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        code = error.code or 500
        if code == 429:
            return render_page("error/429.html", status=429)
        page = PAGES.get(code, "400" if code < 500 else "500")
        return render_page(f"error/{page}.html", status=code)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        current_app.logger.exception("unhandled error")
        from portal.extensions import db

        db.session.rollback()
        return render_page("error/500.html", status=500)
