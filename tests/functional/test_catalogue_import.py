"""Importing PTV feeds into the catalogue: all or nothing, idempotent, with rejected records reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.catalogue.importer import ImportFailed, import_catalogue
from portal.extensions import db
from portal.models import CatalogueImport, CatalogueLocation, CatalogueOrganisation, CatalogueService

SHARED_PTV = Path(__file__).resolve().parents[2].parent / "shared" / "ptv"
SMBACKEND = SHARED_PTV / "smbackend"


def _snapshot() -> dict:
    return {
        model.__tablename__: dict(db.session.execute(select(model.id, model.content_hash)).all())
        for model in (CatalogueLocation, CatalogueService, CatalogueOrganisation)
    }


def _page(items: list[dict]) -> dict:
    return {"pageNumber": 1, "pageSize": 100, "pageCount": 1, "itemList": items}


def _locations() -> list[dict]:
    page = json.loads((SMBACKEND / "municipality_channels.json").read_text(encoding="utf-8"))
    return [item for item in page["itemList"] if item.get("serviceChannelType") == "ServiceLocation"]


def test_real_smbackend_samples_import_without_rejections(app):
    with app.app_context():
        result = import_catalogue(SMBACKEND)
        assert result.rejected == []
        assert result.counts["location_read"] >= 1 and result.counts["service_read"] >= 1
        assert db.session.scalar(select(func.count()).select_from(CatalogueLocation)) == result.counts["location_read"]
        located = db.session.scalars(select(CatalogueLocation).where(CatalogueLocation.latitude.isnot(None))).all()
        assert located and all(59 < row.latitude < 71 and 19 < row.longitude < 32 for row in located)


def test_v9_records_import_as_far_as_their_shape_allows(app):
    with app.app_context():
        result = import_catalogue(SHARED_PTV / "kunta-api-server")
        read = sum(result.counts[f"{kind}_read"] for kind in ("location", "service", "organisation"))
        assert read + len(result.rejected) + result.counts["skipped_channels"] == len(
            list((SHARED_PTV / "kunta-api-server").glob("*.json"))
        )


def test_importing_the_same_feed_twice_changes_nothing(app):
    with app.app_context():
        first = import_catalogue(SMBACKEND)
        before = _snapshot()
        second = import_catalogue(SMBACKEND)
        assert first.changed_anything and not second.changed_anything
        assert _snapshot() == before


def test_a_malformed_file_leaves_the_catalogue_untouched(app, tmp_path):
    with app.app_context():
        import_catalogue(SMBACKEND)
        before = _snapshot()
        feed = tmp_path / "feed"
        feed.mkdir()
        (feed / "a.json").write_text(json.dumps(_page(_locations()[:1])), encoding="utf-8")
        (feed / "b.json").write_text('{"itemList": [ {"id": ', encoding="utf-8")
        with pytest.raises(ImportFailed) as error:
            import_catalogue(feed)
        assert "b.json" in str(error.value)
        assert _snapshot() == before
        last = db.session.scalar(select(CatalogueImport).order_by(CatalogueImport.id.desc()).limit(1))
        assert last.status == "failed"


def test_invalid_records_are_skipped_and_reported_one_by_one(app, tmp_path):
    locations = _locations()
    broken = dict(locations[0])
    broken.pop("serviceChannelNames", None)
    broken["id"] = "00000000-0000-4000-8000-000000000001"
    (tmp_path / "page.json").write_text(json.dumps(_page([broken, *locations[1:]])), encoding="utf-8")
    with app.app_context():
        result = import_catalogue(tmp_path / "page.json")
        assert [r["id"] for r in result.rejected] == [broken["id"]]
        assert result.rejected[0]["field"] and result.rejected[0]["reason"]
        assert result.counts["location_read"] == len(locations) - 1


def test_a_full_import_removes_what_the_feed_no_longer_has(app, tmp_path):
    locations = _locations()
    assert len(locations) >= 2
    (tmp_path / "all.json").write_text(json.dumps(_page(locations)), encoding="utf-8")
    (tmp_path / "fewer.json").write_text(json.dumps(_page(locations[1:])), encoding="utf-8")
    with app.app_context():
        import_catalogue(tmp_path / "all.json")
        result = import_catalogue(tmp_path / "fewer.json")
        assert result.counts["location_removed"] == 1
        assert db.session.get(CatalogueLocation, locations[0]["id"]) is None


def test_an_empty_feed_cannot_empty_the_catalogue(app, tmp_path):
    (tmp_path / "empty.json").write_text(json.dumps(_page([])), encoding="utf-8")
    with app.app_context():
        import_catalogue(SMBACKEND)
        before = _snapshot()
        with pytest.raises(ImportFailed):
            import_catalogue(tmp_path / "empty.json")
        assert _snapshot() == before


def test_cli_import_and_status(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["catalogue", "import", str(SMBACKEND)])
    assert result.exit_code == 0, result.output
    assert "rejected: 0" in result.output
    status = runner.invoke(args=["catalogue", "status"])
    assert "succeeded" in status.output
    shutil.copy(SMBACKEND / "municipality_channels.json", tmp_path / "ok.json")
    (tmp_path / "bad.json").write_text("not json", encoding="utf-8")
    failed = runner.invoke(args=["catalogue", "import", str(tmp_path)])
    assert failed.exit_code == 1
    assert "the catalogue was not changed" in failed.output
