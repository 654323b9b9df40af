"""Bench step 9 at a tiny scale: the production shape on a PostgreSQL of the step's own, a few hundred residents, locust
(in a subprocess, never imported here) for seconds. It proves the harness runs end to end and counts what it says;
it asserts no duration."""

from __future__ import annotations

from pathlib import Path

from bench.mix import MixSettings, doc_section, measure_mix

FIGURES = (
    "mix_users",
    "mix_seconds",
    "mix_requests",
    "mix_rps",
    "mix_p50_ms",
    "mix_p95_ms",
    "mix_error_rate",
    "mix_errors",
    "mix_peak_rss_mb",
    "mix_baseline_rps",
    "mix_to_baseline",
    "mix_lost",
    *(f"mix_{task}_p95_ms" for task in ("compare", "login", "dashboard", "wallet", "switch", "flag", "chat")),
)


def test_a_tiny_load_test_on_the_production_shape_writes_its_figures_and_loses_nothing(tmp_path: Path) -> None:
    settings = MixSettings(
        users=5,
        spawn_rate=5,
        seconds=10,
        residents=200,
        login_residents=20,
        baseline_seconds=3,
        warmup_seconds=0,
        faults=False,
        server_workers=2,  # the stack starts sooner
    )
    notes: dict[str, str] = {}

    figures = measure_mix(settings, work_dir=tmp_path / "mix", notes=notes, log=lambda _: None)

    assert set(FIGURES) <= set(figures)
    assert not any(key.startswith("mix_fault_") for key in figures)  # no faults asked for
    assert figures["mix_users"] == 5
    assert figures["mix_requests"] > 0 and figures["mix_rps"] > 0
    assert figures["mix_errors"] == 0 and figures["mix_error_rate"] == 0, notes.get("mix_pages")
    assert figures["mix_lost"] == 0, notes["mix_records"]
    assert figures["mix_baseline_rps"] > 0
    assert figures["mix_peak_rss_mb"] > 0  # gunicorn, the dispatcher and PostgreSQL were found and sampled
    assert "180 with a session written beforehand and 20 logging in" in notes["mix_setup"]
    assert "compare: list" in notes["mix_pages"]  # the requests were read back from locust's process, by name


def test_the_documented_section_names_the_settings() -> None:
    text = doc_section(MixSettings())
    assert "100 s" not in text
    assert "for 300 s" in text and "5 000 residents" in text and "at 20 s" in text and "at 45 s" in text
