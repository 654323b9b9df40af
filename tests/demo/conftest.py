"""Fixtures for the demo and national feed tests: one demo feed written per test session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from portal.demo.ptv_feed import FeedSummary, write_demo_feed
from tests.demo.feed_helpers import SHARED_PTV, TODAY, read_pages


@pytest.fixture(scope="session")
def shared_ptv() -> Path:
    assert (SHARED_PTV / "ptv-releases-schema-skeletons").is_dir(), f"PTV research folder missing at {SHARED_PTV}"
    return SHARED_PTV


@pytest.fixture(scope="session")
def demo_feed(tmp_path_factory: pytest.TempPathFactory) -> FeedSummary:
    """The demo feed for TODAY with the default seed, written once."""
    return write_demo_feed(tmp_path_factory.mktemp("demo-feed"), TODAY)


@pytest.fixture(scope="session")
def demo_records(demo_feed: FeedSummary) -> dict[str, list[dict[str, Any]]]:
    """The demo feed's records by page prefix (channels, organizations, services). Do not modify."""
    return read_pages(demo_feed.out_dir)
