"""A Flask session interface that keeps session data in the database.

Why not Flask's signed-cookie session: logout must end the session on the server, idle and
absolute timeouts must hold whatever the browser sends back, and several workers on several
hosts must share sessions without sticky load balancing.

When the database cannot be reached, a session cannot be read: `open_session` runs before any error handler,
so it must not raise. It gives an empty session marked `unavailable`, never saved (the browser keeps its cookie
for when the database is back), and portal/errors.py answers the request with the 503 page.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from typing import cast

from flask import Flask, Request, Response, session
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import CallbackDict

from portal.database import is_unavailable, rollback_quietly
from portal.extensions import db
from portal.models import WebSession
from portal.models._types import utcnow

TOUCH_EVERY = timedelta(seconds=60)  # write last_seen_at at most this often
# Every request reads its session: three columns rather than the ORM row (nothing here changes it), in a statement
# built once rather than per request.
SESSION_ROW = select(WebSession.data, WebSession.created_at, WebSession.last_seen_at).where(
    WebSession.id == bindparam("id")
)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, initial: dict | None = None, token: str | None = None, last_seen: datetime | None = None):
        def on_update(_: CallbackDict) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        # Plain values, not the ORM row: the row's database session may be gone by save time.
        self.token = token
        self.last_seen = last_seen
        self.modified = False
        self.expired = False
        self.unavailable = False  # the database could not be reached: nothing was read, nothing may be written
        self._rotate = False
        self._destroy = False

    def regenerate(self) -> None:
        """Give the session a new token, keeping its data: call on login (ASVS 7.2.4)."""
        self._rotate = True
        self.modified = True

    def destroy(self) -> None:
        """End the session on the server and in the browser."""
        self.clear()
        self._destroy = True


def server_session() -> ServerSession:
    """Flask's `session`, typed: create_app installs DatabaseSessionInterface, which opens every one."""
    return cast(ServerSession, session)


class DatabaseSessionInterface(SessionInterface):
    serializer = json

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        try:
            return self._open(app, request)
        except SQLAlchemyError as error:
            if not is_unavailable(error):
                raise
            rollback_quietly()
            app.logger.warning("session not read, the database is unavailable: %s", type(error).__name__)
            unread = ServerSession()
            unread.unavailable = True
            return unread

    def _open(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(self.get_cookie_name(app))
        if not token or len(token) > 128:
            return ServerSession()
        row = db.session.execute(SESSION_ROW, {"id": _digest(token)}).first()
        if row is None:
            return ServerSession()
        now = utcnow()
        idle = app.config["SESSION_IDLE_TIMEOUT"]
        absolute = app.config["SESSION_ABSOLUTE_LIFETIME"]
        if now - row.last_seen_at > idle or now - row.created_at > absolute:
            db.session.execute(delete(WebSession).where(WebSession.id == _digest(token)))
            db.session.commit()
            fresh = ServerSession()
            fresh.expired = True
            return fresh
        return ServerSession(json.loads(row.data), token=token, last_seen=row.last_seen_at)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not isinstance(session, ServerSession):
            raise TypeError(f"expected the ServerSession this interface opened, got {type(session).__name__}")
        if session.unavailable:
            return
        try:
            self._save(app, session, response)
        except SQLAlchemyError as error:
            if is_unavailable(error):
                # Flask answers with the error page (503), then saves again: do not try the database twice.
                session.unavailable = True
                rollback_quietly()
            raise

    def _save(self, app: Flask, session: ServerSession, response: Response) -> None:
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        token = session.token  # None: nothing stored yet
        if session._destroy or (not session and token is not None):
            if token is not None:
                db.session.execute(delete(WebSession).where(WebSession.id == _digest(token)))
                db.session.commit()
            response.delete_cookie(name, domain=domain, path=path)
            return
        if not session:
            return
        now = utcnow()
        if session._rotate and token is not None:
            db.session.execute(delete(WebSession).where(WebSession.id == _digest(token)))
            token = None
        if token is None:
            token = session.token = secrets.token_urlsafe(32)  # 256 bits from the OS CSPRNG (ASVS 7.2.3)
            db.session.add(WebSession(id=_digest(token), created_at=now, last_seen_at=now, data="{}"))
            db.session.flush()
            session.modified = True
        values: dict = {}
        if session.modified:
            values = {"data": json.dumps(dict(session)), "user_key": session.get("user_key"), "last_seen_at": now}
        elif session.last_seen is None or now - session.last_seen > TOUCH_EVERY:
            values = {"last_seen_at": now}
        else:
            return
        db.session.execute(update(WebSession).where(WebSession.id == _digest(token)).values(**values))
        db.session.commit()
        response.vary.add("Cookie")
        response.set_cookie(
            name,
            token,
            httponly=self.get_cookie_httponly(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            domain=domain,
            path=path,
        )


def end_sessions_of(user_key: str) -> int:
    """End every session of one person, e.g. when an admin removes a role."""
    count = WebSession.query.filter_by(user_key=user_key).delete()
    db.session.commit()
    return count


def purge_expired(app: Flask) -> int:
    now = utcnow()
    idle_cutoff = now - app.config["SESSION_IDLE_TIMEOUT"]
    absolute_cutoff = now - app.config["SESSION_ABSOLUTE_LIFETIME"]
    count = WebSession.query.filter(
        (WebSession.last_seen_at < idle_cutoff) | (WebSession.created_at < absolute_cutoff)
    ).delete(synchronize_session=False)
    db.session.commit()
    return count
