"""Response headers every page gets: a strict Content Security Policy and friends (ASVS 3.4)."""

from __future__ import annotations

import secrets
from typing import TypeGuard
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request


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


def init_security_headers(app: Flask) -> None:
    @app.before_request
    def _request_id() -> None:
        g.request_id = secrets.token_hex(8)

    @app.after_request
    def _headers(response: Response) -> Response:
        if "csp" not in app.extensions:
            app.extensions["csp"] = content_security_policy(app)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", app.extensions["csp"])
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages may show personal data: never store them in shared or browser caches (ASVS 14.3.2).
        if not request.path.startswith("/static/"):
            headers["Cache-Control"] = "no-store"
        return response


def is_safe_redirect(target: str | None) -> TypeGuard[str]:
    """Only same-site relative paths: `next=` must never send someone to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
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
