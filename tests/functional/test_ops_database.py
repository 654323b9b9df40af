"""The database settings reach the engine and the server; a statement the server cancels gives the 503 page."""

from __future__ import annotations

import psycopg.errors
import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from portal.config import Config
from portal.database import is_unavailable
from portal.extensions import db
from tests.conftest import _migrated, make_app, translated

UNAVAILABLE_TITLE = "The service is temporarily unavailable"


@pytest.fixture
def postgresql_url(migrated_urls: dict[str, str], postgres_url: str) -> str:
    """The migrated PostgreSQL test database, for what only PostgreSQL has (a statement timeout, a sized pool)."""
    if "postgresql" not in migrated_urls:
        migrated_urls["postgresql"] = _migrated(postgres_url)
    return migrated_urls["postgresql"]


def test_the_defaults_are_the_documented_ones():
    assert Config.DATABASE_POOL_SIZE == 5
    assert Config.DATABASE_MAX_OVERFLOW == 5
    assert Config.DATABASE_POOL_TIMEOUT_SECONDS == 10
    assert Config.DATABASE_STATEMENT_TIMEOUT_MS == 15000


def test_pool_settings_reach_postgresql_and_leave_sqlite_to_its_own_pool(database_url: str):
    shared = dict(Config.SQLALCHEMY_ENGINE_OPTIONS)
    app = make_app(database_url, None, DATABASE_POOL_SIZE=3, DATABASE_MAX_OVERFLOW=2, DATABASE_POOL_TIMEOUT_SECONDS=4)
    with app.app_context():
        pool = db.engine.pool
        if db.engine.dialect.name == "postgresql":
            assert pool.size() == 3  # type: ignore[attr-defined]  # a QueuePool
            assert pool._max_overflow == 2  # type: ignore[attr-defined]
            assert pool._timeout == 4  # type: ignore[attr-defined]
        else:
            assert "pool_size" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        assert db.session.execute(text("SELECT 1")).scalar() == 1
        db.engine.dispose()
    assert shared == Config.SQLALCHEMY_ENGINE_OPTIONS  # the class's dict, shared by every app, is untouched


def test_statement_timeout_is_set_on_every_connection(postgresql_url: str):
    app = make_app(postgresql_url, None, DATABASE_STATEMENT_TIMEOUT_MS=1234)
    with app.app_context():
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "1234ms"
        with db.engine.connect() as other:  # a second connection of the pool, not only the first
            assert other.execute(text("SHOW statement_timeout")).scalar() == "1234ms"
        db.session.remove()
        db.engine.dispose()
    off = make_app(postgresql_url, None, DATABASE_STATEMENT_TIMEOUT_MS=0)
    with off.app_context():
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "0"
        db.session.remove()
        db.engine.dispose()


def test_explicit_engine_options_win_over_the_pool_settings(postgresql_url: str):
    app = make_app(postgresql_url, None, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 7, "max_overflow": 0})
    with app.app_context():
        assert db.engine.pool.size() == 7  # type: ignore[attr-defined]
        assert db.engine.pool._max_overflow == 0  # type: ignore[attr-defined]
        db.engine.dispose()


def sleeping_app(url: str, caught: list[BaseException]) -> Flask:
    """The portal with one more route, for this test only, whose statement runs past the 100 ms timeout."""
    app = make_app(url, None, DATABASE_STATEMENT_TIMEOUT_MS=100, PROPAGATE_EXCEPTIONS=False)

    def sleep() -> str:
        try:
            db.session.execute(text("SELECT pg_sleep(1)"))
        except Exception as error:
            caught.append(error)
            raise
        return "slept"

    def answer() -> str:
        return str(db.session.execute(text("SELECT 1")).scalar())

    app.add_url_rule("/test-only/sleep", "test_only_sleep", sleep)
    app.add_url_rule("/test-only/answer", "test_only_answer", answer)
    return app


def test_a_cancelled_statement_gives_the_unavailable_page_in_the_persons_language(postgresql_url: str):
    caught: list[BaseException] = []
    app = sleeping_app(postgresql_url, caught)
    client = app.test_client()

    response = client.get("/test-only/sleep?lang=sv")

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    page = BeautifulSoup(response.data, "html.parser")
    assert page.html is not None and page.html["lang"] == "sv"
    h1 = page.select_one("h1")
    assert h1 is not None and h1.text.strip() == translated(app, "sv", UNAVAILABLE_TITLE)
    [error] = caught
    assert isinstance(error, OperationalError)
    assert isinstance(error.orig, psycopg.errors.QueryCanceled)
    assert is_unavailable(error)
    # The same pool serves the next request: the cancelled statement's transaction was rolled back.
    after = client.get("/test-only/answer")
    assert (after.status_code, after.data) == (200, b"1")
    with app.app_context():
        db.engine.dispose()
