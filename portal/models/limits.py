"""Rate-limit counters, in the database so that every worker on every host counts the same requests."""

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model


class RateLimitCounter(Model):
    __tablename__ = "rate_limit_counter"

    # "<limit>:<keyed hash of the client address or account>:<window number>": no address is stored readable.
    key: Mapped[str] = mapped_column(String(96), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
