"""Sales rollups: what the dashboard and `flask hub sales-summary` read instead of `orders` / `order_items`.

One row per shop × shop-local day × currency × normalized status (plus the method or product), moved by
what each order change adds and takes away (app/dashboard/rollups.py, from `sales_order_facts`), so every
figure equals the sum of the orders it stands for. `status` is the order's normalized status, '' for an order
without one (counted as a sale).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Date, Index, Integer, Numeric, PrimaryKeyConstraint, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

Money = Numeric(16, 2)


class SalesOrderFact(Base):
    """What one (not deleted) order adds to the rollups, kept so a change can take the old part away."""

    __tablename__ = "sales_order_facts"
    __table_args__ = (
        # Each touched customer's first sale as kept (a change may move it to another order).
        Index("ix_sales_order_facts_shop_customer_first", "shop_id", "customer_guid", postgresql_where=text("first")),
    )

    order_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    shop_id: Mapped[int] = mapped_column(BigInteger)
    customer_guid: Mapped[str | None] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)  # the shop's day of the order's creation
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    with_vat: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    without_vat: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    payment: Mapped[str] = mapped_column(String(300))
    shipping: Mapped[str] = mapped_column(String(300))
    first: Mapped[bool | None] = mapped_column(Boolean)  # the customer's first sale; NULL: no sale or a guest
    items: Mapped[Decimal] = mapped_column(Numeric(16, 3))
    # Product lines per code (parallel arrays, NULL without any; their names are read again when they change).
    codes: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    quantities: Mapped[list[Decimal] | None] = mapped_column(ARRAY(Numeric))
    lines_with_vat: Mapped[list[Decimal] | None] = mapped_column(ARRAY(Numeric))
    lines_without_vat: Mapped[list[Decimal] | None] = mapped_column(ARRAY(Numeric))


class SalesDay(Base):
    """Orders of a shop's day in one currency and status."""

    __tablename__ = "sales_days"
    __table_args__ = (PrimaryKeyConstraint("shop_id", "day", "currency", "status"),)

    shop_id: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    orders: Mapped[int] = mapped_column(Integer)
    revenue_with_vat: Mapped[Decimal] = mapped_column(Money)
    revenue_without_vat: Mapped[Decimal] = mapped_column(Money)
    # Orders of registered customers: their first sale in the shop, or a later one (guests are neither).
    new_customers: Mapped[int] = mapped_column(Integer)
    returning_customers: Mapped[int] = mapped_column(Integer)
    items: Mapped[Decimal] = mapped_column(Numeric(16, 3))  # units of product lines (products, sets, services)


class SalesMethodDay(Base):
    """Orders of a shop's day by payment (`kind` 'payment') or shipping ('shipping') method."""

    __tablename__ = "sales_method_days"
    __table_args__ = (PrimaryKeyConstraint("shop_id", "day", "currency", "status", "kind", "method"),)

    shop_id: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))
    method: Mapped[str] = mapped_column(String(300))
    orders: Mapped[int] = mapped_column(Integer)
    revenue_with_vat: Mapped[Decimal] = mapped_column(Money)


class SalesProductDay(Base):
    """Product lines (products, bazaar items, services, sets) of a shop's day per product code."""

    __tablename__ = "sales_product_days"
    __table_args__ = (PrimaryKeyConstraint("shop_id", "day", "currency", "status", "code"),)

    shop_id: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(64))  # '' for lines without a code
    product_guid: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(Numeric(16, 3))
    orders: Mapped[int] = mapped_column(Integer)
    revenue_with_vat: Mapped[Decimal] = mapped_column(Money)
    revenue_without_vat: Mapped[Decimal] = mapped_column(Money)


class SalesMonth(Base):
    """`sales_days` summed per calendar month of shop days: long ranges read whole months from here."""

    __tablename__ = "sales_months"
    __table_args__ = (PrimaryKeyConstraint("shop_id", "month", "currency", "status"),)

    shop_id: Mapped[int] = mapped_column(BigInteger)
    month: Mapped[date] = mapped_column(Date)  # its first day
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    orders: Mapped[int] = mapped_column(Integer)
    revenue_with_vat: Mapped[Decimal] = mapped_column(Money)
    revenue_without_vat: Mapped[Decimal] = mapped_column(Money)
    new_customers: Mapped[int] = mapped_column(Integer)
    returning_customers: Mapped[int] = mapped_column(Integer)
    items: Mapped[Decimal] = mapped_column(Numeric(16, 3))


class SalesMethodMonth(Base):
    __tablename__ = "sales_method_months"
    __table_args__ = (PrimaryKeyConstraint("shop_id", "month", "currency", "status", "kind", "method"),)

    shop_id: Mapped[int] = mapped_column(BigInteger)
    month: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))
    method: Mapped[str] = mapped_column(String(300))
    orders: Mapped[int] = mapped_column(Integer)
    revenue_with_vat: Mapped[Decimal] = mapped_column(Money)


class SalesProductMonth(Base):
    __tablename__ = "sales_product_months"
    __table_args__ = (PrimaryKeyConstraint("shop_id", "month", "currency", "status", "code"),
                      {"postgresql_with": {"fillfactor": 70}})

    shop_id: Mapped[int] = mapped_column(BigInteger)
    month: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(64))
    product_guid: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(Numeric(16, 3))
    orders: Mapped[int] = mapped_column(Integer)
    revenue_with_vat: Mapped[Decimal] = mapped_column(Money)
    revenue_without_vat: Mapped[Decimal] = mapped_column(Money)


class SalesProductYear(Base):
    """Product lines of orders not cancelled (the top products' sales) per calendar year of shop days: a long
    range reads its whole years from here, its other whole months from the month rollup, its edge days from the
    day rollup."""

    __tablename__ = "sales_product_years"
    __table_args__ = (PrimaryKeyConstraint("shop_id", "year", "currency", "code"),
                      {"postgresql_with": {"fillfactor": 70}})  # updated by most batches: room for HOT updates

    shop_id: Mapped[int] = mapped_column(BigInteger)
    year: Mapped[date] = mapped_column(Date)  # its first day
    currency: Mapped[str] = mapped_column(String(3))
    code: Mapped[str] = mapped_column(String(64))
    product_guid: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(Numeric(16, 3))
    orders: Mapped[int] = mapped_column(Integer)
    revenue_with_vat: Mapped[Decimal] = mapped_column(Money)
    revenue_without_vat: Mapped[Decimal] = mapped_column(Money)
