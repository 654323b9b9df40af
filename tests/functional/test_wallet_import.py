"""The wallet importer (portal/wallet/importer.py) through its three ways in, on SQLite and PostgreSQL: all or nothing,
idempotent, transactions updated in place, holders never guessed, unknown providers stored with a warning, and the
CLI's exit codes and reports."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from adapters.wallet_fake import run_fake_wallet_api
from adapters.wallet_format import write_csv_export
from portal.extensions import db
from portal.models import (
    Budget,
    BudgetAllocation,
    BudgetTransaction,
    CatalogueLocation,
    Person,
    Voucher,
    VoucherProvider,
    WalletImport,
)
from portal.wallet.importer import import_files, last_since_token, sync_wallet
from tests.wallet_samples import (
    HOLDERS,
    LOCATION_ID,
    UNKNOWN_PROVIDER,
    add_holders,
    budget,
    client_voucher,
    export,
    transaction,
    voucher,
    write_export,
)

WALLET_MODELS = (Voucher, VoucherProvider, Budget, BudgetAllocation, BudgetTransaction)


@pytest.fixture
def holders(app) -> list[int]:
    with app.app_context():
        db.session.add(
            CatalogueLocation(id=LOCATION_ID, organisation_id="org", name_fi="Kotikaari", content_hash="x", raw="{}")
        )
        db.session.commit()
        return add_holders()


def counts() -> dict[str, int]:
    db.session.remove()
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) for model in WALLET_MODELS}


def snapshot() -> dict[str, Any]:
    """Every wallet row with every column."""
    db.session.remove()
    rows = {}
    for model in WALLET_MODELS:
        columns = [column.name for column in model.__table__.columns]
        rows[model.__tablename__] = sorted(
            (tuple(getattr(row, c) for c in columns) for row in db.session.scalars(select(model))), key=str
        )
    return rows


def last_run() -> WalletImport:
    run = db.session.scalar(select(WalletImport).order_by(WalletImport.id.desc()).limit(1))
    assert run is not None
    return run


def test_a_json_export_is_stored_whole(app, holders, tmp_path: Path) -> None:
    with app.app_context():
        result = import_files([write_export(tmp_path / "export.json", export())])
        assert result.outcome == "imported", result.report_lines()
        assert counts() == {
            "voucher": 2,
            "voucher_provider": 3,
            "budget": 1,
            "budget_allocation": 2,
            "budget_transaction": 3,
        }
        assert {k: v for k, v in result.counts.items() if v} == {
            "vouchers_read": 2,
            "vouchers_added": 2,
            "budgets_read": 1,
            "budgets_added": 1,
            "transactions_added": 3,
            "warnings": 1,
        }
        stored = db.session.scalar(select(Voucher).filter_by(source_id="V-1"))
        assert stored.holder_id == holders[0] and stored.kind == "service" and stored.unit == "treatment"
        assert (stored.value_per_unit_cents, stored.value_total_cents, stored.units_granted) == (90_000, 90_000, 1)
        assert stored.service_name_sv == "Tandprotetisk vård" and stored.service_name_en == ""
        assert [(p.provider_id, p.price_cents) for p in stored.providers] == [
            (LOCATION_ID, 95_000),
            (UNKNOWN_PROVIDER, None),
        ]
        assert len(stored.public_id) == 32 and stored.refusal_requested_at is None
        saved_budget = db.session.scalar(select(Budget))
        assert (saved_budget.holder_id, saved_budget.total_cents) == (holders[1], 1_440_000)
        assert [a.service_code for a in saved_budget.allocations] == ["home_care", "meals"]
        run = last_run()
        assert run.outcome == "imported" and run.since_token is None and run.id == result.run_id
        assert json.loads(run.counts)["vouchers_added"] == 2


def test_an_unknown_provider_is_stored_with_a_warning(app, holders, tmp_path: Path) -> None:
    with app.app_context():
        result = import_files([write_export(tmp_path / "export.json", export())])
        assert result.imported
        (warning,) = result.warnings
        assert (warning.code, warning.severity, warning.record_id, warning.field) == (
            "unknown_provider",
            "warning",
            "V-1",
            "providers[1].id",
        )
        assert UNKNOWN_PROVIDER in warning.reason
        assert json.loads(last_run().report)[0]["code"] == "unknown_provider"
        assert db.session.scalar(select(VoucherProvider).filter_by(provider_id=UNKNOWN_PROVIDER)) is not None


def test_one_bad_record_refuses_the_import_and_the_report_names_it(app, holders, tmp_path: Path) -> None:
    bad = budget(id="B-2", transactions=[transaction(1), transaction(2, status="refunded")])
    data = export([voucher(), client_voucher(valid_to="2020-01-01")], [budget(), bad])
    with app.app_context():
        result = import_files([write_export(tmp_path / "export.json", data)])
        assert result.outcome == "refused"
        assert [(p.record_id, p.field, p.code, p.where) for p in result.problems] == [
            ("V-2", "valid_to", "period_end_before_start", "$.vouchers[1].valid_to"),
            ("B-2", "transactions[1].status", "unknown_status", "$.budgets[1].transactions[1].status"),
        ]
        assert result.counts["records_refused"] == 2 and result.counts["errors"] == 2
        assert sum(counts().values()) == 0  # the good records before and after it were not kept either
        run = last_run()
        assert run.outcome == "refused" and [p["record_id"] for p in json.loads(run.report)][:2] == ["V-2", "B-2"]


def test_a_refused_record_late_in_a_long_export_rolls_back_what_was_written(
    app, holders, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("portal.wallet.importer.CHUNK_RECORDS", 1)  # written record by record
    vouchers = [voucher(id=f"V-{n}") for n in range(5)] + [voucher(id="V-bad", units_used=7)]
    with app.app_context():
        result = import_files([write_export(tmp_path / "export.json", export(vouchers, [budget()]))])
        assert result.outcome == "refused" and [p.record_id for p in result.problems] == ["V-bad"]
        assert sum(counts().values()) == 0


def test_an_unknown_holder_is_reported_never_guessed(app, holders, tmp_path: Path) -> None:
    from portal.demo.personas import temporary_hetu

    stranger = temporary_hetu("020280", "-", 999)  # valid, and nobody in the portal
    data = export([voucher(), voucher(id="V-9", holder=stranger)], [budget(holder=stranger)])
    with app.app_context():
        result = import_files([write_export(tmp_path / "export.json", data)])
        assert result.outcome == "refused"
        assert [(p.record_id, p.field, p.code) for p in result.problems] == [
            ("V-9", "holder", "unknown_holder"),
            ("B-1", "holder", "unknown_holder"),
        ]
        assert sum(counts().values()) == 0
        stored = last_run().report + last_run().counts + "\n".join(result.report_lines())
        for code in (stranger, stranger.replace("-", ""), HOLDERS[0]):
            assert code not in stored


def test_importing_the_same_export_again_changes_nothing(app, holders, tmp_path: Path) -> None:
    path = write_export(tmp_path / "export.json", export())
    with app.app_context():
        assert import_files([path]).imported
        before = snapshot()
        again = import_files([path])
        assert again.imported and not again.changed_anything
        assert {k: v for k, v in again.counts.items() if v} == {
            "vouchers_read": 2,
            "vouchers_unchanged": 2,
            "budgets_read": 1,
            "budgets_unchanged": 1,
            "transactions_unchanged": 3,
            "warnings": 1,
        }
        assert snapshot() == before  # every row and column, updated_at included
        # the same data as CSV files is the same data
        from_csv = import_files(write_csv_export(export(), tmp_path / "csv"))
        assert from_csv.imported and from_csv.counts["vouchers_unchanged"] == 2 and not from_csv.changed_anything
        assert snapshot() == before
        assert db.session.scalar(select(func.count()).select_from(WalletImport)) == 3


def test_a_cancelled_transaction_is_updated_in_place(app, holders, tmp_path: Path) -> None:
    with app.app_context():
        assert import_files([write_export(tmp_path / "first.json", export())]).imported
        row = db.session.scalar(select(BudgetTransaction).filter_by(source_id="T-2"))
        row_id, other = row.id, snapshot()["budget_transaction"]
        budget_row = db.session.scalar(select(Budget))
        budget_id, updated_at = budget_row.id, budget_row.updated_at
        changed = budget(transactions=[transaction(1), transaction(2, status="cancelled"), transaction(4)])
        result = import_files([write_export(tmp_path / "second.json", export(budgets=[changed]))])
        assert result.imported
        assert (result.counts["budgets_changed"], result.counts["transactions_changed"]) == (1, 1)
        assert (result.counts["transactions_added"], result.counts["transactions_unchanged"]) == (1, 1)
        db.session.remove()
        cancelled = db.session.scalar(select(BudgetTransaction).filter_by(source_id="T-2"))
        assert (cancelled.id, cancelled.status) == (row_id, "cancelled")
        # T-3, absent from the second export, is left as it was: the source system deletes nothing
        assert {t.source_id for t in db.session.scalars(select(BudgetTransaction))} == {"T-1", "T-2", "T-3", "T-4"}
        assert [r for r in snapshot()["budget_transaction"] if r[2] == "T-3"] == [r for r in other if r[2] == "T-3"]
        again = db.session.scalar(select(Budget))
        assert again.id == budget_id and again.updated_at >= updated_at
        assert counts()["voucher"] == 2  # absent from the second export, kept


def test_a_changed_voucher_is_updated_with_its_providers_replaced(app, holders, tmp_path: Path) -> None:
    with app.app_context():
        assert import_files([write_export(tmp_path / "first.json", export())]).imported
        public_id = db.session.scalar(select(Voucher.public_id).filter_by(source_id="V-1"))
        changed = voucher(units_used=1, providers=[{"id": LOCATION_ID, "price": "899.00"}], refused_on="2026-11-20")
        result = import_files([write_export(tmp_path / "second.json", export([changed, client_voucher()], []))])
        assert (result.counts["vouchers_changed"], result.counts["vouchers_unchanged"]) == (1, 1)
        db.session.remove()
        stored = db.session.scalar(select(Voucher).filter_by(source_id="V-1"))
        assert stored.public_id == public_id and stored.units_used == 1 and stored.refused_on == date(2026, 11, 20)
        assert [(p.provider_id, p.price_cents) for p in stored.providers] == [(LOCATION_ID, 89_900)]


def test_a_refusal_requested_in_the_portal_survives_an_import(app, holders, tmp_path: Path) -> None:
    from portal.models._types import utcnow

    with app.app_context():
        assert import_files([write_export(tmp_path / "first.json", export())]).imported
        stored = db.session.scalar(select(Voucher).filter_by(source_id="V-1"))
        stored.refusal_requested_at = utcnow()
        db.session.commit()
        assert import_files([write_export(tmp_path / "second.json", export([voucher(units_used=1)], []))]).imported
        db.session.remove()
        assert db.session.scalar(select(Voucher).filter_by(source_id="V-1")).refusal_requested_at is not None


def test_a_duplicate_id_in_one_export_is_refused(app, holders, tmp_path: Path) -> None:
    with app.app_context():
        result = import_files([write_export(tmp_path / "x.json", export([voucher(), voucher(units_used=1)], []))])
        assert [(p.code, p.record_id, p.where) for p in result.problems] == [("duplicate_id", "V-1", "$.vouchers[1]")]
        assert sum(counts().values()) == 0


def test_a_half_sent_file_is_refused_with_a_clear_error(app, holders, tmp_path: Path) -> None:
    whole = json.dumps(export(), indent=1).encode()
    path = tmp_path / "export.json"
    path.write_bytes(whole[: int(len(whole) * 0.8)])
    with app.app_context():
        result = import_files([path])
        assert result.outcome == "failed"
        (problem,) = result.problems
        assert problem.code == "truncated" and "cut short" in problem.reason and "export.json line" in problem.where
        assert sum(counts().values()) == 0 and last_run().outcome == "failed"
        path.write_bytes(whole)  # sent again, whole
        assert import_files([path]).imported and counts()["voucher"] == 2


def test_an_unreadable_source_is_a_failed_run(app, holders, tmp_path: Path) -> None:
    with app.app_context():
        result = import_files([tmp_path / "nothing.json"])
        assert result.outcome == "failed" and result.problems[0].code == "unreadable"
        result = import_files([tmp_path / "export.xml"])
        assert result.outcome == "failed" and result.problems[0].code == "unsupported_format"
        assert [run.outcome for run in db.session.scalars(select(WalletImport))] == ["failed", "failed"]


# -- the API --------------------------------------------------------------------------------------------------


def test_a_sync_reads_everything_then_only_the_changes(app, holders) -> None:
    with app.app_context(), run_fake_wallet_api(export()) as fake:
        first = sync_wallet(fake.base_url, token=fake.token)
        assert first.imported and first.counts["vouchers_added"] == 2 and first.since_token == "seq-3"
        assert last_since_token(fake.base_url + "/") == "seq-3" and last_run().source == fake.base_url
        fake.api.put("budgets", budget(transactions=[transaction(1), transaction(2, status="cancelled")]))
        second = sync_wallet(fake.base_url, since=last_since_token(fake.base_url), token=fake.token)
        assert second.imported and second.counts["budgets_read"] == 1 and "vouchers_read" not in second.counts
        assert second.counts["transactions_changed"] == 1 and second.since_token == "seq-4"
        assert db.session.scalar(select(BudgetTransaction.status).filter_by(source_id="T-2")) == "cancelled"


def test_a_sync_that_breaks_off_changes_nothing_and_keeps_the_old_token(app, holders) -> None:
    with app.app_context(), run_fake_wallet_api(export()) as fake:
        app.config.update(WALLET_API_MAX_RETRIES=1, WALLET_API_PAGE_SIZE=1)
        assert sync_wallet(fake.base_url, token=fake.token).imported
        fake.api.put("vouchers", voucher(units_used=1))
        fake.api.put("budgets", budget(total="15000.00"))
        fake.api.requests.clear()
        fake.api.fail_next(1)  # retried
        before = snapshot()
        original = fake.api._respond

        def fail_on_budgets(request):  # the budgets list fails after the vouchers were read
            if request.path.endswith("/budgets"):
                fake.api.fail_next(2, status=500)
            return original(request)

        fake.api._respond = fail_on_budgets  # type: ignore[method-assign]
        result = sync_wallet(fake.base_url, since="seq-3", token=fake.token)
        assert result.outcome == "failed" and result.problems[0].code == "api_error"
        assert "HTTP 500" in result.problems[0].reason and fake.token not in result.problems[0].reason
        assert snapshot() == before and last_since_token(fake.base_url) == "seq-3"


def test_a_record_refused_by_a_sync_refuses_the_sync(app, holders) -> None:
    with app.app_context(), run_fake_wallet_api(export([voucher(kind="gift")], [])) as fake:
        result = sync_wallet(fake.base_url, token=fake.token)
        assert result.outcome == "refused" and result.since_token is None
        (problem,) = result.problems
        assert (problem.code, problem.where) == ("unknown_kind", "GET /vouchers page 1 item 1.kind")
        assert last_since_token(fake.base_url) is None


# -- the commands ---------------------------------------------------------------------------------------------


def test_the_import_command_exits_non_zero_with_the_report(app, holders, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    good = write_export(tmp_path / "good.json", export())
    done = runner.invoke(args=["wallet", "import", str(good)])
    assert done.exit_code == 0, done.output
    assert "vouchers: 2 read, 2 added, 0 changed, 0 unchanged" in done.output and "1 warnings" in done.output
    bad = write_export(tmp_path / "bad.json", export([voucher(unit="week")], []))
    done = runner.invoke(args=["wallet", "import", str(bad)])
    assert done.exit_code == 1
    assert "Import refused; nothing was changed. 1 records refused, 1 problems." in done.output
    assert "voucher V-1 ($.vouchers[0].unit): unit: unknown_unit" in done.output
    assert HOLDERS[0] not in done.output
    csv_files = [str(p) for p in write_csv_export(export(), tmp_path / "csv")]
    done = runner.invoke(args=["wallet", "import", *csv_files])
    assert done.exit_code == 0 and "2 unchanged" in done.output
    cut = tmp_path / "cut.json"
    cut.write_bytes(good.read_bytes()[:100])
    done = runner.invoke(args=["wallet", "import", str(cut)])
    assert done.exit_code == 1 and "Import failed; nothing was changed." in done.output and "truncated" in done.output


def test_the_sync_command_remembers_where_it_got_to(app, holders) -> None:
    runner = app.test_cli_runner()
    with run_fake_wallet_api(export(), token="cli-token") as fake:
        app.config["WALLET_API_TOKEN"] = "cli-token"
        done = runner.invoke(args=["wallet", "sync", fake.base_url])
        assert done.exit_code == 0, done.output
        assert "Reading everything." in done.output and "Next sync continues from seq-3." in done.output
        done = runner.invoke(args=["wallet", "sync", fake.base_url])
        assert done.exit_code == 0 and "Reading changes since seq-3." in done.output
        assert fake.api.requests[-1]["args"]["since"] == "seq-3"
        done = runner.invoke(args=["wallet", "sync", fake.base_url, "--full"])
        assert "Reading everything." in done.output and "2 unchanged" in done.output
        app.config["WALLET_API_TOKEN"] = "wrong"
        done = runner.invoke(args=["wallet", "sync", fake.base_url, "--since", "seq-0"])
        assert done.exit_code == 1 and "refused the token" in done.output and "cli-token" not in done.output


# -- the demo -------------------------------------------------------------------------------------------------


def test_the_demo_wallet_goes_through_the_fake_api_and_loads_once(app, tmp_path: Path) -> None:
    from portal.demo.load import load_demo_data
    from tests.conftest import DEMO_TODAY

    with app.app_context():
        first = list(load_demo_data(DEMO_TODAY))
        second = list(load_demo_data(DEMO_TODAY))
        assert "3 vouchers (3 added, 0 changed), 1 budget with" in next(s for s in first if "Demo wallet" in s)
        assert "3 vouchers (0 added, 0 changed), 1 budget with 0 transactions added" in " ".join(second)
        runs = db.session.scalars(select(WalletImport).order_by(WalletImport.id)).all()
        assert [r.outcome for r in runs] == ["imported", "imported"] and runs[0].source.startswith("http://127.0.0.1")
        people = {p.oidc_subject: p.id for p in db.session.scalars(select(Person))}

        helmi = db.session.scalar(select(Budget).filter_by(holder_id=people["helmi.nieminen"]))
        assert (helmi.period_start, helmi.period_end, helmi.total_cents) == (
            date(2026, 4, 1),
            date(2027, 3, 31),
            1_440_000,
        )
        rows = db.session.scalars(select(BudgetTransaction).filter_by(budget_id=helmi.id)).all()
        assert {r.status for r in rows} == {"paid", "reserved", "cancelled"}
        assert sum(r.status == "cancelled" for r in rows) == 1
        assert all(r.day <= DEMO_TODAY for r in rows)
        assert {r.day.month for r in rows if r.status == "reserved"} == {DEMO_TODAY.month}
        home_care = sum(r.amount_cents for r in rows if r.service_code == "home_care" and r.status != "cancelled")
        allocation = next(a.amount_cents for a in helmi.allocations if a.service_code == "home_care")
        elapsed, period = (DEMO_TODAY - helmi.period_start).days + 1, (helmi.period_end - helmi.period_start).days + 1
        assert home_care / elapsed * period > allocation  # at this pace home care runs out before the period ends
        assert sum(a.amount_cents for a in helmi.allocations) == helmi.total_cents

        catalogue = set(db.session.scalars(select(CatalogueLocation.id)))
        aino = db.session.scalar(select(Voucher).filter_by(holder_id=people["aino.virtanen"]))
        assert aino.kind == "service" and aino.value_per_unit_cents == 90_000
        linked = [p for p in aino.providers if p.provider_id in catalogue]
        assert len(linked) == 4 and len(aino.providers) == 5
        costs = sorted(max(p.price_cents - aino.value_per_unit_cents, 0) for p in aino.providers)
        assert costs[0] == 0 and costs[-1] > 0
        erik = db.session.scalar(select(Voucher).filter_by(holder_id=people["erik.lindqvist"]))
        assert erik.valid_to < DEMO_TODAY
        helmi_voucher = db.session.scalar(select(Voucher).filter_by(holder_id=people["helmi.nieminen"]))
        assert helmi_voucher.kind == "client" and helmi_voucher.service_code == "home_care"
