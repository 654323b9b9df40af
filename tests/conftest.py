"""Shared fixtures: databases (SQLite and PostgreSQL), the demo identity providers, the app.

Every test that asks for `app` runs twice: once on SQLite, once on PostgreSQL. PostgreSQL comes
from TEST_DATABASE_URL, or from the pgserver package (a real server, started once per run).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # the demo provider speaks plain http on loopback

from portal import create_app
from portal.demo.idp import DemoProviders, run_demo_providers

REPO_ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def demo_providers() -> Iterator[DemoProviders]:
    """The two demo OpenID Connect providers, over real HTTP on loopback."""
    with run_demo_providers() as providers:
        yield providers


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    import pgserver

    directory = tempfile.mkdtemp(prefix="valinta-pg-")
    server = pgserver.get_server(directory, cleanup_mode="stop")
    yield server.get_uri()
    server.cleanup()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'valinta-test.sqlite3'}"


def _migrated(url: str) -> str:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RESIDENT_OIDC_ISSUER": "", "STAFF_OIDC_ISSUER": ""})
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        downgrade(revision="base")
        upgrade()
    return url


@pytest.fixture(scope="session")
def migrated_urls(request: pytest.FixtureRequest) -> dict[str, str]:
    return {}


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, migrated_urls: dict[str, str]) -> str:
    backend = request.param
    if backend not in migrated_urls:
        raw = request.getfixturevalue("postgres_url" if backend == "postgresql" else "sqlite_url")
        migrated_urls[backend] = _migrated(raw)
    return migrated_urls[backend]


def make_app(database_url: str, providers: DemoProviders | None, **overrides: object) -> Flask:
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RESIDENT_OIDC_ISSUER": providers.resident_issuer if providers else "",
        "STAFF_OIDC_ISSUER": providers.staff_issuer if providers else "",
        "SERVER_NAME": None,
    }
    config.update(overrides)
    return create_app(config)


def empty_tables(app: Flask) -> None:
    from portal.extensions import db

    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def app(database_url: str, demo_providers: DemoProviders) -> Iterator[Flask]:
    """The portal on a migrated, empty database; runs once per backend."""
    application = make_app(database_url, demo_providers)
    empty_tables(application)
    yield application
    empty_tables(application)


DEMO_TODAY = date(2026, 11, 22)


def load_demo_catalogue(app: Flask, folder: Path, today: date = DEMO_TODAY) -> None:
    """Import the demo PTV feed and load its overlay, as `make run` does (files written under `folder`)."""
    from portal.catalogue.importer import import_catalogue
    from portal.catalogue.overlay import load_overlay
    from portal.demo.overlay import write_demo_overlay
    from portal.demo.ptv_feed import write_demo_feed

    with app.app_context():
        if not (folder / "feed").exists():
            write_demo_feed(folder / "feed", today)
            write_demo_overlay(folder / "overlay.csv", today)
        import_catalogue(folder / "feed")
        load_overlay(folder / "overlay.csv")


def translated(app: Flask, language: str, message: str, **variables: object) -> str:
    """`message` as the app shows it in `language`; fails if the catalogue has no translation."""
    from flask import g
    from flask_babel import gettext

    with app.test_request_context(f"/?lang={language}"):
        app.preprocess_request()
        text = gettext(message, **variables)
        g.pop("ui_language", None)
    if language != "en":
        assert text != message % variables if variables else text != message, f"{message!r} untranslated in {language}"
    return text
