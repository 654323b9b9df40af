"""Who may do what, checked on the server for every request (pages and htmx fragments alike)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, g, redirect, request, url_for

from portal.auth.services import record_event


def login_required(kind: str | None = None) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = g.get("user")
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if kind and user.kind != kind:
                record_event("access_denied", actor=user, path=request.path, needed=kind)
                g.access_needed = kind  # the 403 page says whose page it is, and where to go instead
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def role_required(*roles: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required("staff")
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not g.user.has_role(*roles):
                record_event("access_denied", actor=g.user, path=request.path, needed=",".join(roles))
                g.access_needed = "role"
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
