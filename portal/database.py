"""The database: SQLite (embedded default) or PostgreSQL (production), with the same migrations."""

from __future__ import annotations

import contextlib

from flask import Flask
from sqlalchemy import event, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from portal.config import REPO_ROOT
from portal.extensions import db, migrate

# What a database that is down, restarting, unreachable or overloaded raises: refused or dropped connections, a
# failed pre-ping reconnect, SQLite's file gone or locked, no free connection in the pool within its timeout.
UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)


def is_unavailable(error: BaseException | None) -> bool:
    """Whether `error` means "the database cannot serve just now, try again soon" rather than a bug."""
    if isinstance(error, UNAVAILABLE):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def rollback_quietly() -> None:
    """End the request's transaction after the database went away; the rollback itself may fail then."""
    with contextlib.suppress(SQLAlchemyError):  # the connection is gone; the request's teardown discards the rest
        db.session.rollback()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")  # concurrent writers wait instead of failing at once
    cursor.close()


def init_database(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):  # the spelling some hosting platforms hand out
        uri = "postgresql+psycopg://" + uri.removeprefix("postgres://")
    elif uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("postgresql") and "connect_timeout" not in make_url(uri).query:
        # A copy: the options dict is the config class's own, shared by every app in the process.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {
            "connect_timeout": app.config["DATABASE_CONNECT_TIMEOUT_SECONDS"],
            **options.get("connect_args", {}),
        }
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if uri.startswith("sqlite:///"):
        (REPO_ROOT / "instance").mkdir(exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True, compare_type=True)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
