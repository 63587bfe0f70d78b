"""The daily sales rollup and the sales columns of the variant metrics, kept current as orders arrive.

After each order batch (the hook in app/imports/hooks.py) the rollup is rebuilt for exactly the shop's local
days the touched orders were created on (each run of consecutive days in one pass over its order items: a
range of the month partitions, cheap whatever the history's size), in one statement per run that writes only
the rows that moved and adds their differences to the sales columns of the variants' metrics rows (set-based:
no per-variant reading of a year of rollup); a row refreshed on an earlier day (today moved on) first has the
days that left its windows subtracted (a few key probes of the rollup). Rows older than SHIFT_DAYS, new variants,
and variants whose day row vanished (their last sale may be an earlier one) are recomputed from the rollup
instead. What needs the whole history (ABC/XYZ, forecasts, stock-out days) is the full refresh's
(app/inventory/refresh.py), which uses the same sales query for every month.

Sales: product lines of orders not deleted whose normalized status is not cancelled, refunded (the goods came
back: a return nets out its sale) or failed; revenue is net of VAT, in the shop's base currency (each order at
its own exchange rate), so ABC never adds currencies.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg

from app.inventory.returns import net_of_returns

DEFAULT_ZONE = "Europe/Prague"

DAYS_TOUCHED = """
SELECT DISTINCT (t.creation_time AT TIME ZONE %(zone)s)::date FROM ({touched}) t
"""

# The sales of a range of local days by variant and day: one pass over the range's order items (a partition range
# scan).
DAY_SALES = """
SELECT i.code, (i.order_created_at AT TIME ZONE %(zone)s)::date AS day, sum(i.amount) AS units,
       round(sum(i.total_without_vat * coalesce(o.exchange_rate, 1)), 2) AS revenue
FROM order_items i JOIN orders o ON o.id = i.order_id AND o.creation_time = i.order_created_at
WHERE i.shop_id = %(shop_id)s AND i.order_created_at >= %(since)s AND i.order_created_at < %(until)s
  AND o.shop_id = %(shop_id)s AND o.creation_time >= %(since)s AND o.creation_time < %(until)s  -- either side first
  AND o.deleted_at IS NULL
  AND (o.status IS NULL OR o.status NOT IN ('cancelled', 'refunded', 'failed'))
  AND i.code IS NOT NULL AND i.amount IS NOT NULL AND i.item_type IN ('product', 'bazar', 'product-set-item')
GROUP BY 1, 2
"""
DAY_SALES = net_of_returns(DAY_SALES)  # returns (credit notes) netted out: app/inventory/returns.py

REBUILD_RANGE = f"""
INSERT INTO inventory_daily_sales (shop_id, variant_code, day, units, revenue)
SELECT %(shop_id)s, s.code, s.day, s.units, s.revenue FROM ({DAY_SALES}) s
"""  # noqa: S608 (constants)

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


# The hook's statement for a run of local days: the range's new rollup next to its old one (the snapshot before
# the statement), only rows that moved written, their differences added to the window sums of metrics rows.
# A row as of an earlier day (up to SHIFT_DAYS: `today` moved on since its refresh) has its windows shifted first:
# the days that left each window subtracted (a few index probes of the rollup per variant, instead of reading its
# year again). That holds because a row as of day A always sums the rollup's days before A, and no rollup row of
# its variant is written on or after A without the row being brought to that day. Returns the changed variants it
# could not update that way: no row (new), a row older than SHIFT_DAYS, or a day's row gone (its last sale may be
# an earlier one now); codes sold that are neither in the catalogue nor in the metrics (a deleted product's) have
# nothing to update.
SHIFT_DAYS = 31

# What left a window of `w` days of a row as of m.as_of (the rollup's days [as_of - w, today - w)); nothing to
# read when the row is current.
_LEFT = ("CASE WHEN m.as_of < %(today)s::date THEN (SELECT coalesce(sum(d.{column}), 0) FROM inventory_daily_sales d "
         "WHERE d.shop_id = %(shop_id)s AND d.variant_code = m.variant_code AND d.day >= m.as_of - {w} "
         "AND d.day < %(today)s::date - {w}) ELSE 0 END")
APPLY_RANGE = f"""
WITH fresh AS MATERIALIZED ({DAY_SALES}), old AS MATERIALIZED (
    SELECT variant_code, day, units, revenue FROM inventory_daily_sales
    WHERE shop_id = %(shop_id)s AND day >= %(first)s AND day < %(end)s
), changed AS MATERIALIZED (
    SELECT coalesce(f.code, o.variant_code) AS variant_code, coalesce(f.day, o.day) AS day, f.day AS sold_day,
           coalesce(f.units, 0) - coalesce(o.units, 0) AS units,
           coalesce(f.revenue, 0) - coalesce(o.revenue, 0) AS revenue,
           f.code IS NULL AS gone, f.units AS new_units, f.revenue AS new_revenue
    FROM fresh f FULL JOIN old o ON o.variant_code = f.code AND o.day = f.day
    WHERE f.units IS DISTINCT FROM o.units OR f.revenue IS DISTINCT FROM o.revenue
), removed AS (
    DELETE FROM inventory_daily_sales d USING changed c
    WHERE c.gone AND d.shop_id = %(shop_id)s AND d.variant_code = c.variant_code AND d.day = c.day
), written AS (
    INSERT INTO inventory_daily_sales (shop_id, variant_code, day, units, revenue)
    SELECT %(shop_id)s, variant_code, day, new_units, new_revenue FROM changed WHERE NOT gone
    ON CONFLICT (shop_id, variant_code, day) DO UPDATE SET units = EXCLUDED.units, revenue = EXCLUDED.revenue
), per_code AS MATERIALIZED (
    SELECT variant_code,
           coalesce(sum(units) FILTER (WHERE day >= %(today)s::date - 7), 0) AS d7,
           coalesce(sum(units) FILTER (WHERE day >= %(today)s::date - 30), 0) AS d30,
           coalesce(sum(units) FILTER (WHERE day >= %(today)s::date - 90), 0) AS d90,
           coalesce(sum(units) FILTER (WHERE day >= %(today)s::date - 365), 0) AS d365,
           coalesce(sum(revenue) FILTER (WHERE day >= %(today)s::date - 365), 0) AS r365,
           max(sold_day) AS last_day, bool_or(gone) AS gone
    FROM changed GROUP BY variant_code
), shifted AS MATERIALIZED (
    SELECT m.id, m.available, m.stockout_days_90,
           m.units_7 + p.d7 - __LEFT_UNITS_7__ AS u7, m.units_30 + p.d30 - __LEFT_UNITS_30__ AS u30,
           m.units_90 + p.d90 - __LEFT_UNITS_90__ AS u90, m.units_365 + p.d365 - __LEFT_UNITS_365__ AS u365,
           m.revenue_365 + p.r365 - __LEFT_REVENUE_365__ AS r365, p.last_day
    FROM per_code p JOIN inventory_metrics m ON m.shop_id = %(shop_id)s AND m.variant_code = p.variant_code
    WHERE m.as_of BETWEEN %(today)s::date - __SHIFT_DAYS__ AND %(today)s::date AND NOT p.gone
), x AS MATERIALIZED (
    SELECT id, u7, u30, u90, u365, r365, last_day, u90::float8 / greatest(90 - stockout_days_90, 7) AS velocity
    FROM shifted
), applied AS (
    UPDATE inventory_metrics m SET
        units_7 = x.u7, units_30 = x.u30, units_90 = x.u90, units_365 = x.u365, revenue_365 = x.r365,
        last_sale_on = greatest(m.last_sale_on, x.last_day),
        velocity = x.velocity,
        days_of_cover = CASE WHEN x.velocity > 0 THEN greatest(m.available, 0) / x.velocity END,
        stockout_on = CASE WHEN x.velocity > 0
                           THEN %(today)s::date + floor(greatest(m.available, 0) / x.velocity)::int END,
        dead = m.dead AND NOT coalesce(x.last_day > m.last_sale_on, x.last_day IS NOT NULL),
        as_of = %(today)s::date
    FROM x WHERE m.id = x.id
)
SELECT p.variant_code  -- those `applied` left out (no anti-join with it: its size is unknown to the planner)
FROM per_code p
LEFT JOIN LATERAL (  -- a fence: one probe of the unique key per variant, not a scan of the shop's metrics
    SELECT mm.id, mm.as_of FROM inventory_metrics mm
    WHERE mm.shop_id = %(shop_id)s AND mm.variant_code = p.variant_code OFFSET 0) m ON true
WHERE (p.gone OR m.as_of IS NULL OR m.as_of NOT BETWEEN %(today)s::date - __SHIFT_DAYS__ AND %(today)s::date)
  AND (m.id IS NOT NULL OR EXISTS (SELECT 1 FROM product_variants v WHERE v.shop_id = %(shop_id)s
                                                                        AND v.code = p.variant_code))
"""  # noqa: S608 (constants)
APPLY_RANGE = (APPLY_RANGE.replace("__SHIFT_DAYS__", str(SHIFT_DAYS))
               .replace("__LEFT_REVENUE_365__", _LEFT.format(column="revenue", w=365)))
for _w in (7, 30, 90, 365):
    APPLY_RANGE = APPLY_RANGE.replace(f"__LEFT_UNITS_{_w}__", _LEFT.format(column="units", w=_w))


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


def _runs(days: list[date]) -> list[tuple[date, date]]:
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] == day:
            runs[-1] = (runs[-1][0], day + timedelta(days=1))
        else:
            runs.append((day, day + timedelta(days=1)))
    return runs


def rebuild_range(cursor: psycopg.Cursor, shop_id: int, zone: str, first: date, end: date) -> None:
    """Rebuild the rollup of the local days [first, end) (the full refresh's, a month at a time)."""
    cursor.execute("DELETE FROM inventory_daily_sales WHERE shop_id = %(shop_id)s AND day >= %(first)s "
                   "AND day < %(end)s", {"shop_id": shop_id, "first": first, "end": end})
    cursor.execute(REBUILD_RANGE, _range_params(shop_id, zone, first, end))


def _range_params(shop_id: int, zone: str, first: date, end: date) -> dict:
    tz = ZoneInfo(zone)
    return {"shop_id": shop_id, "zone": zone, "first": first, "end": end,
            "since": datetime.combine(first, datetime.min.time(), tz),
            "until": datetime.combine(end, datetime.min.time(), tz)}


def refresh_sales(cursor: psycopg.Cursor, shop_id: int, codes: list[str], end: date) -> None:
    """The sales columns of `codes` from the rollup, with `end` as today (windows end the day before)."""
    for start in range(0, len(codes), 5000):
        chunk = codes[start:start + 5000]
        params = {"shop_id": shop_id, "codes": chunk, "end": end}
        cursor.execute(ADD_MISSING, params)
        cursor.execute(SALES_COLUMNS, params)


def orders_changed(cursor: psycopg.Cursor, shop_id: int, touched_sql: str, params: dict) -> None:
    """The hook (app/imports/hooks.py): per run of touched days, one statement rewrites the rollup rows that
    moved and adds the differences to the metrics rows that are current; the few other changed variants (new,
    of an older day, or whose last sale may have gone) are recomputed from the rollup."""
    zone = shop_zone_name(cursor, shop_id)
    cursor.execute(DAYS_TOUCHED.replace("{touched}", touched_sql), {"shop_id": shop_id, "zone": zone, **params})
    days = [day for (day,) in cursor.fetchall()]
    if not days:
        return
    today = history_end_day(cursor, shop_id, zone)
    stale: set[str] = set()
    for first, end in _runs(sorted(days)):
        cursor.execute(APPLY_RANGE, {**_range_params(shop_id, zone, first, end), "today": today})
        stale.update(code for (code,) in cursor.fetchall())
    if stale:
        refresh_sales(cursor, shop_id, sorted(stale), today)
