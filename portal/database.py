"""The database: SQLite (embedded default) or PostgreSQL (production), with the same migrations."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy import event, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from portal.config import REPO_ROOT
from portal.extensions import db, migrate

# What a database that is down, restarting, unreachable or overloaded raises: refused or dropped connections, a
# failed pre-ping reconnect, SQLite's file gone or locked, no free connection in the pool within its timeout, and a
# statement the server cancelled at DATABASE_STATEMENT_TIMEOUT_MS (psycopg's QueryCanceled is an OperationalError).
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


def _end_session_quietly(_error: BaseException | None) -> None:
    """End the request's database session even when the database dropped its connection under it (a restart):
    the rollback then fails too, and escaping the app context that error would turn the page already answered (a
    503, or the view's own) into the WSGI server's bare 500. The pool has invalidated the connection by then."""
    try:
        db.session.remove()
    except SQLAlchemyError as error:
        if not is_unavailable(error):
            raise
        db.session.registry.clear()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")  # concurrent writers wait instead of failing at once
    cursor.close()


def postgresql_engine_options(config: Mapping[str, Any], uri: str) -> dict[str, Any]:
    """The engine options for PostgreSQL: the pool and timeout settings, under whatever the URL or explicit engine
    options already say (the bench sizes its own pool)."""
    # A copy: the options dict is the config class's own, shared by every app in the process.
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    query = make_url(uri).query
    connect_args = dict(options.get("connect_args") or {})
    if "connect_timeout" not in query:
        connect_args.setdefault("connect_timeout", config["DATABASE_CONNECT_TIMEOUT_SECONDS"])
    statement_timeout = int(config["DATABASE_STATEMENT_TIMEOUT_MS"])
    # libpq's `options` sets the server's parameters for the whole connection, at no cost per request. The argument
    # replaces the URL's own `options`, so that one is carried over.
    in_url = query.get("options") or ()
    libpq_options = str(connect_args.get("options") or " ".join((in_url,) if isinstance(in_url, str) else in_url))
    if statement_timeout > 0 and "statement_timeout" not in libpq_options:
        connect_args["options"] = f"{libpq_options} -c statement_timeout={statement_timeout}".strip()
    options["connect_args"] = connect_args
    options.setdefault("pool_size", int(config["DATABASE_POOL_SIZE"]))
    options.setdefault("max_overflow", int(config["DATABASE_MAX_OVERFLOW"]))
    options.setdefault("pool_timeout", float(config["DATABASE_POOL_TIMEOUT_SECONDS"]))
    return options


def init_database(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):  # the spelling some hosting platforms hand out
        uri = "postgresql+psycopg://" + uri.removeprefix("postgres://")
    elif uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("postgresql"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = postgresql_engine_options(app.config, uri)
    if uri.startswith("sqlite:///"):
        (REPO_ROOT / "instance").mkdir(exist_ok=True)
    db.init_app(app)
    # Registered after Flask-SQLAlchemy's own teardown, so it runs first (teardowns run in reverse).
    app.teardown_appcontext(_end_session_quietly)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True, compare_type=True)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
