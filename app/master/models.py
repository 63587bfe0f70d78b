"""Pairs of a follower shop's variant with the master shop's, and what the hub wants, pushed and saw per pair.

Pairs are keyed by variant codes (not row ids), so they survive re-imports of either shop.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, LargeBinary, Numeric, String, UniqueConstraint, text
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
    # The first push: from then on the follower's stock is the pool's, so its sales are told to the master.
    following_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Prices in the follower's currency: a person's fixed price (price_rule "fixed"), what the rule wants, and
    # what the hub last wrote (so only differences are pushed, and a retry writes the same absolute price).
    fixed_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    desired_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    pushed_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    seen_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))


class MasterSale(IdMixin, TimestampMixin, Base):
    """What one follower order takes from the master's pool for one variant, and what the master was told.

    One row per (follower, order code, variant): a re-imported or retried order finds its row, so the master is
    told only the difference between `quantity` (the order as it stands; 0 once cancelled) and `told`. While a
    movement is on its way, `sending` is its amount and `sent_after_id` the master's movement log position
    before it: after an answer that does not say whether it landed, the log says.
    """

    __tablename__ = "master_sales"
    __table_args__ = (
        UniqueConstraint("follower_shop_id", "order_code", "follower_code"),
        Index("ix_master_sales_untold", "master_shop_id", "master_code",
              postgresql_where=text("quantity <> told OR sending IS NOT NULL")),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    follower_shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_code: Mapped[str] = mapped_column(String(64))
    follower_code: Mapped[str] = mapped_column(String(64))
    master_shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    master_code: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    told: Mapped[Decimal] = mapped_column(Numeric(14, 3), server_default="0")
    sending: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    sent_after_id: Mapped[int | None] = mapped_column(BigInteger)
    told_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def classify(pushed: Decimal | None, seen: Decimal | None, current: Decimal | None) -> str:
    """Where a pair stands before this round, from what the hub pushed, saw last time and sees now."""
    if pushed is None:
        return "new"
    if current is not None and Decimal(current) == Decimal(pushed):
        return "in_sync"  # the push came back (or nothing was needed): not an echo to act on
    if current == seen:
        return "pending"  # the follower has not been read since the push
    return "drift"


class TextPush(IdMixin, Base):
    """What the hub last pushed to a follower's product text field in one language (visibility: field
    "visibility", language ""), and that value in the follower as the hub last saw it, both as text hashes
    (app/catalog/texts.py text_hash): seen == pushed is the push come back, anything else since is drift."""

    __tablename__ = "master_text_pushes"
    __table_args__ = (UniqueConstraint("follower_shop_id", "product_guid", "language", "field"),)

    follower_shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    product_guid: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    field: Mapped[str] = mapped_column(String(30))
    pushed_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    seen_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    pushed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
