"""bench.scaling's table: each figure at both sizes, its growth, and the exponent the growth implies."""

from __future__ import annotations

import pytest

from bench.load import BenchError
from bench.scaling import TABLE_END, TABLE_START, growth_table, render


def test_the_table_gives_growth_and_exponent_for_figures_both_runs_wrote() -> None:
    table = growth_table(
        {"catalogue_import_seconds": 3.0, "audit_verify_seconds": 2.0, "catalogue_search_p95_ms": 1.0},
        {"catalogue_import_seconds": 30.0, "audit_verify_seconds": 2.0, "choice_switches_per_second": 80.0},
    )
    rows = {line.split(" | ")[0].strip("| `"): line for line in table.splitlines()[2:]}
    assert set(rows) == {"catalogue_import_seconds", "audit_verify_seconds"}  # only figures both runs wrote
    assert "| 10.00× | 1.00 |" in rows["catalogue_import_seconds"]  # ten times the size, ten times the time
    assert "| 1.00× | 0.00 |" in rows["audit_verify_seconds"]  # flat


def test_render_replaces_only_what_is_between_the_markers() -> None:
    doc = f"# Title\n\nProse.\n\n{TABLE_START}\nold table\n{TABLE_END}\n\nMore prose.\n"
    rendered = render(doc, "| new |")
    assert rendered == f"# Title\n\nProse.\n\n{TABLE_START}\n| new |\n{TABLE_END}\n\nMore prose.\n"
    assert render(rendered, "| new |") == rendered
    with pytest.raises(BenchError):
        render("# no markers\n", "| new |")
