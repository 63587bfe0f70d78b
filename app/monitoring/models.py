"""Incidents: one row per thing that went wrong, so an alert goes out once per incident, not once a minute.

The alert pass finds what is wrong now (each finding has a stable `key`, e.g. ``sync_lag:shop:12:orders``),
opens an incident for a new key, touches `last_seen_at` of an open one and resolves incidents whose key is
no longer found. The partial unique index allows one open incident per key, so two evaluations racing
cannot open it twice. Notification is bookkept on the row (notified_at, attempts, the last error).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin


class Incident(IdMixin, Base):
    __tablename__ = "incidents"
    __table_args__ = (
        Index("uq_incidents_open_key", "key", unique=True, postgresql_where=text("resolved_at IS NULL")),
        Index("ix_incidents_key_resolved", "key", "resolved_at"),
        Index("ix_incidents_organization_opened", "organization_id", "opened_at"),
    )

    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))  # sync_lag | sync_failing | queue_backlog | no_worker | backup_stale
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSONB, default=dict)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notify_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_notify_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notify_error: Mapped[str | None] = mapped_column(Text)

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
