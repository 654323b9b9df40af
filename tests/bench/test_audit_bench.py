"""The access log benchmark (bench/audit.py, step 5 of `make bench`) at a tiny scale: it runs through bench.run,
its own sealed rows verify, and the row it edits afterwards is named (the step fails otherwise).

No duration is asserted: on a shared machine that would only make the suite flaky.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.audit import AuditSettings, log_rows
from bench.run import FIGURES, Settings, kept_notes, run_benchmark

AUDIT_FIGURES = [key for key in FIGURES if key.startswith("audit_")]


def test_only_the_access_log_runs_and_merges_into_the_results(tmp_path: Path, postgres_url: str) -> None:
    earlier = {key: 1.0 for key in FIGURES if not key.startswith("audit_")}
    settings = Settings(
        only="audit",
        audit=AuditSettings(rows=3_000, appends=20, batch=700),
        postgresql_url=postgres_url,
        cache_dir=tmp_path / "cache",
        results_path=tmp_path / "results.json",
        doc_path=tmp_path / "performance.md",
    )
    settings.results_path.write_text(json.dumps(earlier), encoding="utf-8")

    results = run_benchmark(settings)

    written = json.loads(settings.results_path.read_text(encoding="utf-8"))
    assert written == results
    assert list(written) == list(FIGURES)  # the earlier figures kept, the access log's added, in the documented order
    assert all(written[key] == 1.0 for key in earlier if key != "machine_cpus")
    assert written["audit_rows"] == 3_000
    assert all(written[key] > 0 for key in AUDIT_FIGURES)
    assert written["audit_append_p95_ms"] >= written["audit_append_p50_ms"]

    doc = settings.doc_path.read_text(encoding="utf-8")
    assert all(f"| `{key}` |" in doc for key in FIGURES)
    assert "5. **Access log.**" in doc and "filled with 3 000 rows" in doc
    assert "Only the access log was measured" in doc and "verify named it" in doc


def test_the_synthetic_log_is_the_same_every_run() -> None:
    first, again = list(log_rows(50)), list(log_rows(50))
    assert first == again and [row[0] for row in first] == list(range(1, 51))
    assert all(row[1] < later[1] for row, later in zip(first, first[1:], strict=False))
    assert any(row[8] and row[8].startswith("mandate:") for row in first)
    assert any(row[9] for row in first) and any(row[5] is None for row in first)


def test_a_step_run_alone_keeps_the_other_steps_notes() -> None:
    doc = "\n".join(
        [
            "- not a note: above the latest run",
            "## Latest run",
            "- Compare page: `/units?municipality=496`.",
            "- Listings, setup: 32 clients.",
            "- Only the listings were measured in this run; the other figures are those of the last full run.",
            "- Access log: row 500000 edited with SQL afterwards.",
        ]
    )
    assert kept_notes(doc, "audit") == ["- Compare page: `/units?municipality=496`.", "- Listings, setup: 32 clients."]
    assert kept_notes(doc, "choices") == [
        "- Compare page: `/units?municipality=496`.",
        "- Access log: row 500000 edited with SQL afterwards.",
    ]
