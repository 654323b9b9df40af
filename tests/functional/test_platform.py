"""The database schema and the page weight budget."""

from __future__ import annotations

import gzip

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from bs4 import BeautifulSoup

from portal.extensions import db
from tests.conftest import load_demo_catalogue

PAGE_BUDGET_BYTES = 60 * 1024


def test_models_and_migrations_agree(app):
    """A model change without its migration fails here, on both engines."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            assert db.engine.dialect.name == "postgresql"
            return
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@pytest.fixture
def demo_catalogue(app, tmp_path):
    load_demo_catalogue(app, tmp_path)


@pytest.mark.parametrize("path", ["/", "/units", "/units?near=04400&sort=distance", "unit", "/compare", "/chat/"])
def test_a_page_with_its_css_and_js_stays_within_the_budget(client, login_as, demo_catalogue, path):
    login_as("aino.virtanen")
    if path == "unit":
        path = "/units/" + client.get("/units").get_data(as_text=True).split('href="/units/', 1)[1][:36]
    response = client.get(path)
    assert response.status_code == 200
    total = len(gzip.compress(response.data))
    page = BeautifulSoup(response.data, "html.parser")
    assets = [link["href"] for link in page.select("link[rel=stylesheet]")] + [
        s["src"] for s in page.select("script[src]")
    ]
    assert len(assets) == 3
    for asset in assets:
        body = client.get(asset).data
        assert body, asset
        total += len(gzip.compress(body))
    assert total <= PAGE_BUDGET_BYTES, f"{total} bytes compressed"
