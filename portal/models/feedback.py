"""Client feedback about a unit: a net promoter answer (0–10) and free text, one per person, unit and period."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models._types import utcnow


class Feedback(Model):
    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("person_id", "location_id", "period"),
        Index("ix_feedback_location_period", "location_id", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    location_id: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(8))  # the half-year it counts for: "2026-H2"
    score: Mapped[int] = mapped_column(Integer)  # 0-10
    text: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16))  # listing, flag, chat
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
