"""The review console benchmark (bench/flags.py) at a tiny scale: the database fills, every queue filter answers,
and new flags get similar ones suggested. No duration is asserted: on a shared machine that would only be flaky."""

from __future__ import annotations

from pathlib import Path

from bench.flags import FlagBenchSettings, measure_flags


def test_a_tiny_run_fills_times_the_queue_and_suggests(tmp_path: Path) -> None:
    settings = FlagBenchSettings(flags=400, providers=30, people=60, queue_requests=16, similar_flags=8)
    result = measure_flags(f"sqlite:///{tmp_path / 'flags.sqlite3'}", settings, log=lambda message: None)
    figures = result.figures
    assert figures["flags_count"] == 400
    for key in ("flags_queue_p50_ms", "flags_queue_p95_ms", "flags_similar_p50_ms", "flags_similar_p95_ms"):
        assert figures[key] > 0, key
    assert result.notes["flags"].startswith("on SQLite")
    assert "8 of 8 new flags had a similar one suggested" in result.notes["flags"]
