"""Re-importing a feed: a record whose source text the catalogue stored is not parsed again (docs/catalogue.md);
a changed record, and every record after a derivation rule changed, is rewritten; removals are still found."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from adapters.ptv import v11
from adapters.ptv.errors import RecordError
from portal.catalogue.importer import import_catalogue
from portal.extensions import db
from portal.models import CatalogueImport, CatalogueLocation, CatalogueOrganisation, CatalogueService

SMBACKEND = Path(__file__).resolve().parents[2].parent / "shared" / "ptv" / "smbackend"


def _snapshot() -> dict:
    return {
        model.__tablename__: {
            row.id: (row.content_hash, row.source_length, row.raw) for row in db.session.scalars(select(model))
        }
        for model in (CatalogueLocation, CatalogueService, CatalogueOrganisation)
    }


def _records() -> list[dict[str, Any]]:
    found = []
    for name in ("municipality_channels.json", "municipality_channels_3.json", "municipality_services.json"):
        found += json.loads((SMBACKEND / name).read_text(encoding="utf-8"))["itemList"]
    return found


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    page = {"pageNumber": 1, "pageSize": 100, "pageCount": 1, "itemList": records}
    path.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Ids of the records the reader parses; the real parser still runs."""
    calls: list[str] = []
    real = v11.parse_record

    def counting(raw: Any) -> v11.Parsed:
        calls.append(raw["id"])
        return real(raw)

    monkeypatch.setattr(v11, "parse_record", counting)
    return calls


def test_an_unchanged_feed_is_not_parsed_again(app, tmp_path: Path, parsed: list[str]) -> None:
    records = _records()
    feed = _write(tmp_path / "page.json", records)
    with app.app_context():
        first = import_catalogue(feed)
        assert first.counts["location_added"] == 3 and first.counts["service_added"] == 2
        before = _snapshot()
        assert all(length for rows in before.values() for _, length, _ in rows.values())
        parsed.clear()

        second = import_catalogue(feed)
        phone = [r["id"] for r in records if r.get("serviceChannelType") == "Phone"]
        assert parsed == phone  # never stored, so read each time, and skipped
        assert not second.changed_anything
        assert second.counts["location_read"] == second.counts["location_unchanged"] == 3
        assert second.counts["service_read"] == second.counts["service_unchanged"] == 2
        assert second.counts["skipped_channels"] == 1 and second.rejected == []
        assert _snapshot() == before
        run = db.session.get(CatalogueImport, second.run_id)
        assert "5 unchanged (not read again)" in run.message
        assert json.loads(run.counts)["location_unchanged"] == 3


def test_a_stored_record_is_skipped_even_if_the_reader_would_now_refuse_it(
    app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = _write(tmp_path / "page.json", _records())
    with app.app_context():
        import_catalogue(feed)

        def refuse(raw: Any) -> v11.Parsed:
            raise RecordError(raw.get("id"), "", "refused by a stricter reader")

        monkeypatch.setattr(v11, "parse_record", refuse)
        again = import_catalogue(feed)
        assert [entry["id"] for entry in again.rejected] == [_records()[2]["id"]]  # only the Phone channel
        assert again.counts["location_unchanged"] == 3 and again.counts["location_removed"] == 0


def test_a_changed_record_is_parsed_and_rewritten(app, tmp_path: Path, parsed: list[str]) -> None:
    records = _records()
    feed = _write(tmp_path / "page.json", records)
    with app.app_context():
        import_catalogue(feed)
        before = _snapshot()["catalogue_location"]
        changed = records[1]
        changed["serviceChannelNames"][0]["value"] = "Uusi nimi"
        _write(feed, records)
        parsed.clear()

        result = import_catalogue(feed)
        assert changed["id"] in parsed and records[0]["id"] not in parsed
        assert result.counts["location_changed"] == 1 and result.counts["location_unchanged"] == 2
        row = db.session.get(CatalogueLocation, changed["id"])
        assert row.name_fi == "Uusi nimi" and row.content_hash != before[changed["id"]][0]
        assert json.loads(row.raw)["serviceChannelNames"][0]["value"] == "Uusi nimi"


def test_a_new_derivation_version_rewrites_every_row(
    app, tmp_path: Path, parsed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = _write(tmp_path / "page.json", _records())
    with app.app_context():
        import_catalogue(feed)
        before = _snapshot()
        monkeypatch.setattr("portal.catalogue.importer.DERIVATION_VERSION", "a changed rule")
        parsed.clear()
        result = import_catalogue(feed)
        assert len(parsed) == len(_records())
        assert result.counts["location_changed"] == 3 and result.counts["service_changed"] == 2
        assert not result.counts["location_unchanged"]
        after = _snapshot()
        assert all(after[table][key][0] != before[table][key][0] for table in after for key in after[table])
        parsed.clear()
        assert not import_catalogue(feed).changed_anything and parsed == [_records()[2]["id"]]


def test_removed_records_are_found_among_unchanged_ones(app, tmp_path: Path, parsed: list[str]) -> None:
    records = _records()
    with app.app_context():
        import_catalogue(_write(tmp_path / "all.json", records))
        parsed.clear()
        result = import_catalogue(_write(tmp_path / "fewer.json", [records[0], *records[2:]]))
        assert result.counts["location_removed"] == 1 and result.counts["location_unchanged"] == 2
        assert db.session.get(CatalogueLocation, records[1]["id"]) is None
        assert parsed == [records[2]["id"]]


def test_progress_is_reported_over_unchanged_records_too(app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    location = _records()[0]
    many = [{**location, "id": f"00000000-0000-4000-8000-{number:012d}"} for number in range(2001)]
    feed = _write(tmp_path / "page.json", many)
    with app.app_context():
        import_catalogue(feed)
        reported: list[int] = []
        result = import_catalogue(feed, progress=reported.append)
        assert result.counts["location_unchanged"] == 2001 and reported == [1000, 2000]
