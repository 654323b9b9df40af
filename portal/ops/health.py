"""Readiness: can we reach the database, and is its schema at the newest migration?"""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from portal.config import REPO_ROOT
from portal.extensions import db

MIGRATIONS = REPO_ROOT / "migrations"


def head_revisions(directory: Path = MIGRATIONS) -> set[str]:
    config = AlembicConfig()
    config.set_main_option("script_location", str(directory))
    return set(ScriptDirectory.from_config(config).get_heads())


def database_status() -> dict:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as error:
        return {"database": "unreachable", "error": error.__class__.__name__}
    heads = head_revisions()
    return {
        "database": "ok",
        "migrations": "at_head" if current == heads else "behind",
        "current": sorted(current),
        "head": sorted(heads),
    }
