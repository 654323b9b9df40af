"""Who arranges a resident's health and social care, by home municipality: read from the data file
portal/data/wellbeing_counties.json (its sources are in portal/data/README.md), once per process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "wellbeing_counties.json"


@dataclass(frozen=True)
class County:
    id: str
    names: dict[str, str]  # fi, sv, en
    url: str

    def name(self, language: str) -> str:
        """In the reader's language; plain-language Finnish reads the Finnish name."""
        return self.names.get(_content_language(language)) or self.names["fi"]


@dataclass(frozen=True)
class Municipality:
    code: str
    names: dict[str, str]  # fi, sv
    county: County

    def name(self, language: str) -> str:
        return self.names.get(_content_language(language)) or self.names["fi"]


def _content_language(language: str) -> str:
    return language if language in ("sv", "en") else "fi"


@cache
def _municipalities() -> dict[str, Municipality]:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    counties = {key: County(key, dict(value["name"]), value["url"]) for key, value in data["counties"].items()}
    return {
        code: Municipality(code, {"fi": value["fi"], "sv": value["sv"]}, counties[value["county"]])
        for code, value in data["municipalities"].items()
    }


def municipality(code: str | None) -> Municipality | None:
    return _municipalities().get(code) if code else None


def counties() -> list[County]:
    """Every county a municipality belongs to, each once."""
    return list({m.county.id: m.county for m in _municipalities().values()}.values())
