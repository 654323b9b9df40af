"""`flask --app portal audit verify`: recompute the access log's hash chain and name the first row that does not fit."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from portal.audit.chain import CONTENT, LINK, Mismatch, Report, chain_key, verify
from portal.extensions import db
from portal.inputs import for_log

audit_cli = AppGroup("audit", help="The access log (audit_event) and its hash chain.")


def explain(mismatch: Mismatch) -> str:
    if mismatch.problem == CONTENT:
        return (
            "its content does not match its hash: the row was changed after it was written, "
            "or it was not written by the portal"
        )
    before = f"row {mismatch.previous_id}" if mismatch.previous_id is not None else "the start of the table"
    if mismatch.problem == LINK:
        return (
            f"its content is as written, but its link to the row before it ({before}) is broken: a row between "
            "them is missing, or a row was inserted or moved there"
        )
    return f"it has no hash although rows before it have one ({before} before it): it was inserted, or its hash removed"


def report_lines(report: Report) -> list[str]:
    if report.first is None:
        lines = [f"OK: {report.verified} rows verified ({report.legacy} legacy rows before the chain)"]
        if report.last_id is not None:
            lines.append(f"Newest row: id {report.last_id}, chain_hash {report.last_hash or '-'}")
        return lines
    first = report.first
    at = first.occurred_at
    when = at.isoformat(timespec="microseconds") if isinstance(at, datetime) else for_log(at, 64)
    lines = [
        f"FAILED: row {first.id} ({when}, {for_log(first.action, 64)}) does not fit: {explain(first)}.",
        f"{report.verified} rows verified, {report.legacy} legacy rows before the chain; "
        f"{report.mismatches} rows in all do not fit.",
    ]
    if report.verified == 0:
        lines.append("No sealed row fits: is this the key the log was written with (SECRET_KEY, AUDIT_CHAIN_KEY)?")
    return lines


@audit_cli.command("verify")
@click.option("--batch", default=10_000, show_default=True, type=click.IntRange(1), help="Rows read per fetch.")
def verify_command(batch: int) -> None:
    """Check every row of the access log against its hash and the row before it; exit 1 at a row that does not fit."""
    report = verify(db.session, chain_key(current_app.config), batch=batch)
    db.session.rollback()  # the read's transaction (and server-side cursor) ends here
    for line in report_lines(report):
        click.echo(line)
    if not report.ok:
        raise SystemExit(1)
