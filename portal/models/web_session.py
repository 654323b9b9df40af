"""Server-side sessions: the cookie carries a random token, the data stays here.

Kept in the database rather than in process memory so that every worker on every host sees the
same session, and so that logging out really ends the session on the server (ASVS 7.4.1).
"""

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models._types import utcnow


class WebSession(Model):
    __tablename__ = "web_session"

    # SHA-256 of the cookie token: a leaked database row cannot be replayed as a cookie.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[str] = mapped_column(Text, default="{}")
    user_key: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
