"""Never half an import: through the real importer and overlay loader, on SQLite and on PostgreSQL (the `app`
fixture), a refused file leaves the catalogue exactly as it was (only the failed run is recorded) and an accepted
one is stored whole.

Each example starts from the same small catalogue (a valid feed imported, a valid overlay loaded), then imports or
loads a generated file whose ids partly overlap it, so additions, changes and removals all happen."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from adapters.overlay import OverlayError, parse_overlay
from adapters.ptv import Organisation, Service, ServiceLocation, read_feed
from portal.catalogue.importer import MODELS, ImportFailed, import_catalogue
from portal.catalogue.overlay import approval_row, load_overlay
from portal.extensions import db
from portal.models import CatalogueApproval, CatalogueImport, CatalogueOverlayLoad
from tests.property.strategies import (
    DATABASE,
    GUID,
    damaged_bytes,
    overlay_csv,
    overlay_json,
    ptv_file,
    ptv_location,
)

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

LOCATION_IDS = ["0001a1c4-6273-424f-8d17-2ac62be89741", "32833c27-7d41-4267-800a-a9a888b513b7"]
SERVICE_ID = "0008afc0-182c-4580-ba73-7472287f4d63"
ORGANISATION_ID = "00022b78-dd97-4a66-8846-68b179d983e0"
# Generated records reuse the seeded ids half the time: the import then changes or removes what is there.
PTV_IDS = st.one_of(st.sampled_from([*LOCATION_IDS, SERVICE_ID, ORGANISATION_ID]), GUID)
CHANNEL_IDS = st.one_of(st.sampled_from(LOCATION_IDS), st.uuids().map(str))


def _name(text: str) -> list[dict[str, str]]:
    return [{"language": "fi", "value": text, "type": "Name"}]


SEED_FEED = {
    "pageNumber": 1,
    "pageSize": 100,
    "pageCount": 1,
    "itemList": [
        *(
            {
                "id": location_id,
                "serviceChannelType": "ServiceLocation",
                "organizationId": ORGANISATION_ID,
                "serviceChannelNames": _name(f"Terveysasema {n}"),
                "services": [{"service": {"id": SERVICE_ID, "name": "Hammashoito"}}],
                "publishingStatus": "Published",
            }
            for n, location_id in enumerate(LOCATION_IDS)
        ),
        {"id": SERVICE_ID, "serviceNames": _name("Hammashoito"), "publishingStatus": "Published"},
        {"id": ORGANISATION_ID, "organizationNames": _name("Testikunta"), "publishingStatus": "Published"},
    ],
}
SEED_OVERLAY = (
    "channel_id,kinds,voucher_services,accepts_new_clients,t3_days,t3_period_start,t3_period_end\n"
    f"{LOCATION_IDS[0]},sote_centre,,true,12,2025-07-01,2025-09-30\n"
    f"{LOCATION_IDS[1]},dental_unit|voucher_provider,dental_prosthetics,false,,,\n"
)


_APPROVED = {"channel_id": LOCATION_IDS[0], "kinds": ["sote_centre"], "accepts_new_clients": True}


def _page(*records: dict[str, Any]) -> bytes:
    return json.dumps({"itemList": list(records)}).encode()


LOCATION = SEED_FEED["itemList"][0]
ORGANISATION = SEED_FEED["itemList"][-1]


@st.composite
def feeds(draw: st.DrawFn) -> list[bytes]:
    """Page files of a feed directory; in a quarter of the feeds the last file (read last) is damaged. Most feeds
    start with a location unchanged in shape: a feed without one is refused (it would empty the catalogue)."""
    files = draw(st.lists(ptv_file(PTV_IDS, damage=False), min_size=1, max_size=3))
    if draw(st.integers(0, 3)) > 0:
        files.insert(0, _page(draw(ptv_location(PTV_IDS))))
    if draw(st.integers(0, 3)) == 0:
        files[-1] = draw(damaged_bytes(files[-1]))
    return files


@pytest.fixture
def row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """The importer writes each row as it reads it (not 500 at a time), so a feed refused at its last file has
    already written rows that must be rolled back."""
    monkeypatch.setattr("portal.catalogue.importer.BATCH", 1)


def _readable(text: str) -> None:
    assert text.strip()
    text.encode("utf-8")


def _reset_and_seed(folder: Path) -> None:
    """The same starting catalogue for every example: the fixture empties the tables per test, not per example."""
    db.session.remove()
    for model in (*MODELS.values(), CatalogueImport, CatalogueApproval, CatalogueOverlayLoad):
        db.session.execute(delete(model))
    db.session.commit()
    (folder / "seed.json").write_text(json.dumps(SEED_FEED), encoding="utf-8")
    (folder / "seed.csv").write_text(SEED_OVERLAY, encoding="utf-8")
    import_catalogue(folder / "seed.json")
    load_overlay(folder / "seed.csv")


def _catalogue() -> dict[str, Any]:
    """Every row the importer writes, with every column, and how many runs it recorded."""
    rows: dict[str, Any] = {}
    for kind, model in MODELS.items():
        columns = [column.name for column in model.__table__.columns]
        rows[kind] = {row.id: {c: getattr(row, c) for c in columns} for row in db.session.scalars(select(model))}
    rows["runs"] = db.session.scalar(select(func.count()).select_from(CatalogueImport))
    return rows


def _approvals() -> dict[str, Any]:
    columns = [column.name for column in CatalogueApproval.__table__.columns]
    rows = {
        row.location_id: {c: getattr(row, c) for c in columns} for row in db.session.scalars(select(CatalogueApproval))
    }
    return {"rows": rows, "loads": db.session.scalar(select(func.count()).select_from(CatalogueOverlayLoad))}


def _last_run() -> CatalogueImport:
    run = db.session.scalar(select(CatalogueImport).order_by(CatalogueImport.id.desc()).limit(1))
    assert run is not None
    return run


def _feed_contents(folder: Path) -> dict[str, dict[str, str]]:
    """What a full import of `folder` must leave: per kind, each item's id and its source record as stored."""
    kinds = {ServiceLocation: "location", Service: "service", Organisation: "organisation"}
    feed = read_feed(folder)
    found: dict[str, dict[str, str]] = {kind: {} for kind in MODELS}
    for item in feed:
        found[kinds[type(item)]][item.id] = json.dumps(feed.last_raw, ensure_ascii=False)
    return found


@given(feeds())
@DATABASE
# Found by this property: values the reader accepts but a column cannot hold. PostgreSQL refused the row (a DataError
# escaped the importer; SQLite kept it), or neither engine could encode it; now the record is rejected and reported.
@example([_page(LOCATION, {**ORGANISATION, "organizationType": "x" * 41})])  # organisation_type is 40 characters
@example([_page({**LOCATION, "serviceChannelNames": _name("Terveys\x00asema")})])  # NUL in a name
@example([_page({**LOCATION, "serviceChannelNames": _name("Terveys\ud800asema")})])  # a lone surrogate
@example([_page({**LOCATION, "areas": [{"type": "Municipality", "municipalities": [{"code": "0910"}]}]})])
def test_an_import_stores_the_whole_feed_or_changes_nothing(app, row_by_row: None, files: list[bytes]) -> None:
    with app.app_context(), tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        _reset_and_seed(folder)
        before = _catalogue()
        feed = folder / "feed"
        feed.mkdir()
        for number, data in enumerate(files):
            (feed / f"page-{number}.json").write_bytes(data)
        try:
            result = import_catalogue(feed)
        except ImportFailed as error:
            event("import refused")
            _readable(str(error))
            db.session.remove()
            after = _catalogue()
            assert after.pop("runs") == before.pop("runs") + 1 and _last_run().status == "failed"
            assert after == before
            return
        event("import stored" + (", with rejected records" if result.rejected else ""))
        expected = _feed_contents(feed)
        db.session.remove()
        after = _catalogue()
        assert after["runs"] == before["runs"] + 1 and _last_run().status == "succeeded"
        assert result.counts["rejected"] == len(result.rejected)
        rejected = {entry["id"] for entry in result.rejected}
        for entry in result.rejected:
            _readable(entry["reason"])
        for kind in MODELS:
            stored = {key: row["raw"] for key, row in after[kind].items()}
            # Everything the feed has is stored as it came, or reported; nothing else is left (a full import).
            assert stored == {key: raw for key, raw in expected[kind].items() if key in stored}, kind
            assert set(expected[kind]) - set(stored) <= rejected, kind


@given(
    st.one_of(
        st.tuples(st.just("csv"), overlay_csv(CHANNEL_IDS)), st.tuples(st.just("json"), overlay_json(CHANNEL_IDS))
    )
)
@DATABASE
# Found by the parser's properties: labels the loader then failed to store (NUL on PostgreSQL, a lone surrogate on
# both engines); now refused before the database.
@example(("csv", f"channel_id,kinds,accepts_new_clients,label\n{LOCATION_IDS[0]},sote_centre,true,a\x00b\n".encode()))
@example(("json", json.dumps({"version": 1, "locations": [{**_APPROVED, "label": "a\ud800b"}]}).encode()))
def test_an_overlay_replaces_every_approval_or_none(app, file: tuple[str, bytes]) -> None:
    fmt, data = file
    with app.app_context(), tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        _reset_and_seed(folder)
        before = _approvals()
        path = folder / f"overlay.{fmt}"
        path.write_bytes(data)
        try:
            result = load_overlay(path)
        except OverlayError as error:
            event("overlay refused")
            _readable(str(error))
            db.session.remove()
            assert _approvals() == before
            return
        event("overlay loaded")
        expected = {entry.channel_id: approval_row(entry) for entry in parse_overlay(path).entries}
        db.session.remove()
        after = _approvals()
        assert after["loads"] == before["loads"] + 1
        assert after["rows"] == expected
        assert result.counts["entries"] == len(expected)
