"""The page cache of the compare pages: anonymous pages are reused, nothing personal is ever stored or served."""

from __future__ import annotations

import pytest

from tests.conftest import load_demo_catalogue, make_app


@pytest.fixture
def cached_app(app, database_url, demo_providers, tmp_path):
    """The same database, with the production settings: page cache on. The version is still read every time, so a
    new import shows at once (the time-to-live is tested apart)."""
    load_demo_catalogue(app, tmp_path)
    return make_app(database_url, demo_providers, COMPARE_PAGE_CACHE_SIZE=8)


def cache_of(app):
    return app.extensions["compare_page_cache"]._pages


def test_an_anonymous_page_is_rendered_once_and_reused(cached_app):
    client = cached_app.test_client()
    first = client.get("/units?municipality=186")
    assert len(cache_of(cached_app)) == 1
    again = client.get("/units?municipality=186")
    assert again.data == first.data and "HX-Request" in again.headers["Vary"]
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    fragment = client.get("/units?municipality=186&kind=", headers={"HX-Request": "true"})
    cached_fragment = client.get("/units?municipality=186&kind=", headers={"HX-Request": "true"})
    assert cached_fragment.headers["HX-Push-Url"] == fragment.headers["HX-Push-Url"] == "/units?municipality=186"
    assert b"<html" not in cached_fragment.data
    assert len(cache_of(cached_app)) == 2


def test_a_new_import_replaces_the_cached_pages(cached_app, tmp_path):
    client = cached_app.test_client()
    before = client.get("/units").data
    load_demo_catalogue(cached_app, tmp_path / "again")  # a new import run: a new catalogue version
    after = client.get("/units").data
    assert len(cache_of(cached_app)) == 2 and before == after  # same content, rendered again for the new version


def test_logged_in_pages_are_never_cached(cached_app, demo_providers):
    from tests.functional.conftest import login

    client = cached_app.test_client()
    login(client, "aino.virtanen")
    page = client.get("/units").get_data(as_text=True)
    assert "Aino Virtanen" in page
    assert "compare_page_cache" not in cached_app.extensions or not cache_of(cached_app)
    anonymous = cached_app.test_client().get("/units").get_data(as_text=True)
    assert "Aino Virtanen" not in anonymous


def test_a_visitor_with_a_comparison_list_gets_their_own_page(cached_app):
    stranger, visitor = cached_app.test_client(), cached_app.test_client()
    empty = stranger.get("/units").get_data(as_text=True)
    unit_id = empty.split('href="/units/', 1)[1][:36]
    visitor.post("/compare/add", data={"location_id": unit_id, "next": "/units"})
    own = visitor.get("/units").get_data(as_text=True)
    assert "/compare/remove" in own and "/compare/remove" not in empty
    assert "/compare/remove" not in stranger.get("/units").get_data(as_text=True)


def test_the_language_is_part_of_the_key(cached_app):
    client = cached_app.test_client()
    finnish = client.get("/units?lang=fi").data
    swedish = client.get("/units?lang=sv").data
    assert finnish != swedish and b'lang="sv"' in swedish


def test_the_catalogue_version_is_read_at_most_once_per_time_to_live(app, database_url, demo_providers, tmp_path):
    from portal.compare.index import current_index

    load_demo_catalogue(app, tmp_path)
    patient = make_app(database_url, demo_providers, CATALOGUE_VERSION_TTL_SECONDS=3600)
    with patient.app_context():
        seen = current_index().version
    load_demo_catalogue(app, tmp_path)  # a new import run
    with patient.app_context():
        assert current_index().version == seen  # not looked at again within the hour
    with app.app_context():  # the test config reads it every time
        assert current_index().version != seen


def test_a_cached_page_reads_no_table_within_the_time_to_live(app, database_url, demo_providers, tmp_path):
    """As deployed: the catalogue version and the full units are read at most every couple of seconds, so a page
    from the cache runs no SQL at all (bench: the cached compare throughput)."""
    from sqlalchemy import event

    from portal.extensions import db

    load_demo_catalogue(app, tmp_path)
    deployed = make_app(database_url, demo_providers, CATALOGUE_VERSION_TTL_SECONDS=60, FULL_UNITS_TTL_SECONDS=60)
    client = deployed.test_client()
    assert client.get("/units?municipality=186").status_code == 200
    statements = []
    with deployed.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    assert client.get("/units?municipality=186").status_code == 200
    assert statements == []
