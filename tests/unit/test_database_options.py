"""The PostgreSQL engine options built from the settings (portal/database.py), without a server."""

from __future__ import annotations

from portal.config import TestConfig
from portal.database import postgresql_engine_options

URL = "postgresql+psycopg://valinta@db.internal/valinta"


def config(**overrides: object) -> dict:
    values = {name: getattr(TestConfig, name) for name in dir(TestConfig) if name.isupper()}
    values.update(DATABASE_STATEMENT_TIMEOUT_MS=15000)
    values.update(overrides)
    return values


def test_the_settings_become_pool_and_connection_options():
    options = postgresql_engine_options(config(DATABASE_POOL_SIZE=4, DATABASE_MAX_OVERFLOW=1), URL)
    assert (options["pool_size"], options["max_overflow"], options["pool_timeout"]) == (4, 1, 10.0)
    assert options["connect_args"] == {"connect_timeout": 5, "options": "-c statement_timeout=15000"}
    assert options["pool_pre_ping"] is True  # the config's own options are kept


def test_what_the_url_says_is_kept():
    options = postgresql_engine_options(config(), URL + "?connect_timeout=3&options=-c%20work_mem%3D8MB")
    assert "connect_timeout" not in options["connect_args"]  # the URL's 3 stands
    assert options["connect_args"]["options"] == "-c work_mem=8MB -c statement_timeout=15000"
    own = postgresql_engine_options(config(), URL + "?options=-c%20statement_timeout%3D500")
    assert "options" not in own["connect_args"]  # the URL's own statement timeout stands


def test_zero_means_no_statement_timeout():
    assert "options" not in postgresql_engine_options(config(DATABASE_STATEMENT_TIMEOUT_MS=0), URL)["connect_args"]
