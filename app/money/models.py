"""A shop's exchange rates as its platform stated them, one row per currency and day."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class ShopCurrencyRate(Base):
    """Base-currency units per unit of `currency` valid on `valid_on` (Shoptet: `GET /api/eshop`
    `currencies[].exchangeRate`, updated daily from the Czech National Bank or fixed by the merchant)."""

    __tablename__ = "shop_currency_rates"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    valid_on: Mapped[date] = mapped_column(Date, primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(18, 8))
    decimals: Mapped[int | None] = mapped_column(Integer)  # how the shop rounds prices in that currency
    rounding: Mapped[str | None] = mapped_column(String(20))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
