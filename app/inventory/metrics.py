"""The daily sales rollup and the sales columns of the variant metrics, kept current as orders arrive.

After each order batch (the hook in app/imports/hooks.py) the rollup is rebuilt for exactly the shop's local
days the touched orders were created on (each run of consecutive days in one pass over its order items: a
range of the month partitions, cheap whatever the history's size), and the variants whose rows changed get
their sales columns recomputed from the rollup. What needs the whole history (ABC/XYZ, forecasts, stock-out
days) is the full refresh's (app/inventory/refresh.py), which uses the same statements for every month.

Sales: product lines of orders not deleted whose normalized status is not cancelled, refunded (the goods came
back: a return nets out its sale) or failed; revenue is net of VAT, in the shop's base currency (each order at
its own exchange rate), so ABC never adds currencies.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg

DEFAULT_ZONE = "Europe/Prague"

DAYS_TOUCHED = """
SELECT DISTINCT (t.creation_time AT TIME ZONE %(zone)s)::date FROM ({touched}) t
"""

# The rollup of a range of local days: one pass over the range's order items (a partition range scan).
REBUILD_RANGE = """
INSERT INTO inventory_daily_sales (shop_id, variant_code, day, units, revenue)
SELECT %(shop_id)s, i.code, (i.order_created_at AT TIME ZONE %(zone)s)::date, sum(i.amount),
       round(sum(i.total_without_vat * coalesce(o.exchange_rate, 1)), 2)
FROM order_items i JOIN orders o ON o.id = i.order_id AND o.creation_time = i.order_created_at
WHERE i.shop_id = %(shop_id)s AND i.order_created_at >= %(since)s AND i.order_created_at < %(until)s
  AND o.shop_id = %(shop_id)s AND o.deleted_at IS NULL
  AND (o.status IS NULL OR o.status NOT IN ('cancelled', 'refunded', 'failed'))
  AND i.code IS NOT NULL AND i.amount IS NOT NULL AND i.item_type IN ('product', 'bazar', 'product-set-item')
GROUP BY 2, 3
"""

# Variants sold that have no metrics row yet (new since the last full refresh) get one from the catalogue.
ADD_MISSING = """
INSERT INTO inventory_metrics (shop_id, variant_code, product_guid, name, on_hand, available, units_7, units_30,
                               units_90, units_365, revenue_365, stockout_days_90, cost_is_sale_price, dead)
SELECT %(shop_id)s, v.code, v.product_guid, v.name, v.stock, v.stock, 0, 0, 0, 0, 0, 0, false, false
FROM product_variants v
WHERE v.shop_id = %(shop_id)s AND v.code = ANY(%(codes)s)
ON CONFLICT (shop_id, variant_code) DO NOTHING
"""

SALES_COLUMNS = """
WITH s AS MATERIALIZED (  -- aggregated once, whatever the planner guesses of a freshly filled rollup
    SELECT variant_code,
           sum(units) FILTER (WHERE day >= %(end)s::date - 7) AS u7,
           sum(units) FILTER (WHERE day >= %(end)s::date - 30) AS u30,
           sum(units) FILTER (WHERE day >= %(end)s::date - 90) AS u90,
           sum(units) FILTER (WHERE day >= %(end)s::date - 365) AS u365,
           sum(revenue) FILTER (WHERE day >= %(end)s::date - 365) AS r365,
           max(day) AS last_day
    FROM inventory_daily_sales
    WHERE shop_id = %(shop_id)s AND variant_code = ANY(%(codes)s) AND day < %(end)s::date
      AND day >= %(end)s::date - 365
    GROUP BY variant_code
), x AS MATERIALIZED (
    SELECT mm.id, coalesce(s.u7, 0) AS u7, coalesce(s.u30, 0) AS u30, coalesce(s.u90, 0) AS u90,
           coalesce(s.u365, 0) AS u365, coalesce(s.r365, 0) AS r365, s.last_day,
           coalesce(s.u90, 0)::float8 / greatest(90 - mm.stockout_days_90, 7) AS velocity
    FROM inventory_metrics mm LEFT JOIN s ON s.variant_code = mm.variant_code
    WHERE mm.shop_id = %(shop_id)s AND mm.variant_code = ANY(%(codes)s)
)
UPDATE inventory_metrics m SET
    units_7 = x.u7, units_30 = x.u30, units_90 = x.u90, units_365 = x.u365, revenue_365 = x.r365,
    last_sale_on = coalesce(x.last_day, CASE WHEN m.last_sale_on < %(end)s::date - 365 THEN m.last_sale_on END),
    velocity = x.velocity,
    days_of_cover = CASE WHEN x.velocity > 0 THEN greatest(m.available, 0) / x.velocity END,
    stockout_on = CASE WHEN x.velocity > 0
                       THEN %(end)s::date + floor(greatest(m.available, 0) / x.velocity)::int END,
    dead = m.dead AND NOT coalesce(x.last_day > m.last_sale_on, false),
    as_of = %(end)s::date
FROM x
WHERE m.id = x.id
"""


def shop_zone_name(cursor: psycopg.Cursor, shop_id: int) -> str:
    cursor.execute("SELECT timezone FROM shops WHERE id = %(shop_id)s", {"shop_id": shop_id})
    row = cursor.fetchone()
    name = (row[0] if row else None) or DEFAULT_ZONE
    try:
        ZoneInfo(name)
    except (KeyError, ValueError):
        return DEFAULT_ZONE
    return name


def history_end_day(cursor: psycopg.Cursor, shop_id: int, zone: str) -> date:
    """The day after the shop's newest order, in its zone (a live shop's: today)."""
    cursor.execute("SELECT max(creation_time) FROM orders WHERE shop_id = %(shop_id)s", {"shop_id": shop_id})
    newest = cursor.fetchone()[0]
    moment = newest if newest is not None else datetime.now(ZoneInfo(zone))
    return moment.astimezone(ZoneInfo(zone)).date() + timedelta(days=1)


def rebuild_days(cursor: psycopg.Cursor, shop_id: int, zone: str, days: list[date]) -> set[str]:
    """Rebuild the rollup of `days` (each run of consecutive days in one pass over its order items); the
    variant codes whose rows were there before or are now."""
    codes: set[str] = set()
    for first, end in _runs(sorted(set(days))):
        codes |= rebuild_range(cursor, shop_id, zone, first, end, returning=True)
    return codes


def _runs(days: list[date]) -> list[tuple[date, date]]:
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] == day:
            runs[-1] = (runs[-1][0], day + timedelta(days=1))
        else:
            runs.append((day, day + timedelta(days=1)))
    return runs


def rebuild_range(cursor: psycopg.Cursor, shop_id: int, zone: str, first: date, end: date, *,
                  returning: bool = False) -> set[str]:
    """Rebuild the rollup of the local days [first, end); with `returning`, the codes it deleted or wrote."""
    tz = ZoneInfo(zone)
    tail = " RETURNING variant_code" if returning else ""
    delete = "DELETE FROM inventory_daily_sales WHERE shop_id = %(shop_id)s AND day >= %(first)s AND day < %(end)s"
    cursor.execute(delete + tail, {"shop_id": shop_id, "first": first, "end": end})
    codes = {code for (code,) in cursor.fetchall()} if returning else set()
    cursor.execute(REBUILD_RANGE + tail, {"shop_id": shop_id, "zone": zone,
                                          "since": datetime.combine(first, datetime.min.time(), tz),
                                          "until": datetime.combine(end, datetime.min.time(), tz)})
    if returning:
        codes.update(code for (code,) in cursor.fetchall())
    return codes


def refresh_sales(cursor: psycopg.Cursor, shop_id: int, codes: list[str], end: date) -> None:
    """The sales columns of `codes` from the rollup, with `end` as today (windows end the day before)."""
    for start in range(0, len(codes), 5000):
        chunk = codes[start:start + 5000]
        params = {"shop_id": shop_id, "codes": chunk, "end": end}
        cursor.execute(ADD_MISSING, params)
        cursor.execute(SALES_COLUMNS, params)


def orders_changed(cursor: psycopg.Cursor, shop_id: int, touched_sql: str, params: dict) -> None:
    """The hook (app/imports/hooks.py): the rollup of the touched days, then those days' variants."""
    zone = shop_zone_name(cursor, shop_id)
    cursor.execute(DAYS_TOUCHED.replace("{touched}", touched_sql), {"shop_id": shop_id, "zone": zone, **params})
    days = [day for (day,) in cursor.fetchall()]
    codes = rebuild_days(cursor, shop_id, zone, days)
    if codes:
        refresh_sales(cursor, shop_id, sorted(codes), history_end_day(cursor, shop_id, zone))
