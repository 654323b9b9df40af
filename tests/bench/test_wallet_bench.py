"""The wallet import benchmark (bench/wallet.py) at a tiny scale: the county export is valid, its holders are all
written as people, the children import it whole and then import it again without writing anything.

No duration is asserted: on a shared machine that would only make the suite flaky.
"""

from __future__ import annotations

import json
from pathlib import Path

from adapters.wallet_format import BudgetRecord, HolderSettings, VoucherRecord, parse_record, read_json_export
from bench.wallet import HETU_KEY, WalletSettings, cached_export, measure_wallet, synthetic_hetu, write_county_export
from portal.auth import identity

TINY = {"holders": 40, "budgets": 4, "transactions": 90}


def test_the_synthetic_identity_codes_are_valid_temporary_and_distinct() -> None:
    codes = [synthetic_hetu(n) for n in range(0, 30_000, 7)]
    assert len(set(codes)) == len(codes)
    assert all(identity.validate(code, allow_temporary=True) == code for code in codes)
    assert all(900 <= int(code[7:10]) <= 999 for code in codes)


def test_the_county_export_is_a_valid_export(tmp_path: Path) -> None:
    settings = WalletSettings(**TINY, cache_dir=tmp_path)
    counts = write_county_export(tmp_path / "export.json", settings)
    assert counts == {"vouchers": 50, "budgets": 4, "transactions": 90}
    holders = HolderSettings(HETU_KEY, allow_temporary=True)
    records = [parse_record(raw, holders) for raw in read_json_export(tmp_path / "export.json")]
    assert all(isinstance(record, VoucherRecord | BudgetRecord) for record in records), records[:3]
    assert sum(len(r.transactions) for r in records if isinstance(r, BudgetRecord)) == 90
    assert {r.kind for r in records if isinstance(r, VoucherRecord)} == {"client", "service"}


def test_a_tiny_run_imports_then_reimports_nothing(tmp_path: Path) -> None:
    settings = WalletSettings(**TINY, cache_dir=tmp_path / "cache")
    result = measure_wallet(tmp_path / "work", settings, log=lambda message: None)
    figures = result.figures
    assert (figures["wallet_holders"], figures["wallet_vouchers"], figures["wallet_budgets"]) == (40, 50, 4)
    assert figures["wallet_transactions"] == 90
    for key in ("wallet_import_seconds", "wallet_import_peak_rss_mb", "wallet_reimport_unchanged_seconds"):
        assert figures[key] > 0, key
    assert "50 vouchers and 4 budgets unchanged" in result.notes["wallet"]
    export, counts = cached_export(settings)
    marker = export.with_name(export.name.replace(".json", ".counts.json"))
    before = export.stat().st_mtime_ns
    assert cached_export(settings)[0] == export and export.stat().st_mtime_ns == before  # reused, not rewritten
    assert json.loads(marker.read_text(encoding="utf-8")) == counts


def test_only_the_wallet_import_runs_and_merges_into_the_results(tmp_path: Path, postgres_url: str) -> None:
    from bench.run import FIGURES, Settings, run_benchmark

    earlier = {key: 1.0 for key in FIGURES if not key.startswith("wallet_")}
    settings = Settings(
        only="wallet",
        wallet=WalletSettings(**TINY, cache_dir=tmp_path / "cache"),
        postgresql_url=postgres_url,
        cache_dir=tmp_path / "cache",
        results_path=tmp_path / "results.json",
        doc_path=tmp_path / "performance.md",
    )
    settings.results_path.write_text(json.dumps(earlier), encoding="utf-8")

    results = run_benchmark(settings)

    written = json.loads(settings.results_path.read_text(encoding="utf-8"))
    assert written == results
    assert list(written) == list(FIGURES)  # the earlier figures kept, the wallet's added, in the documented order
    assert all(written[key] == 1.0 for key in earlier if key != "machine_cpus")
    assert (written["wallet_holders"], written["wallet_transactions"]) == (40, 90)
    assert all(written[key] > 0 for key in FIGURES if key.startswith("wallet_"))
    doc = settings.doc_path.read_text(encoding="utf-8")
    assert all(f"| `{key}` |" in doc for key in FIGURES)
    assert "6. **Wallet import.**" in doc and "40 voucher holders" in doc
    assert "Only the wallet import was measured" in doc and "vouchers and 4 budgets unchanged" in doc
