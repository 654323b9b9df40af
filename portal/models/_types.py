"""Column helpers shared by the models."""

import uuid
from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC: SQLite has no time zones, so every timestamp is stored as naive UTC everywhere."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_public_id() -> str:
    """Opaque identifiers for URLs; never a personal identity code (ASVS 14.2.1)."""
    return uuid.uuid4().hex
