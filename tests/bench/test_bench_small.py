"""The benchmark harness (`make bench`) at a tiny scale: every step runs and results.json is complete.

Nothing here asserts a duration: on a shared machine that would only make the suite flaky. The figures of a
real run are in docs/performance.md.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from bench.load import LoadResult
from bench.queries import typo
from bench.run import (
    FIGURES,
    REQUIRED_FIGURES,
    BenchError,
    Run,
    Settings,
    cached_feed,
    ordered_results,
    percentile,
    record_throughput,
    run_benchmark,
    typical_municipality,
)


def test_a_tiny_run_writes_every_figure(tmp_path: Path, postgres_url: str) -> None:
    settings = Settings(
        locations=300,
        municipalities=5,
        queries=200,
        search_passes=1,
        load_threads=4,
        load_seconds=1.0,
        rounds=2,
        warmup_seconds=0.2,
        postgresql_url=postgres_url,
        cache_dir=tmp_path / "cache",
        results_path=tmp_path / "results.json",
        doc_path=tmp_path / "performance.md",
    )
    results = run_benchmark(settings)

    written = json.loads(settings.results_path.read_text(encoding="utf-8"))
    assert written == results
    assert list(written) == list(FIGURES)  # every figure, PostgreSQL included, in the documented order
    for key, value in written.items():
        assert isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value), key
    assert written["feed_locations"] == written["catalogue_import_locations"] == 300
    assert written["catalogue_search_queries"] == 200
    assert written["compare_errors"] == written["baseline_errors"] == 0
    assert written["compare_municipality_locations"] >= 20
    assert written["compare_rps"] > 0 and written["baseline_rps"] > 0

    doc = settings.doc_path.read_text(encoding="utf-8")
    assert doc.startswith("# Performance") and "## Latest run" in doc
    assert all(f"| `{key}` |" in doc for key in FIGURES)

    marker = next((tmp_path / "cache").glob("national-300-5-*.json"))
    before = marker.stat().st_mtime_ns
    assert cached_feed(settings).is_dir() and marker.stat().st_mtime_ns == before  # reused, not regenerated


def test_results_must_be_complete_and_finite() -> None:
    figures = dict.fromkeys(REQUIRED_FIGURES, 1.0)
    assert list(ordered_results(figures)) == list(REQUIRED_FIGURES)
    with pytest.raises(BenchError, match="missing"):
        ordered_results({key: value for key, value in figures.items() if key != "compare_rps"})
    with pytest.raises(BenchError, match="not finite"):
        ordered_results({**figures, "compare_rps": math.nan})
    with pytest.raises(BenchError, match="not finite"):
        ordered_results({**figures, "compare_errors": True})


def test_a_failing_compare_page_fails_the_run() -> None:
    failed = LoadResult(seconds=1.0, ok=3, errors=2, first_error="500: Internal Server Error")
    fine = LoadResult(seconds=1.0, ok=10)
    run = Run()
    with pytest.raises(BenchError, match="the compare page failed 2 times.*500"):
        record_throughput({"compare": [fine, failed], "compare_uncached": [fine, fine], "baseline": [fine, fine]}, run)
    with pytest.raises(BenchError, match="the compare page failed 2 times.*500"):
        record_throughput(
            {"compare": [fine, fine], "compare_uncached": [failed, fine], "baseline": [fine, fine]}, Run()
        )
    run = Run()
    # the baseline's errors are only counted
    record_throughput({"compare": [fine, fine], "compare_uncached": [fine, fine], "baseline": [failed, fine]}, run)
    assert run.figures["baseline_errors"] == 2 and run.figures["compare_to_baseline"] == pytest.approx(10 / 6.5, 1e-3)
    assert run.figures["compare_uncached_to_baseline"] == pytest.approx(10 / 6.5, 1e-3)


def test_percentile_interpolates_like_numpy() -> None:
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 50) == 50.5
    assert percentile(samples, 95) == pytest.approx(95.05)
    assert percentile([3.0], 95) == 3.0


def test_the_compare_page_lists_a_typical_municipality() -> None:
    run = Run()
    assert typical_municipality({"001": 5, "002": 20, "003": 400, "004": 60}, run) == "004"
    assert run.figures["compare_municipality_locations"] == 60
    with pytest.raises(BenchError):
        typical_municipality({"001": 19}, Run())


def test_typos_drop_or_swap_one_letter_but_never_the_first() -> None:
    word = "Koivulahti"
    dropped = {word[:i] + word[i + 1 :] for i in range(1, len(word) - 1)}
    swapped = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)}
    rng = random.Random(1)
    typed = {typo(word, rng) for _ in range(200)}
    assert typed <= dropped | swapped
    assert typed & dropped and typed & swapped
    assert typo("Oy", rng) == "Oy"
