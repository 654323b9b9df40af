"""Load the organiser's overlay (adapters.overlay) into the catalogue: it replaces the approvals as a whole."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, insert, select

from adapters.overlay import Figure, OverlayEntry, parse_overlay
from portal.extensions import db
from portal.models import CatalogueApproval, CatalogueLocation, CatalogueOverlayLoad

# Every stored column: a figure measured over a new period, or with a new number of responses, is a change residents
# see, even when the figure itself is the same.
_COMPARED = tuple(column.name for column in CatalogueApproval.__table__.columns if column.name != "location_id")


@dataclass
class OverlayLoadResult:
    load_id: int
    counts: dict[str, int]
    unknown_ids: list[str]  # approved channel ids the imported catalogue does not have


def _figure_columns(prefix: str, figure: Figure | None, *, value_name: str, responses: bool) -> dict:
    columns = {
        value_name: figure.value if figure else None,
        f"{prefix}_start": figure.period.start if figure else None,
        f"{prefix}_end": figure.period.end if figure else None,
    }
    if responses:
        columns[f"{prefix}_responses"] = figure.responses if figure else None
    return columns


def approval_row(entry: OverlayEntry) -> dict:
    return {
        "location_id": entry.channel_id,
        "kinds": " ".join(entry.kinds),
        "voucher_services": " ".join(entry.voucher_services),
        "accepts_new_clients": entry.accepts_new_clients,
        "label": entry.label,
        **_figure_columns("t3", entry.t3, value_name="t3_days", responses=False),
        **_figure_columns("satisfaction", entry.satisfaction, value_name="satisfaction", responses=True),
        **_figure_columns("nps", entry.nps, value_name="nps", responses=True),
    }


def load_overlay(path: str | Path) -> OverlayLoadResult:
    """Validate the file and replace every approval with it in one transaction. Raises adapters.overlay.OverlayError
    (with every problem) before touching the database when the file is not valid."""
    overlay = parse_overlay(path)
    rows = [approval_row(entry) for entry in overlay.entries]
    previous = {
        row.location_id: {name: getattr(row, name) for name in _COMPARED}
        for row in db.session.scalars(select(CatalogueApproval))
    }
    new_ids = {row["location_id"] for row in rows}
    counts = {
        "entries": len(rows),
        "added": len(new_ids - set(previous)),
        "changed": sum(
            1
            for row in rows
            if row["location_id"] in previous and {n: row[n] for n in _COMPARED} != previous[row["location_id"]]
        ),
        "removed": len(set(previous) - new_ids),
    }
    try:
        db.session.execute(delete(CatalogueApproval))
        if rows:
            db.session.execute(insert(CatalogueApproval), rows)
        run = CatalogueOverlayLoad(source=str(path)[:500], counts=json.dumps(counts, sort_keys=True))
        db.session.add(run)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return OverlayLoadResult(run.id, counts, unknown_approval_ids())


def unknown_approval_ids() -> list[str]:
    known = select(CatalogueLocation.id)
    query = select(CatalogueApproval.location_id).where(CatalogueApproval.location_id.not_in(known))
    return sorted(db.session.scalars(query))
