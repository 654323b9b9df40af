"""Helpers for the feed tests: read page files, classify locations the way a v11 reader would, compare shapes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

TODAY = date(2025, 11, 20)  # the demo feed's day in the tests: a Thursday before Independence Day and Christmas

# The shared research folder sits next to the repository: <repo>/../shared/ptv.
SHARED_PTV = Path(__file__).resolve().parents[2].parent / "shared" / "ptv"
SKELETONS = SHARED_PTV / "ptv-releases-schema-skeletons"

# Voucher services told apart by their service class, as the overlay names them.
VOUCHER_CLASS = {
    "P4.3": "home_care",
    "P5.14": "home_nursing",
    "P4.1": "housing_services",
    "P5.10": "dental_prosthetics",
}

PAGE_NAME = re.compile(r"^(channels|organizations|services)-\d{4,}\.json$")


def load_skeleton(name: str) -> dict[str, Any]:
    """A v11 key inventory; the organisation one carries a `//` comment that JSON does not allow."""
    text = (SKELETONS / name).read_text(encoding="utf-8")
    return json.loads("\n".join(line for line in text.splitlines() if not line.strip().startswith("//")))


def read_pages(directory: Path) -> dict[str, list[dict[str, Any]]]:
    """Every record of a page directory, by page prefix."""
    records: dict[str, list[dict[str, Any]]] = {"channels": [], "organizations": [], "services": []}
    for path in sorted(directory.glob("*.json")):
        prefix = path.name.split("-", 1)[0]
        records[prefix].extend(json.loads(path.read_text(encoding="utf-8"))["itemList"])
    return records


def locations(records: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [c for c in records["channels"] if c["serviceChannelType"] == "ServiceLocation"]


def classify(records: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, set[str]]]:
    """channel id -> {"kinds": {...}, "vouchers": {...}}, found only through the services a location is linked to."""
    services = {s["id"]: s for s in records["services"]}
    found: dict[str, dict[str, set[str]]] = {}
    for channel in locations(records):
        kinds: set[str] = set()
        vouchers: set[str] = set()
        for link in channel["services"]:
            service = services[link["service"]["id"]]
            codes = {c["code"] for c in service["serviceClasses"]}
            if service["serviceVouchersInUse"]:
                kinds.add("voucher_provider")
                vouchers.update(VOUCHER_CLASS[c] for c in codes if c in VOUCHER_CLASS)
            elif "P5.1" in codes:
                kinds.add("sote_centre")
            elif "P5.10" in codes:
                kinds.add("dental_unit")
        found[channel["id"]] = {"kinds": kinds, "vouchers": vouchers}
    return found


def shape_violations(value: Any, skeleton: Any, path: str = "$") -> Iterator[str]:
    """Paths where `value` has a key the skeleton does not have at the same place (lists: against their first item)."""
    if isinstance(value, dict) and isinstance(skeleton, dict):
        for key, item in value.items():
            if key not in skeleton:
                yield f"{path}.{key}"
            else:
                yield from shape_violations(item, skeleton[key], f"{path}.{key}")
    elif isinstance(value, list) and isinstance(skeleton, list) and skeleton:
        for i, item in enumerate(value):
            yield from shape_violations(item, skeleton[0], f"{path}[{i}]")


def text_lists(value: Any, path: str = "$") -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Every non-empty language-tagged text list ([{"value", "language", ...}]) inside `value`, with its path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from text_lists(item, f"{path}.{key}")
    elif isinstance(value, list):
        if value and all(isinstance(i, dict) and "language" in i and "value" in i for i in value):
            yield path, value
        else:
            for i, item in enumerate(value):
                yield from text_lists(item, f"{path}[{i}]")
