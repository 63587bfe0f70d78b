"""Customers as imported from the shops' platforms, with metrics kept current as their orders arrive."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, LargeBinary, Numeric, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin
from app.tables.folding import folded_index_expression


class Customer(IdMixin, Base):
    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("shop_id", "guid"),
        # Table pages read one shop at a time (app/customers/queries.py), each index = one keyset order.
        Index("ix_customers_shop_created", "shop_id", "creation_time", "id"),
        Index("ix_customers_shop_last_order", "shop_id", "last_order_at", "id"),
        Index("ix_customers_shop_spent", "shop_id", "total_spent", "id"),
        # E-mail prefix search, and the same person in the organization's other shops (equal e-mail).
        Index("ix_customers_shop_email_prefix", "shop_id", "email", postgresql_ops={"email": "varchar_pattern_ops"}),
        # Substrings of the accent- and case-folded name, the e-mail and the phone (trigrams), per shop
        # (shop_id in the GIN index through btree_gin).
        Index("ix_customers_shop_name_fold", "shop_id", folded_index_expression("full_name"), postgresql_using="gin",
              postgresql_ops={"full_name_folded": "gin_trgm_ops"}),
        Index("ix_customers_shop_company_fold", "shop_id", folded_index_expression("company"), postgresql_using="gin",
              postgresql_ops={"company_folded": "gin_trgm_ops"}),
        Index("ix_customers_shop_email_trgm", "shop_id", "email", postgresql_using="gin",
              postgresql_ops={"email": "gin_trgm_ops"}),
        Index("ix_customers_shop_phone_trgm", "shop_id", "phone", postgresql_using="gin",
              postgresql_ops={"phone": "gin_trgm_ops"}),
        # Customer analytics (app/analytics/): sorts by CLV and probability active, the segment filter's split.
        Index("ix_customers_shop_clv", "shop_id", "clv", "id"),
        Index("ix_customers_shop_p_active", "shop_id", "p_active", "id"),
        Index("ix_customers_shop_segment_clv", "shop_id", "segment", "clv", "id"),
        Index("ix_customers_shop_segment_created", "shop_id", "segment", "creation_time", "id"),
        Index("ix_customers_shop_segment_p_active", "shop_id", "segment", "p_active", "id"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320))  # the main account's, lower-case
    phone: Mapped[str | None] = mapped_column(String(64))
    full_name: Mapped[str | None] = mapped_column(String(300))
    company: Mapped[str | None] = mapped_column(String(300))
    customer_group: Mapped[str | None] = mapped_column(String(200))
    creation_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    change_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    content_hash: Mapped[bytes] = mapped_column(LargeBinary)
    raw: Mapped[dict] = mapped_column(JSONB)  # accounts, addresses, everything the platform sent
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Metrics, maintained by app/customers/metrics.py whenever orders of this customer change.
    orders_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    total_spent: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=0, server_default="0")
    first_order_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_order_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Customer analytics (app/analytics/refresh.py): RFM segment, P(active), CLV in the shop's currency.
    segment: Mapped[str | None] = mapped_column(String(24))
    p_active: Mapped[float | None] = mapped_column(Float)
    clv: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))

    @property
    def average_order_value(self) -> Decimal | None:
        return (self.total_spent / self.orders_count).quantize(Decimal("0.01")) if self.orders_count else None
