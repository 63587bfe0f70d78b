"""Sales rollups: what the dashboard and `flask hub sales-summary` read instead of `orders` / `order_items`.

One row per shop × shop-local day × currency × normalized status (plus the method or product), recomputed
for the days an order change touches (app/dashboard/rollups.py), so every figure equals the sum of the orders
it stands for. `status` is the order's normalized status, '' for an order without one (counted as a sale).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Date, Integer, Numeric, PrimaryKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

Money = Numeric(16, 2)


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
    __table_args__ = (PrimaryKeyConstraint("shop_id", "month", "currency", "status", "code"),)

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
