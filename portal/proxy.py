"""What a request came through: the production recipe's TLS-terminating load balancer, and the Host it names.

Behind a proxy every request looks like plain http to the app: no HSTS, an http `redirect_uri` sent to the identity
provider, and Flask-WTF's strict Referer check skipped. The forwarded headers are trusted only from as many proxies
as the configuration says (`PROXY_COUNT`), so a client cannot forge them past the last proxy.

The Host header is checked before Flask sees it: a host that is not a host name (8 000 characters, say) or not one
of `TRUSTED_HOSTS` would leave Flask without a URL adapter, and even its error page would fail. Such a request is
answered with the ordinary 400 page, rendered for a trusted host (the pages hold only relative links).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, abort, request
from werkzeug.middleware.proxy_fix import ProxyFix

REFUSED_HOST = "valinta.refused_host"
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_HOST = re.compile(rf"(?:{_LABEL}(?:\.{_LABEL})*\.?|\[[0-9A-Fa-f:.]{{2,45}}\])(?::[0-9]{{1,5}})?")
MAX_HOST_LENGTH = 260


def host_is_well_formed(host: str) -> bool:
    return len(host) <= MAX_HOST_LENGTH and _HOST.fullmatch(host) is not None


def _matches(host: str, trusted: Iterable[str]) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.lower().rstrip(".")
    for pattern in trusted:
        pattern = pattern.lower()
        if name == pattern or (pattern.startswith(".") and name.endswith(pattern)):
            return True
    return False


class HostGuard:
    def __init__(self, wsgi_app: Callable[..., Any], trusted: list[str] | None, fallback: str) -> None:
        self.wsgi_app = wsgi_app
        self.trusted = trusted
        self.fallback = fallback

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        host = environ.get("HTTP_HOST")
        if host is not None and (
            not host_is_well_formed(host) or (self.trusted is not None and not _matches(host, self.trusted))
        ):
            environ[REFUSED_HOST] = True
            environ["HTTP_HOST"] = self.fallback
        return self.wsgi_app(environ, start_response)


def refuse_bad_host() -> None:
    if request.environ.get(REFUSED_HOST):
        abort(400)


def init_proxy(app: Flask) -> None:
    trusted = app.config.get("TRUSTED_HOSTS")
    fallback = (trusted[0].lstrip(".") if trusted else None) or app.config.get("SERVER_NAME") or "localhost"
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_bad_host)
    wrapped: Any = HostGuard(app.wsgi_app, trusted, fallback)
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count > 0:
        wrapped = ProxyFix(wrapped, x_for=count, x_proto=count, x_host=count, x_port=count)
    app.wsgi_app = wrapped  # type: ignore[method-assign]  # the documented way to add WSGI middleware
