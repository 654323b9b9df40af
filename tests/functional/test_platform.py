"""The database schema and the page weight budget."""

from __future__ import annotations

import gzip

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from bs4 import BeautifulSoup

from portal.extensions import db
from tests.conftest import load_demo_catalogue

PAGE_BUDGET_BYTES = 30 * 1024  # a page with its CSS, JS and fonts, compressed, on a cold cache


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


RESIDENT_PAGES = ["/", "/units", "/units?near=04400&sort=distance", "unit", "/compare", "/chat/", "/choices/",
                  "/wallet/", "/flags/", "/flags/new", "/my-data/access", "/acting/"]  # fmt: skip
PAGES = [
    *(("aino.virtanen", path) for path in RESIDENT_PAGES),
    *(("liisa.neuvoja", path) for path in ("/", "/helpline/", "/helpline/callers")),
    *(("olli.jarjestaja", path) for path in ("/organiser/listings", "/organiser/flags/", "/helpline/hours")),
]


@pytest.mark.parametrize(("sub", "path"), PAGES)
def test_a_page_with_its_css_and_js_stays_within_the_budget(client, login_as, demo_catalogue, sub, path):
    login_as(sub)
    if path == "unit":
        path = "/units/" + client.get("/units").get_data(as_text=True).split('href="/units/', 1)[1][:36]
    response = client.get(path)
    assert response.status_code == 200
    total = len(gzip.compress(response.data))
    page = BeautifulSoup(response.data, "html.parser")
    assets = [link["href"] for link in page.select("link[rel=stylesheet]")] + [
        s["src"] for s in page.select("script[src]")
    ]
    assert assets  # the page's own styles and scripts count too
    for asset in assets:
        body = client.get(asset).data
        assert body, asset
        total += len(gzip.compress(body))
    assert total <= PAGE_BUDGET_BYTES, f"{path}: {total} bytes compressed"
