"""Pairs of a follower shop's variant with the master shop's, and what the hub wants, pushed and saw per pair.

Pairs are keyed by variant codes (not row ids), so they survive re-imports of either shop.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin, TimestampMixin

# How a pair was made: the same code, the same EAN (one candidate only), by a person, or "not sold here".
PAIRED_BY = ("code", "ean", "hand", "not_sold")
AUTOMATIC = ("code", "ean")


class VariantPair(IdMixin, TimestampMixin, Base):
    __tablename__ = "master_variant_pairs"
    __table_args__ = (
        UniqueConstraint("follower_shop_id", "follower_code"),
        Index("ix_master_variant_pairs_master", "master_shop_id", "master_code"),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    follower_shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    follower_code: Mapped[str] = mapped_column(String(64))
    master_shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    master_code: Mapped[str | None] = mapped_column(String(64))  # None when not sold here
    how: Mapped[str] = mapped_column(String(10))  # PAIRED_BY
    # Stock in the follower's warehouse the hub writes: what the rule wants, what the hub last pushed (absolute),
    # and the follower's amount as the hub last saw it (pushed == seen: the push came back, no echo to act on).
    desired_stock: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    pushed_stock: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    seen_stock: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    pushed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
