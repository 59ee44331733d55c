"""Channel configuration stored in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dasan.core import clock
from dasan.db.base import Base, UTCDateTime


class WebhookSource(Base):
    """A social platform (or any connector) that posts citizens' messages to the signed webhook
    and takes our replies at `callback_url`, both signed with `secret` (HMAC-SHA256)."""

    __tablename__ = "webhook_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(15), unique=True)
    secret: Mapped[str] = mapped_column(String(100))
    callback_url: Mapped[str] = mapped_column(String(500), default="")
    reply_window_h: Mapped[int] = mapped_column(Integer, default=24)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Rotation without downtime: the secret before the last rotation, still accepted (and still
    # signing our replies beside the new one) until `previous_until`.
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a signed request accepted (± a minute)

    def previous_live(self, now: datetime) -> str | None:
        """The previous secret while its overlap lasts."""
        if self.previous_secret and self.previous_until is not None and now < self.previous_until:
            return self.previous_secret
        return None
