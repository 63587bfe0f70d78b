"""Reads of the analytics pages: each shop's fit row, a product's pairs, a customer's next products, one
person across the organization's shops, and audiences (saved views of the customers table) with consent."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.analytics.models import AnalyticsFit, CustomerAnalytics, ProductPair
from app.customers.models import Customer


def fit_of(session: Session, shop_id: int) -> AnalyticsFit | None:
    return session.get(AnalyticsFit, shop_id)


def bought_together(session: Session, shop_id: int, product_guid: str, limit: int = 20) -> list[ProductPair]:
    """The product's pairs, strongest (lift, then orders) first: one range of the pairs' primary key."""
    return list(session.execute(
        select(ProductPair).where(ProductPair.shop_id == shop_id, ProductPair.product_guid == product_guid)
        .order_by(ProductPair.lift.desc(), ProductPair.orders_both.desc()).limit(limit)).scalars())


def product_name(session: Session, shop_id: int, product_guid: str) -> str | None:
    return session.execute(select(ProductPair.other_name).where(
        ProductPair.shop_id == shop_id, ProductPair.other_guid == product_guid).limit(1)).scalar_one_or_none()


def top_products(session: Session, shop_id: int, limit: int = 50) -> list:
    """Products with the most co-purchases, to pick one."""
    return session.execute(
        select(ProductPair.other_guid, func.max(ProductPair.other_name), func.sum(ProductPair.orders_both))
        .where(ProductPair.shop_id == shop_id).group_by(ProductPair.other_guid)
        .order_by(func.sum(ProductPair.orders_both).desc()).limit(limit)).all()


NEXT_PRODUCTS = text("""
WITH bought AS (
    SELECT DISTINCT i.product_guid
    FROM orders o JOIN order_items i ON i.order_id = o.id AND i.order_created_at = o.creation_time
    WHERE o.shop_id = :shop AND o.customer_guid = :guid AND o.deleted_at IS NULL
      AND i.product_guid IS NOT NULL AND i.item_type = 'product'
)
SELECT p.other_guid, max(p.other_name) AS name, sum(p.confidence) AS score, count(*) AS because,
       sum(p.orders_both) AS orders_both
FROM product_pairs p JOIN bought b ON p.shop_id = :shop AND p.product_guid = b.product_guid
WHERE p.other_guid NOT IN (SELECT product_guid FROM bought) AND p.lift > 1
GROUP BY p.other_guid ORDER BY score DESC, orders_both DESC LIMIT :limit
""")


def next_products(session: Session, shop_id: int, customer_guid: str, limit: int = 8) -> list:
    """What customers who bought the same products also bought (and this customer has not): the sum of the
    pairs' confidence over the customer's products, pairs with lift above 1 only (more than chance)."""
    return session.execute(NEXT_PRODUCTS, {"shop": shop_id, "guid": customer_guid, "limit": limit}).all()


def normalized_email(email: str | None) -> str:
    return (email or "").strip().lower()


def person_across_shops(session: Session, shop_ids: list[int], email: str) -> tuple[list, dict[str, dict]]:
    """The organization's customer records with this normalized e-mail (each shop's own, never merged), their
    analytics, and sums per currency (orders, spent, CLV): a shop's money is counted in its own currency."""
    email = normalized_email(email)
    if not email or not shop_ids:
        return [], {}
    rows = session.execute(
        select(Customer, CustomerAnalytics)
        .outerjoin(CustomerAnalytics, (CustomerAnalytics.shop_id == Customer.shop_id)
                   & (CustomerAnalytics.customer_guid == Customer.guid))
        .where(Customer.shop_id.in_(shop_ids), func.lower(func.trim(Customer.email)) == email,
               Customer.deleted_at.is_(None))
        .order_by(Customer.shop_id, Customer.id)).all()
    return rows, sums_per_currency(rows)


def sums_per_currency(rows) -> dict[str, dict]:
    sums: dict[str, dict] = defaultdict(lambda: {"shops": 0, "orders": 0, "spent": Decimal(0), "clv": Decimal(0)})
    for _customer, analytics in rows:
        currency = analytics.currency if analytics is not None else None
        if currency is None:
            continue
        entry = sums[currency]
        entry["shops"] += 1
        entry["orders"] += analytics.orders_count
        entry["spent"] += analytics.spent
        entry["clv"] += analytics.clv or 0
    return dict(sums)
