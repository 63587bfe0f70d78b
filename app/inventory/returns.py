"""Returns netted from demand: the product lines of credit notes subtract from their variants' sales.

Issue #18: demand is order items "returns netted". A whole order refunded or cancelled is already left out by
its status (app/inventory/metrics.py); a partial return is a credit note (`credit_notes`, imported as a kind of
its own) naming the order it refunds. Its units come off the variant's sales on the credit note's local day
(the shop's time zone, like every rollup day), never below zero on that day, and the net revenue of the lines
(base currency, at the credit note's rate) comes off that day's revenue the same way. Only credit notes that
are valid, not deleted, and refund an order the hub holds that still counts as sales are netted: a credit note
of an order left out as refunded or cancelled would take its goods off twice, one of an order the hub does not
hold takes back a sale it never counted.

The netting is part of the rollup's own query (`net_of_returns` wraps the day sales), so the full refresh, the
order hook and the metrics read net figures alike. Its hooks rebuild the days a change moved: the credit notes'
days after a credit notes batch, and the days of the touched orders' credit notes after an orders batch (an
order that arrives, is cancelled or deleted after its credit note changes what that credit note nets).
"""

from __future__ import annotations

import psycopg

PRODUCT_LINES = "('product', 'bazar', 'product-set-item')"

# Units and net revenue returned per variant and local day of the range [since, until): the same parameters as
# the rollup's DAY_SALES (shop_id, zone, since, until).
DAY_RETURNS = f"""
SELECT ci.code, (cn.creation_time AT TIME ZONE %(zone)s)::date AS day, sum(abs(ci.amount)) AS units,
       round(sum(abs(coalesce(ci.total_without_vat, 0)) * coalesce(cn.exchange_rate, 1)), 2) AS revenue
FROM credit_notes cn
JOIN credit_note_items ci ON ci.credit_note_id = cn.id
JOIN orders o ON o.shop_id = cn.shop_id AND o.code = cn.order_code
WHERE cn.shop_id = %(shop_id)s AND cn.creation_time >= %(since)s AND cn.creation_time < %(until)s
  AND cn.deleted_at IS NULL AND cn.is_valid IS NOT FALSE
  AND o.deleted_at IS NULL AND (o.status IS NULL OR o.status NOT IN ('cancelled', 'refunded', 'failed'))
  AND ci.code IS NOT NULL AND ci.amount IS NOT NULL AND ci.item_type IN {PRODUCT_LINES}
GROUP BY 1, 2
"""  # noqa: S608 (constants)

# The credit notes of the orders a batch touched (`touched` yields order_id).
CREDIT_NOTES_OF_ORDERS = """
SELECT DISTINCT cn.creation_time FROM credit_notes cn JOIN orders o ON o.shop_id = cn.shop_id
                                                                   AND o.code = cn.order_code
WHERE cn.shop_id = %(shop_id)s AND o.shop_id = %(shop_id)s AND o.id IN (SELECT t.order_id FROM ({touched}) t)
"""


def net_of_returns(day_sales: str) -> str:
    """The rollup's day sales (`code, day, units, revenue`) less the day's returns; a day the returns empty is
    no sale."""
    return f"""
SELECT s.code, s.day, s.units - coalesce(r.units, 0) AS units,
       greatest(s.revenue - coalesce(r.revenue, 0), 0) AS revenue
FROM ({day_sales}) s LEFT JOIN ({DAY_RETURNS}) r ON r.code = s.code AND r.day = s.day
WHERE s.units > coalesce(r.units, 0)
"""  # noqa: S608 (constants)


def credit_notes_changed(cursor: psycopg.Cursor, shop_id: int, touched_sql: str, params: dict) -> None:
    """After credit notes change (app/imports/hooks.py): rebuild their days (`touched_sql` yields creation_time)."""
    cursor.execute(f"SELECT DISTINCT creation_time FROM ({touched_sql}) t", {"shop_id": shop_id, **params})  # noqa: S608
    _rebuild_days(cursor, shop_id, [moment for (moment,) in cursor.fetchall()])


def orders_changed(cursor: psycopg.Cursor, shop_id: int, touched_sql: str, params: dict) -> None:
    """After orders change: rebuild the days of their credit notes (usually none: one indexed lookup)."""
    cursor.execute(CREDIT_NOTES_OF_ORDERS.replace("{touched}", touched_sql), {"shop_id": shop_id, **params})
    _rebuild_days(cursor, shop_id, [moment for (moment,) in cursor.fetchall()])


def _rebuild_days(cursor: psycopg.Cursor, shop_id: int, moments: list) -> None:
    """The inventory hook for the local days of `moments`: their rollup rows and the metrics that moved."""
    if not moments:
        return
    from app.inventory import metrics  # metrics builds its queries with net_of_returns from here

    metrics.orders_changed(cursor, shop_id, "SELECT NULL::bigint AS order_id, NULL::text AS customer_guid, "
                           "unnest(%(credit_note_times)s::timestamptz[]) AS creation_time",
                           {"credit_note_times": moments})
