"""Counting the SQL statements a request sends: a count is stable where a time is not (docs/performance.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event

from portal.extensions import db


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app's engine sends while the block runs, white space folded."""
    seen: list[str] = []

    def record(_connection, _cursor, statement, *_args) -> None:
        seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def within(seen: list[str], budget: int) -> str:
    """A failure message: the count, the budget and every statement, shortened to what names it."""
    lines = "\n".join(f"  {n:2}. {statement[:220]}" for n, statement in enumerate(seen, 1))
    return f"{len(seen)} statements, budget {budget}:\n{lines}"
