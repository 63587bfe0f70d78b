"""Orders and their items, as imported from Shoptet.

`raw` keeps the whole snapshot line (items live in `order_items.raw`), so no field Shoptet sends is lost
even before the hub models it. `content_hash` (of the source line) and `change_time` decide whether an
incoming version changes anything: an identical or older version is never written.
`order_items` grows without bound, so it is partitioned by the order's creation month
(see app/imports/partitions.py); partitions are created ahead of the data.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin

Money = Numeric(14, 2)
Amount = Numeric(14, 3)


class Order(IdMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("shop_id", "code"),
        Index("ix_orders_shop_customer_guid", "shop_id", "customer_guid"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    guid: Mapped[str | None] = mapped_column(String(64))
    creation_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    change_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status_id: Mapped[int | None] = mapped_column(Integer)
    status_name: Mapped[str | None] = mapped_column(String(200))
    paid: Mapped[bool | None] = mapped_column(Boolean)
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    full_name: Mapped[str | None] = mapped_column(String(300))
    company: Mapped[str | None] = mapped_column(String(300))
    customer_guid: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str | None] = mapped_column(String(3))
    total_with_vat: Mapped[Decimal | None] = mapped_column(Money)
    total_without_vat: Mapped[Decimal | None] = mapped_column(Money)
    payment_method: Mapped[str | None] = mapped_column(String(300))
    shipping_method: Mapped[str | None] = mapped_column(String(300))
    source_name: Mapped[str | None] = mapped_column(String(200))
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    content_hash: Mapped[bytes] = mapped_column(LargeBinary)
    raw: Mapped[dict] = mapped_column(JSONB)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (
        # itemId is only unique within an order, and the partition key must be in the key.
        PrimaryKeyConstraint("order_id", "item_id", "order_created_at"),
        {"postgresql_partition_by": "RANGE (order_created_at)"},
    )

    shop_id: Mapped[int] = mapped_column(BigInteger)
    order_id: Mapped[int] = mapped_column(BigInteger)  # no FK: checked by the importer, cheaper at 8 M rows
    order_created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    item_id: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(SmallInteger)
    item_type: Mapped[str] = mapped_column(String(30))
    product_guid: Mapped[str | None] = mapped_column(String(64))
    code: Mapped[str | None] = mapped_column(String(64))
    ean: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(Text)
    variant_name: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Amount)
    unit_price_with_vat: Mapped[Decimal | None] = mapped_column(Money)
    total_with_vat: Mapped[Decimal | None] = mapped_column(Money)
    total_without_vat: Mapped[Decimal | None] = mapped_column(Money)
    vat_rate: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    raw: Mapped[dict] = mapped_column(JSONB)
