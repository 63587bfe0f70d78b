"""Stored setting values; definitions (types, defaults) live in settings.registry."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin, TimestampMixin


class SettingValue(IdMixin, TimestampMixin, Base):
    """One overridden value; absent rows mean "use the default"."""

    __tablename__ = "setting_values"
    __table_args__ = (
        # shop_id is NULL for organization-wide values; NULLS NOT DISTINCT keeps one row per key (PG 15+).
        Index(
            "uq_setting_values_scope_key",
            "organization_id",
            "shop_id",
            "key",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    value: Mapped[object] = mapped_column(JSONB, server_default=text("'null'::jsonb"))
