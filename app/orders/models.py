"""Orders and their items, as imported from the shops' platforms.

`raw` keeps the whole record as the platform sent it (items live in `order_items.raw`), so no field is lost
even before the hub models it. `content_hash` (of the source line) and `change_time` decide whether an
incoming version changes anything: an identical or older version is never written.
`order_items` grows without bound, so it is partitioned by the order's creation month
(see app/imports/partitions.py); partitions are created ahead of the data.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

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
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin
from app.tables.folding import folded_index_expression

Money = Numeric(14, 2)
Amount = Numeric(14, 3)


BASE_TOTAL_SQL = "round(coalesce({total}, 0) * coalesce({rate}, 1), 2)"


def base_total_of(values: dict) -> Decimal:
    """An order's total in its shop's base currency, as BASE_TOTAL_SQL computes it in the importer."""
    rate = values.get("exchange_rate")
    total = (values.get("total_with_vat") or Decimal(0)) * (Decimal(1) if rate is None else Decimal(rate))
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # as PostgreSQL's round()


class Order(IdMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("shop_id", "code"),
        # Table pages read one shop at a time (app/orders/queries.py), each index = one keyset order.
        Index("ix_orders_shop_created", "shop_id", "creation_time", "id"),
        # "Highest total" and the total range: the total in the shop's base currency (see `base_total`).
        Index("ix_orders_shop_base_total", "shop_id", "base_total", "id"),
        Index("ix_orders_shop_status_created", "shop_id", "status_id", "creation_time", "id"),
        # A customer's orders, newest first (customer detail); also serves the metrics refresh.
        Index("ix_orders_shop_customer_created", "shop_id", "customer_guid", "creation_time", "id"),
        # Search: prefixes of code and e-mail (pattern ops work whatever the collation), substrings of the
        # accent- and case-folded name, the e-mail and the phone (trigrams; shop_id in the GIN index through
        # btree_gin, so a term is found per shop).
        Index("ix_orders_shop_code_prefix", "shop_id", "code", postgresql_ops={"code": "varchar_pattern_ops"}),
        Index("ix_orders_shop_email_prefix", "shop_id", "email", postgresql_ops={"email": "varchar_pattern_ops"}),
        Index("ix_orders_shop_name_fold", "shop_id", folded_index_expression("full_name"), postgresql_using="gin",
              postgresql_ops={"full_name_folded": "gin_trgm_ops"}),
        Index("ix_orders_shop_email_trgm", "shop_id", "email", postgresql_using="gin",
              postgresql_ops={"email": "gin_trgm_ops"}),
        Index("ix_orders_shop_phone_trgm", "shop_id", "phone", postgresql_using="gin",
              postgresql_ops={"phone": "gin_trgm_ops"}),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    guid: Mapped[str | None] = mapped_column(String(64))
    creation_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    change_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status_id: Mapped[int | None] = mapped_column(Integer)
    status_name: Mapped[str | None] = mapped_column(String(200))
    # The hub's normalized status (app/imports/records.py ORDER_STATUSES) beside the platform's own above;
    # written by every import, backfilled by migration channel_seam. Metrics read it, the table filters by
    # the platform's own (status_id).
    status: Mapped[str | None] = mapped_column(String(20))
    paid: Mapped[bool | None] = mapped_column(Boolean)
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    full_name: Mapped[str | None] = mapped_column(String(300))
    company: Mapped[str | None] = mapped_column(String(300))
    customer_guid: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str | None] = mapped_column(String(3))
    # Base-currency units per unit of `currency` on the order's day, as the platform gave it (None: counted as 1).
    exchange_rate: Mapped[Decimal | None] = mapped_column(Numeric(18, 8))
    total_with_vat: Mapped[Decimal | None] = mapped_column(Money)
    total_without_vat: Mapped[Decimal | None] = mapped_column(Money)
    # `total_with_vat` in the shop's base currency (x `exchange_rate`; an order without a total counts 0), so
    # orders of one shop in several currencies rank by what they are worth, and shops of different base
    # currencies rank through the reporting currency (app/money/ranking.py). Written with the order by the
    # importer (app/imports/writers/orders.py), and here for rows the ORM inserts.
    base_total: Mapped[Decimal] = mapped_column(Money, default=lambda context: base_total_of(
        context.get_current_parameters()), server_default="0")
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


class CreditNote(IdMixin, Base):
    """A credit note (Shoptet's dobropis): money and goods a shop took back for one of its orders. Imported like
    orders (kind `credit_notes`); its product lines net returns out of demand (app/inventory/returns.py)."""

    __tablename__ = "credit_notes"
    __table_args__ = (
        UniqueConstraint("shop_id", "code"),
        Index("ix_credit_notes_shop_created", "shop_id", "creation_time"),  # the rollup's days
        Index("ix_credit_notes_shop_order", "shop_id", "order_code"),  # an order's credit notes (the order hook)
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    order_code: Mapped[str | None] = mapped_column(String(64))  # the order it refunds
    creation_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    change_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_valid: Mapped[bool | None] = mapped_column(Boolean)
    currency: Mapped[str | None] = mapped_column(String(3))
    exchange_rate: Mapped[Decimal | None] = mapped_column(Numeric(18, 8))
    total_with_vat: Mapped[Decimal | None] = mapped_column(Money)  # as the platform gives it (Shoptet: negative)
    content_hash: Mapped[bytes] = mapped_column(LargeBinary)
    raw: Mapped[dict] = mapped_column(JSONB)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CreditNoteItem(Base):
    """A line of a credit note; `amount` and prices signed as the platform gives them (Shoptet: negative)."""

    __tablename__ = "credit_note_items"
    __table_args__ = (PrimaryKeyConstraint("credit_note_id", "item_id"),)

    shop_id: Mapped[int] = mapped_column(BigInteger)
    credit_note_id: Mapped[int] = mapped_column(ForeignKey("credit_notes.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer)
    item_type: Mapped[str] = mapped_column(String(30))
    code: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Amount)
    unit_price_with_vat: Mapped[Decimal | None] = mapped_column(Money)
    total_with_vat: Mapped[Decimal | None] = mapped_column(Money)
    total_without_vat: Mapped[Decimal | None] = mapped_column(Money)
    raw: Mapped[dict] = mapped_column(JSONB)


class OrderStatusChange(IdMixin, Base):
    """A request to set one status on up to 100 orders; the ledger the page polls, one row per order below."""

    __tablename__ = "order_status_changes"
    __table_args__ = (Index("ix_order_status_changes_org_created", "organization_id", "created_at"),)

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status_id: Mapped[int] = mapped_column(Integer)
    status_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued | running | done | failed
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OrderStatusChangeItem(Base):
    """One order of a status change: its outcome, and the status it had before (the order's hub history)."""

    __tablename__ = "order_status_change_items"
    __table_args__ = (
        PrimaryKeyConstraint("change_id", "order_id"),
        Index("ix_order_status_change_items_order", "order_id"),
    )

    change_id: Mapped[int] = mapped_column(ForeignKey("order_status_changes.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    previous_status_id: Mapped[int | None] = mapped_column(Integer)
    previous_status_name: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(20), default="pending")  # pending | changed | failed
    error: Mapped[str | None] = mapped_column(Text)
