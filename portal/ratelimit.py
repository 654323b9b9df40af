"""Rate limits per client address and per account (ASVS 2.4.1), counted where every process sees them.

A fixed window per limit: one upsert that adds one and returns the count, in its own short transaction, so a
limit holds across workers and hosts without a shared cache service. Addresses and accounts are stored only as
keyed hashes. `flask sessions purge` deletes windows that have ended.

Limits are settings (`RATE_LIMITS`: name → "count/seconds"); a view takes one with `@limited("name")`, and
every form sent (POST) counts against "post" per address and "post_account" per logged-in person.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, current_app, g, request
from sqlalchemy import Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.exceptions import TooManyRequests

from portal.extensions import db
from portal.models import RateLimitCounter
from portal.models._types import utcnow

View = TypeVar("View", bound=Callable[..., Any])


class Limit:
    def __init__(self, name: str, spec: str) -> None:
        count, _, seconds = spec.partition("/")
        self.name = name
        self.count = int(count)
        self.seconds = int(seconds or 60)


def _limit(name: str) -> Limit | None:
    spec = current_app.config.get("RATE_LIMITS", {}).get(name)
    return Limit(name, spec) if spec else None


def _subject_hash(subject: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, subject.encode(), hashlib.sha256).hexdigest()[:32]


def hit(name: str, subject: str) -> None:
    """Count one request of `subject` (an address or an account) against the limit `name`; 429 past it."""
    if not current_app.config.get("RATE_LIMITS_ENABLED", True):
        return
    limit = _limit(name)
    if limit is None:
        return
    now = time.time()
    window = int(now // limit.seconds)
    key = f"{limit.name}:{_subject_hash(subject)}:{window}"
    expires_at = utcnow() + timedelta(seconds=(window + 1) * limit.seconds - now)
    count = _increment(key, expires_at)
    if count > limit.count:
        g.rate_limited = limit.name
        raise TooManyRequests(retry_after=max(1, int((window + 1) * limit.seconds - now) + 1))


def _increment(key: str, expires_at: datetime) -> int:
    # Its own connection and transaction: the count must stand even when the request's own work rolls back.
    dialect = db.engine.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, RateLimitCounter.__table__)  # a declarative model's table is a Table
    statement = (
        insert(table)
        .values(key=key, count=1, expires_at=expires_at)
        .on_conflict_do_update(index_elements=[table.c.key], set_={"count": table.c.count + 1})
        .returning(table.c.count)
    )
    with db.engine.begin() as connection:
        return int(connection.execute(statement).scalar_one())


def client_address() -> str:
    # With PROXY_COUNT set, ProxyFix has already put the client's own address here (portal/proxy.py).
    return request.remote_addr or "unknown"


def limited(name: str) -> Callable[[View], View]:
    """Count each call of the view against the limit `name`, per client address."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            hit(name, client_address())
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]  # same signature as `view`

    return decorator


def purge_ended() -> int:
    result = db.session.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at < utcnow()))
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def init_rate_limits(app: Flask) -> None:
    @app.before_request
    def _limit_posts() -> None:
        if request.method != "POST":
            return
        hit("post", client_address())
        user = g.get("user")
        if user is not None:
            hit("post_account", user.key)
