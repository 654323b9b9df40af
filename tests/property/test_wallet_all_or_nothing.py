"""Never half a wallet import: through the real importer, on SQLite and on PostgreSQL (the `app` fixture), an export
with hostile changes here and there (values replaced, fields removed or added, records repeated, bytes damaged or cut)
is either stored whole, each record exactly as it validates, or refused and leaves every wallet row as it was.

Each example starts from the same wallet (a valid export imported), then imports a changed copy of it, so additions,
changes and unchanged records all happen, records written in an earlier chunk included (one record a chunk)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from adapters.wallet_format import HolderSettings, VoucherRecord, content_hash, parse_record, read_json_bytes
from portal.extensions import db
from portal.models import Budget, BudgetAllocation, BudgetTransaction, Person, Voucher, VoucherProvider, WalletImport
from portal.wallet.importer import STORAGE_VERSION, import_files
from tests.property.strategies import DATABASE, damaged_bytes, mutated
from tests.wallet_samples import HASH_KEY, add_holders, budget, client_voucher, export, transaction, voucher

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

WALLET_MODELS = (Voucher, VoucherProvider, Budget, BudgetAllocation, BudgetTransaction)
SEED = export()
CHANGED = export(
    [voucher(units_used=1), client_voucher(), voucher(id="V-3")],
    [budget(transactions=[transaction(1), transaction(2, status="cancelled"), transaction(5)]), budget(id="B-2")],
)


@st.composite
def exports(draw: st.DrawFn) -> bytes:
    data = draw(mutated(st.just(json.loads(json.dumps(CHANGED))), max_changes=3))
    text = json.dumps(data).encode()
    return draw(damaged_bytes(text)) if draw(st.integers(0, 4)) == 0 else text


@pytest.fixture
def record_by_record(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("portal.wallet.importer.CHUNK_RECORDS", 1)


def _reset_and_seed(folder: Path) -> None:
    db.session.remove()
    for model in (*reversed(WALLET_MODELS), WalletImport, Person):
        db.session.execute(delete(model))
    db.session.commit()
    add_holders()
    seed = folder / "seed.json"
    seed.write_text(json.dumps(SEED), encoding="utf-8")
    assert import_files([seed]).imported


def _wallet() -> dict[str, Any]:
    db.session.remove()
    rows: dict[str, Any] = {}
    for model in WALLET_MODELS:
        columns = [column.name for column in model.__table__.columns]
        rows[model.__tablename__] = sorted(
            (tuple(getattr(row, c) for c in columns) for row in db.session.scalars(select(model))), key=str
        )
    rows["runs"] = db.session.scalar(select(func.count()).select_from(WalletImport))
    return rows


@given(exports())
@DATABASE
def test_an_import_stores_the_whole_export_or_changes_nothing(app, record_by_record: None, data: bytes) -> None:
    with app.app_context(), tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        _reset_and_seed(folder)
        before = _wallet()
        path = folder / "export.json"
        path.write_bytes(data)
        result = import_files([path])
        after = _wallet()
        assert after.pop("runs") == before.pop("runs") + 1
        if not result.imported:
            event(f"import {result.outcome}")
            assert result.problems and all(p.code and p.reason for p in result.problems)
            assert after == before
            return
        event("import stored")
        holders = HolderSettings(HASH_KEY, allow_temporary=True)
        records = [parse_record(raw, holders) for raw in read_json_bytes(data)]
        stored = {
            "voucher": dict(db.session.execute(select(Voucher.source_id, Voucher.content_hash)).all()),
            "budget": dict(db.session.execute(select(Budget.source_id, Budget.content_hash)).all()),
        }
        for record in records:
            assert not isinstance(record, list), record
            kind = "voucher" if isinstance(record, VoucherRecord) else "budget"
            assert stored[kind][record.id] == content_hash(record, STORAGE_VERSION)
