"""Response headers every page gets: a strict Content Security Policy and friends (ASVS 3.4)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import TypeGuard
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def content_security_policy(app: Flask) -> str:
    # form-action must allow the identity providers: logging out is a POST that redirects there.
    form_targets = ["'self'"]
    for key in ("RESIDENT_OIDC_ISSUER", "STAFF_OIDC_ISSUER"):
        origin = _origin(app.config.get(key, ""))
        if origin and origin not in form_targets:
            form_targets.append(origin)
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "frame-ancestors": "'none'",
        "form-action": " ".join(form_targets),
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(self), camera=(), microphone=()",
}
MAX_REDIRECT_LENGTH = 2048
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """WSGI middleware: the headers go on every answer, including the ones Flask never sees through its
    after-request hooks (an error raised while opening the session, a bare Werkzeug error page)."""

    def __init__(self, wsgi_app: Callable, csp: str) -> None:
        self.wsgi_app = wsgi_app
        self.csp = csp

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        secure = environ.get("wsgi.url_scheme") == "https"
        static = (environ.get("PATH_INFO") or "").startswith("/static/")

        def start(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> Callable:
            present = {name.lower() for name, _ in headers}
            wanted = {"Content-Security-Policy": self.csp, **SECURITY_HEADERS}
            if secure:
                wanted["Strict-Transport-Security"] = HSTS
            headers = [*headers, *((name, value) for name, value in wanted.items() if name.lower() not in present)]
            if not static:
                # Pages may show personal data: never store them in shared or browser caches (ASVS 14.3.2).
                headers = [(name, value) for name, value in headers if name.lower() != "cache-control"]
                headers.append(("Cache-Control", "no-store"))
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return self.wsgi_app(environ, start)


def init_security_headers(app: Flask) -> None:
    @app.before_request
    def _request_id() -> None:
        g.request_id = secrets.token_hex(8)

    app.wsgi_app = SecurityHeaders(app.wsgi_app, content_security_policy(app))  # type: ignore[method-assign]


def is_safe_redirect(target: str | None) -> TypeGuard[str]:
    """Only same-site relative paths: `next=` must never send someone to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if len(target) > MAX_REDIRECT_LENGTH or any(ord(character) < 32 or ord(character) == 127 for character in target):
        return False  # CR/LF would split the Location header; a page address is never this long
    return not urlsplit(target).netloc and current_app is not None


def same_origin_request() -> bool:
    """Whether a state-changing request comes from our own pages, by the browser's own headers (OWASP's
    "verifying origin with standard headers"). For forms anonymous visitors use, where a CSRF token would mean
    creating a server-side session for every page view; the session cookie is SameSite=Lax as well."""
    if request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
        return False
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc == request.host
    return origin != "null"
