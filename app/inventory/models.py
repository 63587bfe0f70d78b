"""Inventory planning tables: denormalized per-variant metrics (pages read these, never order items), the
weekly series with its forecast, stock-out spans from the movement log, and the buyer's settings and edits."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin

Units = Numeric(14, 3)
Money = Numeric(14, 2)


class VariantMetrics(IdMixin, Base):
    """One row per variant of a shop, rewritten by the refresh (full: nightly job; sales columns: per batch)."""

    __tablename__ = "inventory_metrics"
    __table_args__ = (
        UniqueConstraint("shop_id", "variant_code"),
        # Keyset sorts of the inventory table (app/inventory/table.py), one index each.
        Index("ix_inventory_metrics_shop_cover", "shop_id", "days_of_cover", "id"),
        Index("ix_inventory_metrics_shop_value", "shop_id", "stock_value", "id"),
        Index("ix_inventory_metrics_shop_velocity", "shop_id", "velocity", "id"),
        Index("ix_inventory_metrics_shop_code_prefix", "shop_id", "variant_code",
              postgresql_ops={"variant_code": "varchar_pattern_ops"}),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    variant_code: Mapped[str] = mapped_column(String(64))
    product_guid: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(300))
    supplier_key: Mapped[str | None] = mapped_column(String(64))
    supplier_name: Mapped[str | None] = mapped_column(String(300))
    on_hand: Mapped[Decimal | None] = mapped_column(Units)  # all warehouses
    available: Mapped[Decimal | None] = mapped_column(Units)  # on hand less claims (reserved by open orders)
    unit_cost: Mapped[Decimal | None] = mapped_column(Money)  # purchase price, else the sale price (marked)
    cost_is_sale_price: Mapped[bool] = mapped_column(Boolean, default=False)
    stock_value: Mapped[Decimal | None] = mapped_column(Money)
    units_7: Mapped[Decimal] = mapped_column(Units, default=0)
    units_30: Mapped[Decimal] = mapped_column(Units, default=0)
    units_90: Mapped[Decimal] = mapped_column(Units, default=0)
    units_365: Mapped[Decimal] = mapped_column(Units, default=0)
    revenue_365: Mapped[Decimal] = mapped_column(Money, default=0)  # base currency, for ABC
    stockout_days_90: Mapped[int] = mapped_column(Integer, default=0)  # days out of stock of the last 90
    velocity: Mapped[float | None] = mapped_column(Float)  # units a day (last 90 days, out-of-stock days out)
    days_of_cover: Mapped[float | None] = mapped_column(Float)
    stockout_on: Mapped[date | None] = mapped_column(Date)
    last_sale_on: Mapped[date | None] = mapped_column(Date)  # the shop's local day
    abc: Mapped[str | None] = mapped_column(String(1))
    xyz: Mapped[str | None] = mapped_column(String(1))
    dead: Mapped[bool] = mapped_column(Boolean, default=False)
    model: Mapped[str | None] = mapped_column(String(40))  # forecasting model chosen by the backtest
    model_error: Mapped[float | None] = mapped_column(Float)  # RMSSE on the held-out weeks
    baseline_error: Mapped[float | None] = mapped_column(Float)  # RMSSE of the 8-week moving average
    forecast_12w: Mapped[float | None] = mapped_column(Float)  # sum of p50 over the 12 weeks
    as_of: Mapped[date | None] = mapped_column(Date)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DailySales(Base):
    """Units sold and net revenue (base currency) per variant and local day: the rollup every metric and
    series reads, rebuilt per day for the days an order batch touched (app/inventory/metrics.py)."""

    __tablename__ = "inventory_daily_sales"
    __table_args__ = (PrimaryKeyConstraint("shop_id", "variant_code", "day"),
                      Index("ix_inventory_daily_sales_shop_day", "shop_id", "day"))

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    variant_code: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    units: Mapped[Decimal] = mapped_column(Units)
    revenue: Mapped[Decimal] = mapped_column(Money)


class VariantSeries(Base):
    """Weekly demand (censored weeks scaled up from their in-stock days) and the 12-week forecast."""

    __tablename__ = "inventory_series"
    __table_args__ = (PrimaryKeyConstraint("shop_id", "variant_code"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    variant_code: Mapped[str] = mapped_column(String(64))
    first_week: Mapped[date] = mapped_column(Date)  # Monday of units[0]
    sold: Mapped[list[float]] = mapped_column(ARRAY(Float))  # units sold per week
    demand: Mapped[list[float]] = mapped_column(ARRAY(Float))  # censoring-corrected demand per week
    stockout_days: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    forecast_start: Mapped[date] = mapped_column(Date)  # Monday after the last full week
    p10: Mapped[list[float]] = mapped_column(ARRAY(Float))
    p50: Mapped[list[float]] = mapped_column(ARRAY(Float))
    p90: Mapped[list[float]] = mapped_column(ARRAY(Float))
    source: Mapped[str] = mapped_column(String(20))  # own | category (too little history)


class Backtest(IdMixin, Base):
    """The last refresh's backtest report of a shop (per ABC class and overall)."""

    __tablename__ = "inventory_backtests"
    __table_args__ = (Index("ix_inventory_backtests_shop_created", "shop_id", "created_at"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    report: Mapped[dict] = mapped_column(JSONB)


class StockoutSpan(IdMixin, Base):
    """A time a variant's stock in one warehouse was at or below zero, from the movement log."""

    __tablename__ = "inventory_stockout_spans"
    __table_args__ = (Index("ix_inventory_stockout_spans_shop_code", "shop_id", "variant_code", "started_at"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    stock_id: Mapped[int] = mapped_column(Integer)
    variant_code: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # None: still out


class StockLogCursor(Base):
    """How far the movement log of a warehouse has been read (its last movement id)."""

    __tablename__ = "inventory_stock_cursors"
    __table_args__ = (PrimaryKeyConstraint("shop_id", "stock_id"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    stock_id: Mapped[int] = mapped_column(Integer)
    last_id: Mapped[int] = mapped_column(BigInteger)


class SupplierTerms(Base):
    """A buyer's terms with a supplier of a shop."""

    __tablename__ = "inventory_suppliers"
    __table_args__ = (PrimaryKeyConstraint("shop_id", "supplier_key"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    supplier_key: Mapped[str] = mapped_column(String(64))
    lead_time_days: Mapped[int] = mapped_column(Integer, default=14)
    order_cycle_days: Mapped[int] = mapped_column(Integer, default=14)
    min_order_value: Mapped[Decimal] = mapped_column(Money, default=0)


class VariantTerms(Base):
    """A buyer's per-variant ordering terms; a missing value falls back to the ABC class default."""

    __tablename__ = "inventory_variant_terms"
    __table_args__ = (PrimaryKeyConstraint("shop_id", "variant_code"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    variant_code: Mapped[str] = mapped_column(String(64))
    moq: Mapped[Decimal | None] = mapped_column(Units)
    pack_size: Mapped[Decimal | None] = mapped_column(Units)
    service_level: Mapped[float | None] = mapped_column(Float)


class DraftLine(Base):
    """The buyer's quantity for a variant in a supplier's purchase order draft (overrides the suggestion)."""

    __tablename__ = "inventory_draft_lines"
    __table_args__ = (PrimaryKeyConstraint("shop_id", "variant_code"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    variant_code: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[Decimal] = mapped_column(Units)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
