"""The webhook inbox: every signed delivery is stored before it is answered, once per distinct body."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, LargeBinary, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin


class WebhookEvent(IdMixin, Base):
    __tablename__ = "webhook_events"
    __table_args__ = (
        # No platform sends a usable delivery id: the channel's dedupe key of a delivery (body_hash) is the
        # event, so the same event delivered twice has one effect.
        Index("uq_webhook_events_shop_body", "shop_id", "body_hash", unique=True),
        Index("ix_webhook_events_unprocessed", "shop_id", "id", postgresql_where=text("processed_at IS NULL")),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(80))
    event_instance: Mapped[str] = mapped_column(Text, default="")
    event_created: Mapped[str] = mapped_column(String(40), default="")
    body_hash: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
