"""The flagger's news in the portal: what changed on their flags since they last looked."""

from __future__ import annotations

from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import FlagNotification
from portal.models._types import utcnow


def unread_count(person_id: int) -> int:
    """Unread news for the person who sent flags (the flagger: a relative sees those she sent)."""
    query = select(func.count()).select_from(FlagNotification).filter_by(person_id=person_id, read_at=None)
    return db.session.scalar(query) or 0


def unread_by_flag(person_id: int) -> dict[int, int]:
    rows = db.session.execute(
        select(FlagNotification.flag_id, func.count())
        .filter_by(person_id=person_id, read_at=None)
        .group_by(FlagNotification.flag_id)
    )
    return {int(flag_id): int(count) for flag_id, count in rows}


def mark_read(flag_id: int, person_id: int) -> None:
    db.session.execute(
        update(FlagNotification)
        .where(
            FlagNotification.flag_id == flag_id,
            FlagNotification.person_id == person_id,
            FlagNotification.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )
    db.session.commit()
