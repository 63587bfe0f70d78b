"""Bought together: pairs of products in the same orders, with support, confidence and lift.

Over the shop's counting orders (not cancelled, refunded or failed) and their product lines (each product
once per order). For products A and B: support = orders with both / all orders with products;
confidence(A → B) = orders with both / orders with A; lift = confidence(A → B) / (orders with B / all).
A pair is kept when its support reaches the shop's setting `bought_together_min_support` (in 1/10 000 of
orders) and at least 2 orders have both. Both directions are stored, so a product's list is one index range.
"""

from __future__ import annotations

import math

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.settings.cache import settings_cache

PAIRS = text("""
WITH items AS MATERIALIZED (
    SELECT i.order_id, i.product_guid, max(i.name) AS name
    FROM order_items i JOIN orders o ON o.id = i.order_id
    WHERE i.shop_id = :shop AND o.shop_id = :shop AND i.product_guid IS NOT NULL AND i.item_type = 'product'
      AND o.deleted_at IS NULL AND (o.status IS NULL OR o.status NOT IN ('cancelled', 'refunded', 'failed'))
    GROUP BY 1, 2
), total AS (
    SELECT count(DISTINCT order_id)::float8 AS n FROM items
), single AS (
    SELECT product_guid, count(*) AS orders, max(name) AS name FROM items GROUP BY 1
), pairs AS (
    SELECT a.product_guid AS a, b.product_guid AS b, count(*) AS both_orders
    FROM items a JOIN items b ON a.order_id = b.order_id AND a.product_guid < b.product_guid
    GROUP BY 1, 2 HAVING count(*) >= :min_orders
), directed AS (
    SELECT a AS product, b AS other, both_orders FROM pairs
    UNION ALL SELECT b, a, both_orders FROM pairs
)
INSERT INTO product_pairs (shop_id, product_guid, other_guid, other_name, orders_both, support, confidence, lift)
SELECT :shop, d.product, d.other, left(so.name, 300), d.both_orders, d.both_orders / t.n,
       d.both_orders::float8 / sa.orders, (d.both_orders::float8 / sa.orders) / (so.orders / t.n)
FROM directed d CROSS JOIN total t
JOIN single sa ON sa.product_guid = d.product
JOIN single so ON so.product_guid = d.other
""")


def min_orders(session: Session, shop, orders_with_products: int) -> int:
    """Orders a pair needs: the shop's minimum support of its orders, and never fewer than 2."""
    basis = settings_cache().values(session, shop.organization_id, shop.id)["bought_together_min_support"]
    return max(2, math.ceil(orders_with_products * basis / 10_000))


def refresh_pairs(session: Session, shop) -> int:
    """Replace the shop's pairs; returns how many (directed) pairs were stored."""
    orders = session.execute(text("""
        SELECT count(*) FROM orders o WHERE o.shop_id = :shop AND o.deleted_at IS NULL
          AND (o.status IS NULL OR o.status NOT IN ('cancelled', 'refunded', 'failed'))"""),
        {"shop": shop.id}).scalar_one()
    session.execute(text("DELETE FROM product_pairs WHERE shop_id = :shop"), {"shop": shop.id})
    # Right after a big import the planner's row counts of the CTEs are guesses; a nested loop over the
    # self-join on a guess of a few rows took minutes where hash joins take a second. Hash joins only, here.
    session.execute(text("SELECT set_config('enable_nestloop', 'off', true)"))
    result = session.execute(PAIRS, {"shop": shop.id, "min_orders": min_orders(session, shop, orders)})
    session.execute(text("SELECT set_config('enable_nestloop', 'on', true)"))
    return result.rowcount
