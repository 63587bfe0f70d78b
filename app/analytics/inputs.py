"""After each orders batch: the touched customers' RFM inputs in `customer_analytics` (orders, purchase days,
first/last order, spent), so segments pages and exports never lag an import by a whole night. Scores,
segments and predictions stay those of the last full refresh (they depend on the whole shop: quintiles, the
fit); a customer who bought for the first time gets a row with inputs only, scored at the next refresh.

The hook (app/imports/hooks.py) runs in the import batch's transaction, one statement for the batch's
customers over `ix_orders_shop_customer_created`; the counting rule is the metrics' (app/customers/metrics.py).
"""

from __future__ import annotations

import psycopg

UPSERT = """
WITH touched AS (
    SELECT DISTINCT customer_guid AS guid FROM ({touched}) t WHERE customer_guid IS NOT NULL
), m AS (
    SELECT g.guid, agg.*
    FROM touched g CROSS JOIN LATERAL (
        SELECT count(*) AS orders_count,
               count(DISTINCT (o.creation_time AT TIME ZONE 'UTC')::date) AS purchase_days,
               min(o.creation_time) AS first_order_at, max(o.creation_time) AS last_order_at,
               coalesce(round(sum(o.total_with_vat * coalesce(o.exchange_rate, 1)), 2), 0) AS spent
        FROM orders o
        WHERE o.shop_id = %(shop_id)s AND o.customer_guid = g.guid AND o.deleted_at IS NULL
          AND (o.status IS NULL OR o.status NOT IN ('cancelled', 'refunded', 'failed'))
    ) agg
), gone AS (
    DELETE FROM customer_analytics a USING m
    WHERE a.shop_id = %(shop_id)s AND a.customer_guid = m.guid AND m.orders_count = 0
)
INSERT INTO customer_analytics AS a (shop_id, customer_guid, orders_count, purchase_days, first_order_at,
                                     last_order_at, spent, currency)
SELECT %(shop_id)s, m.guid, m.orders_count, m.purchase_days, m.first_order_at, m.last_order_at, m.spent,
       (SELECT s.currency FROM shops s WHERE s.id = %(shop_id)s)
FROM m WHERE m.orders_count > 0
ON CONFLICT (shop_id, customer_guid) DO UPDATE SET
    orders_count = excluded.orders_count, purchase_days = excluded.purchase_days,
    first_order_at = excluded.first_order_at, last_order_at = excluded.last_order_at, spent = excluded.spent
WHERE (a.orders_count, a.purchase_days, a.first_order_at, a.last_order_at, a.spent)
      IS DISTINCT FROM (excluded.orders_count, excluded.purchase_days, excluded.first_order_at,
                        excluded.last_order_at, excluded.spent)
"""


def orders_changed(cursor: psycopg.Cursor, shop_id: int, touched_sql: str, params: dict) -> None:
    """The hook: RFM inputs of the customers of the touched orders."""
    cursor.execute(UPSERT.replace("{touched}", touched_sql), {"shop_id": shop_id, **params})
