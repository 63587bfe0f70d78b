"""Per-customer analytics of a shop (one row per customer with an order) and each shop's latest fit.

`customer_analytics` is rewritten by the full refresh (app/analytics/refresh.py); its RFM inputs (orders,
first/last order, spent) are also kept current after every orders batch (app/analytics/inputs.py). The
three values the customers table filters and sorts by (segment, p_active, clv) are copied onto `customers`
so the table stays one keyset walk per shop. `customer_analytics_fits` holds one row per shop: the fitted
parameters, the quintile boundaries, the holdout check and the page figures (segments, movement, cohorts),
so the analytics pages read one row instead of aggregating 1.4 M orders per request.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Float, ForeignKey, Integer, Numeric, PrimaryKeyConstraint, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class CustomerAnalytics(Base):
    __tablename__ = "customer_analytics"
    __table_args__ = (PrimaryKeyConstraint("shop_id", "customer_guid"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_guid: Mapped[str] = mapped_column(String(64))
    # RFM inputs (orders that count: not cancelled, refunded or failed; money in the shop's base currency)
    orders_count: Mapped[int] = mapped_column(Integer)
    purchase_days: Mapped[int] = mapped_column(Integer)  # distinct days with an order: BG/NBD's x + 1
    first_order_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_order_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    spent: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    repeat_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # mean of repeat orders (Gamma-Gamma)
    # Scores and segment at the fit (1..5 each; 5 is best)
    r_score: Mapped[int | None] = mapped_column(Integer)
    f_score: Mapped[int | None] = mapped_column(Integer)
    m_score: Mapped[int | None] = mapped_column(Integer)
    segment: Mapped[str | None] = mapped_column(String(24))
    previous_segment: Mapped[str | None] = mapped_column(String(24))  # a month before the fit
    # Predictions (BG/NBD + Gamma-Gamma), in the shop's currency
    p_active: Mapped[float | None] = mapped_column(Float)
    expected_orders_90: Mapped[float | None] = mapped_column(Float)
    expected_orders_365: Mapped[float | None] = mapped_column(Float)
    expected_order_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    clv: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    fitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AnalyticsFit(Base):
    __tablename__ = "customer_analytics_fits"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    fitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    observed_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the shop's latest order
    currency: Mapped[str] = mapped_column(String(3))
    customers: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict] = mapped_column(JSONB)  # bgnbd r, alpha, a, b; gamma-gamma p, q, v
    boundaries: Mapped[dict] = mapped_column(JSONB)  # quintile boundaries of recency days, orders, spent
    holdout: Mapped[dict] = mapped_column(JSONB)
    segments: Mapped[dict] = mapped_column(JSONB)  # name -> {customers, revenue}
    movement: Mapped[dict] = mapped_column(JSONB)  # from -> {to: customers}
    cohorts: Mapped[list] = mapped_column(JSONB)  # [{month, customers, retention: [...], revenue: [...]}]
    seconds: Mapped[float] = mapped_column(Float)


class ProductPair(Base):
    """Bought together: for product `product_guid`, another product in the same orders (both directions kept,
    so a product's list is one index range). support = orders with both / orders; confidence = orders with
    both / orders with this product; lift = confidence / support of the other product."""

    __tablename__ = "product_pairs"
    __table_args__ = (PrimaryKeyConstraint("shop_id", "product_guid", "other_guid"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    product_guid: Mapped[str] = mapped_column(String(64))
    other_guid: Mapped[str] = mapped_column(String(64))
    other_name: Mapped[str | None] = mapped_column(String(300))
    orders_both: Mapped[int] = mapped_column(Integer)
    support: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    lift: Mapped[float] = mapped_column(Float)


class MarketingConsent(Base):
    """E-mails whose marketing consent a shop recorded (Shoptet: its newsletter list, minus unsubscribed
    e-mails), as read through the shop's channel (app/analytics/consent.py). An audience export includes only
    these; nothing else is taken as consent."""

    __tablename__ = "marketing_consents"
    __table_args__ = (PrimaryKeyConstraint("shop_id", "email"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))  # lower-case
    consented_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
