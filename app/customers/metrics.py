"""Customer metrics kept current as orders arrive: recomputed only for the customers a batch touched.

Orders count by the hub's normalized status (`orders.status`), whatever the platform: a cancelled order was
never a sale; a failed one (its payment failed) was never paid; a refunded one was paid and the money went
back. None of them is money the customer spent, so all three are left out of both the order count and the
total (the average order stays the total over the count). Migration channel_seam gave every order its
status; one without (written by the previous release after a rollback, unchanged since) counts.

Money is in the shop's base currency: an order in another currency counts at the exchange rate the platform
gave on the order (`orders.exchange_rate`: base-currency units per unit of the order's currency, the rate of
the order's day), so a customer's total never adds koruna to euro as raw numbers.
"""

from __future__ import annotations

import psycopg

REFRESH = """
UPDATE customers c SET
    orders_count = coalesce(m.orders_count, 0),
    total_spent = coalesce(m.total_spent, 0),
    first_order_at = m.first_order_at,
    last_order_at = m.last_order_at
FROM (
    SELECT g.guid, agg.orders_count, agg.total_spent, agg.first_order_at, agg.last_order_at
    FROM (SELECT DISTINCT guid FROM ({guids}) AS touched(guid)) g
    LEFT JOIN LATERAL (
        SELECT count(*) AS orders_count,
               round(sum(o.total_with_vat * coalesce(o.exchange_rate, 1)), 2) AS total_spent,
               min(o.creation_time) AS first_order_at, max(o.creation_time) AS last_order_at
        FROM orders o
        WHERE o.shop_id = %(shop_id)s AND o.customer_guid = g.guid AND o.deleted_at IS NULL
          AND (o.status IS NULL OR o.status NOT IN ('cancelled', 'refunded', 'failed'))
    ) agg ON true
) m
WHERE c.shop_id = %(shop_id)s AND c.guid = m.guid
  AND (c.orders_count, c.total_spent, c.first_order_at, c.last_order_at)
      IS DISTINCT FROM (coalesce(m.orders_count, 0), coalesce(m.total_spent, 0), m.first_order_at, m.last_order_at)
"""


def refresh_customer_metrics(cursor: psycopg.Cursor, shop_id: int, guids_sql: str, params: dict | None = None) -> int:
    """Recompute metrics for the customers whose guids `guids_sql` (a constant query, values in `params`)
    selects; returns rows changed."""
    cursor.execute(REFRESH.replace("{guids}", guids_sql), {"shop_id": shop_id, **(params or {})})
    return cursor.rowcount


def orders_changed(cursor: psycopg.Cursor, shop_id: int, touched_sql: str, params: dict) -> None:
    """The hook (app/imports/hooks.py): the customers of the touched orders."""
    guids = f"SELECT customer_guid FROM ({touched_sql}) t WHERE customer_guid IS NOT NULL"  # noqa: S608 (constant)
    refresh_customer_metrics(cursor, shop_id, guids, params)
