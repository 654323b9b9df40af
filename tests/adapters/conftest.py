"""Fixtures for the PTV adapter tests: the real samples in ../shared/ptv and builders for edge-case records."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# The shared folder sits next to the repository: <repo>/../shared/ptv.
SHARED_PTV = Path(__file__).resolve().parents[2].parent / "shared" / "ptv"


@pytest.fixture(scope="session")
def ptv_samples() -> Path:
    assert (SHARED_PTV / "smbackend" / "municipality_channels.json").is_file(), f"PTV samples missing at {SHARED_PTV}"
    return SHARED_PTV


@pytest.fixture(scope="session")
def load_sample(ptv_samples: Path) -> Callable[[str], Any]:
    """Load a sample by its path under shared/ptv; each call returns a fresh copy to modify freely."""
    cache: dict[str, Any] = {}

    def load(relative: str) -> Any:
        if relative not in cache:
            cache[relative] = json.loads((ptv_samples / relative).read_text(encoding="utf-8"))
        return copy.deepcopy(cache[relative])

    return load


@pytest.fixture
def location(load_sample: Callable[[str], Any]) -> dict[str, Any]:
    """The real v11 "Terveysasema" ServiceLocation record, to vary in edge-case tests."""
    record: dict[str, Any] = load_sample("smbackend/municipality_channels.json")["itemList"][0]
    return record


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[[str, Any], Path]:
    def write(name: str, data: Any) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return path

    return write
