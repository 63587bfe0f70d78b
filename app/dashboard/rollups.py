"""The sales rollups (app/dashboard/models.py) kept current in the transaction that changes the orders.

The hook (named in app/imports/hooks.py) hears which orders an import batch, a feed deletion or a pushed
status change touched; the rows in `orders` already hold the new state and the old one is gone. So instead of
subtracting an old contribution it no longer knows, it recomputes every rollup row of the shop-local days
those orders belong to: the old contribution leaves with the old rows, the new one arrives with the new. A
late change (status, refund, deletion) moves the figures of the order's own day, and nothing else. Orders of
a day are one range of `ix_orders_shop_created`, so the cost is the touched days' orders, not the shop's.

New vs returning customers: an order of a registered customer (customer_guid) that counts as a sale (not
cancelled, refunded or failed, as customer metrics count) is "new" when no earlier sale of that customer
exists in the shop. A change can flip that for one other order of the customer, its first sale before or
after the change, whose day is then recomputed too (only then: an import of new orders adds no days).

Days are the shop's days: its time zone (`shops.timezone`, Prague when unknown or not a zone name).
Concurrent writers of one shop (an import batch and a pushed status change) take turns on a transaction
advisory lock per shop, so each recomputes from what the other committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg

DEFAULT_ZONE = "Europe/Prague"
LOCK_CLASS = 16016  # pg_advisory_xact_lock(class, shop id): the sales rollups of one shop
NOT_SALES = ("cancelled", "refunded", "failed")
PRODUCT_LINES = ("product", "bazar", "service", "product-set")

DAYS_DDL = """
CREATE TEMP TABLE IF NOT EXISTS sales_touched_days (
    day date PRIMARY KEY, starts timestamptz NOT NULL, ends timestamptz NOT NULL
) ON COMMIT DELETE ROWS
"""

# The touched orders' days, and where a customer's first sale moved, that sale's day: the customer's first
# sale now is a touched order (so the one after it may have been the first before), or a touched order that is
# no sale now (cancelled, deleted) comes before it (so it may have been the first before).
TOUCHED_DAYS = """
INSERT INTO sales_touched_days (day, starts, ends)
WITH touched AS MATERIALIZED ({touched}),
firsts AS MATERIALIZED (
    SELECT c.customer_guid, f.ids, f.times
    FROM (SELECT DISTINCT customer_guid FROM touched WHERE customer_guid IS NOT NULL) c
    CROSS JOIN LATERAL (
        SELECT array_agg(p.id ORDER BY p.creation_time, p.id) AS ids,
               array_agg(p.creation_time ORDER BY p.creation_time, p.id) AS times
        FROM (SELECT p.id, p.creation_time FROM orders p
              WHERE p.shop_id = %(shop_id)s AND p.customer_guid = c.customer_guid AND p.deleted_at IS NULL
                AND __P_IS_A_SALE__
              ORDER BY p.creation_time, p.id LIMIT 2) p
    ) f
)
SELECT day, day::timestamp AT TIME ZONE %(zone)s, (day + 1)::timestamp AT TIME ZONE %(zone)s
FROM (
    SELECT (t.creation_time AT TIME ZONE %(zone)s)::date AS day FROM touched t
    UNION
    SELECT (f.times[2] AT TIME ZONE %(zone)s)::date FROM firsts f
    WHERE f.ids[2] IS NOT NULL AND f.ids[1] IN (SELECT order_id FROM touched)
    UNION
    SELECT (f.times[1] AT TIME ZONE %(zone)s)::date FROM firsts f
    WHERE f.ids[1] IS NOT NULL AND EXISTS (
        SELECT 1 FROM touched t JOIN orders o ON o.id = t.order_id
        WHERE t.customer_guid = f.customer_guid AND (o.creation_time, o.id) < (f.times[1], f.ids[1])
          AND (o.deleted_at IS NOT NULL OR NOT __O_IS_A_SALE__))
) days
ON CONFLICT (day) DO NOTHING
"""

ALL_DAYS = """
INSERT INTO sales_touched_days (day, starts, ends)
SELECT day, day::timestamp AT TIME ZONE %(zone)s, (day + 1)::timestamp AT TIME ZONE %(zone)s
FROM (SELECT DISTINCT (creation_time AT TIME ZONE %(zone)s)::date AS day FROM orders
      WHERE shop_id = %(shop_id)s) days
"""

# The touched days' orders, read once per batch (one index range per day: a LATERAL scan, whatever the
# planner guesses of the temporary table) with what every rollup needs, newness included.
DAY_ORDERS_DDL = """
CREATE TEMP TABLE IF NOT EXISTS sales_day_orders (
    id bigint, day date, creation_time timestamptz, currency text, status text, total_with_vat numeric(14,2),
    total_without_vat numeric(14,2), payment_method text, shipping_method text, first boolean, items numeric
) ON COMMIT DELETE ROWS
"""
DAY_ORDERS = """
INSERT INTO sales_day_orders
SELECT o.id, d.day, o.creation_time, coalesce(o.currency, s.currency), coalesce(o.status, ''), o.total_with_vat,
       o.total_without_vat, coalesce(o.payment_method, ''), coalesce(o.shipping_method, ''),
       CASE WHEN o.customer_guid IS NOT NULL AND __O_IS_A_SALE__ THEN NOT EXISTS (
           SELECT 1 FROM orders p
           WHERE p.shop_id = %(shop_id)s AND p.customer_guid = o.customer_guid AND p.deleted_at IS NULL
             AND __P_IS_A_SALE__ AND (p.creation_time, p.id) < (o.creation_time, o.id)) END,
       (SELECT coalesce(sum(i.amount), 0) FROM order_items i
        WHERE i.order_id = o.id AND i.order_created_at = o.creation_time AND i.item_type IN (__PRODUCT_LINES__))
FROM sales_touched_days d
CROSS JOIN (SELECT currency FROM shops WHERE id = %(shop_id)s) s
CROSS JOIN LATERAL (
    SELECT * FROM orders o
    WHERE o.shop_id = %(shop_id)s AND o.creation_time >= d.starts AND o.creation_time < d.ends
      AND o.deleted_at IS NULL
    OFFSET 0  -- a fence: one index range per day
) o
"""

# What each day rollup is made of (its month rollup has `month` for `day`, the same other columns).
@dataclass(frozen=True)
class Rollup:
    days: str
    months: str
    keys: tuple[str, ...]  # after shop_id and the day / month
    sums: tuple[str, ...]  # additive; the first is `orders` (a row of 0 orders is no row)
    labels: tuple[str, ...]  # descriptive, any row's value
    select: str  # INSERT … SELECT of the touched days' rows

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.keys, *self.sums, *self.labels)


ROLLUPS = (
    Rollup("sales_days", "sales_months", ("currency", "status"),
           ("orders", "revenue_with_vat", "revenue_without_vat", "new_customers", "returning_customers", "items"), (),
           """
SELECT %(shop_id)s, day, currency, status, count(*), coalesce(sum(total_with_vat), 0),
       coalesce(sum(total_without_vat), 0), count(*) FILTER (WHERE first), count(*) FILTER (WHERE NOT first),
       sum(items)
FROM sales_day_orders
GROUP BY day, currency, status
"""),
    Rollup("sales_method_days", "sales_method_months", ("currency", "status", "kind", "method"),
           ("orders", "revenue_with_vat"), (), """
SELECT %(shop_id)s, o.day, o.currency, o.status, m.kind, m.method, count(*), coalesce(sum(o.total_with_vat), 0)
FROM sales_day_orders o
CROSS JOIN LATERAL (VALUES ('payment', o.payment_method), ('shipping', o.shipping_method)) m(kind, method)
GROUP BY o.day, o.currency, o.status, m.kind, m.method
"""),
    Rollup("sales_product_days", "sales_product_months", ("currency", "status", "code"),
           ("orders", "quantity", "revenue_with_vat", "revenue_without_vat"), ("product_guid", "name"), """
SELECT %(shop_id)s, o.day, o.currency, o.status, coalesce(i.code, ''), count(DISTINCT o.id),
       coalesce(sum(i.amount), 0), coalesce(sum(i.total_with_vat), 0), coalesce(sum(i.total_without_vat), 0),
       max(i.product_guid), max(i.name)
FROM sales_day_orders o
CROSS JOIN LATERAL (
    SELECT i.code, i.amount, i.total_with_vat, i.total_without_vat, i.product_guid, i.name FROM order_items i
    WHERE i.order_id = o.id AND i.order_created_at = o.creation_time AND i.item_type IN (__PRODUCT_LINES__)
    OFFSET 0  -- a fence: each order's items by its key (one partition), never a join over every partition
) i
GROUP BY o.day, o.currency, o.status, coalesce(i.code, '')
"""),
)


def _statements(rollup: Rollup) -> list[str]:
    """Day rows of the touched days replaced; what they take away and bring (per month) moves the month rows.

    The month rows change by the difference alone, so a batch costs its days' rows, never a month's."""
    keys, sums, labels = ", ".join(rollup.keys), ", ".join(rollup.sums), rollup.labels
    delta = f"{rollup.months}_delta"
    month_keys = f"shop_id, month, {keys}"
    negated = ", ".join(f"-{column}" for column in rollup.sums)
    nulls = "".join(", NULL" for _ in labels)
    label_list = "".join(f", {column}" for column in labels)
    matching = " AND ".join(f"m.{column} = x.{column}" for column in ("shop_id", "month", *rollup.keys))
    updates = ", ".join([*(f"{c} = m.{c} + EXCLUDED.{c}" for c in rollup.sums),
                         *(f"{c} = coalesce(EXCLUDED.{c}, m.{c})" for c in labels)])
    return [
        f"CREATE TEMP TABLE IF NOT EXISTS {delta} (LIKE {rollup.months}) ON COMMIT DELETE ROWS",
        f"DELETE FROM {delta}",  # noqa: S608 (constant names)
        f"""WITH gone AS (DELETE FROM {rollup.days} r USING sales_touched_days d
                          WHERE r.shop_id = %(shop_id)s AND r.day = d.day RETURNING r.*)
            INSERT INTO {delta} ({month_keys}, {sums}{label_list})
            SELECT shop_id, date_trunc('month', day)::date, {keys}, {negated}{nulls} FROM gone""",  # noqa: S608
        f"""WITH added AS (INSERT INTO {rollup.days} (shop_id, day, {", ".join(rollup.columns)})
                           {rollup.select} RETURNING *)
            INSERT INTO {delta} ({month_keys}, {sums}{label_list})
            SELECT shop_id, date_trunc('month', day)::date, {keys}, {sums}{label_list} FROM added""",  # noqa: S608
        f"""INSERT INTO {rollup.months} AS m ({month_keys}, {sums}{label_list})
            SELECT {month_keys}, {", ".join(f"sum({c})" for c in rollup.sums)}{"".join(f", max({c})" for c in labels)}
            FROM {delta} GROUP BY {month_keys}
            HAVING {" OR ".join(f"sum({c}) <> 0" for c in rollup.sums)}
            ON CONFLICT ({month_keys}) DO UPDATE SET {updates}""",  # noqa: S608
        f"""DELETE FROM {rollup.months} m USING (SELECT DISTINCT {month_keys} FROM {delta}) x
            WHERE {matching} AND m.orders = 0""",  # noqa: S608
    ]


def _expand(sql: str) -> str:
    """The shared fragments in place (constants only: no value ever enters the SQL text)."""
    not_sales = ", ".join(f"'{status}'" for status in NOT_SALES)
    return (sql.replace("__P_IS_A_SALE__", f"coalesce(p.status, '') NOT IN ({not_sales})")
            .replace("__O_IS_A_SALE__", f"coalesce(o.status, '') NOT IN ({not_sales})")
            .replace("__PRODUCT_LINES__", ", ".join(f"'{kind}'" for kind in PRODUCT_LINES)))


TOUCHED_DAYS = _expand(TOUCHED_DAYS)
RECOMPUTE = [DAY_ORDERS_DDL, "DELETE FROM sales_day_orders", _expand(DAY_ORDERS),
             *(_expand(statement) for rollup in ROLLUPS for statement in _statements(rollup)),
             "DELETE FROM sales_day_orders"]


def shop_zone(cursor: psycopg.Cursor, shop_id: int) -> str:
    """The shop's IANA time zone (Prague when it has none or an unknown one)."""
    cursor.execute("SELECT timezone FROM shops WHERE id = %s", (shop_id,))
    row = cursor.fetchone()
    name = row[0] if row else None
    try:
        ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return DEFAULT_ZONE
    return name or DEFAULT_ZONE


def _recompute(cursor: psycopg.Cursor, shop_id: int, days_sql: str, params: dict) -> None:
    params = {**params, "shop_id": shop_id, "zone": shop_zone(cursor, shop_id)}
    # The planner knows nothing of the temporary tables, guesses big and would JIT-compile each statement
    # (seconds per batch for milliseconds of work): off for these statements, as it was after them.
    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s), current_setting('jit'), set_config('jit', 'off', true)",
                   (LOCK_CLASS, shop_id))
    jit = cursor.fetchone()[1]
    cursor.execute(DAYS_DDL)
    cursor.execute("DELETE FROM sales_touched_days")
    cursor.execute(days_sql, params)
    if cursor.rowcount:
        for statement in RECOMPUTE:
            cursor.execute(statement, params)
        cursor.execute("DELETE FROM sales_touched_days")
    cursor.execute("SELECT set_config('jit', %s, true)", (jit,))


def orders_changed(cursor: psycopg.Cursor, shop_id: int, touched_sql: str, params: dict) -> None:
    """The hook (app/imports/hooks.py): the rollups of the touched orders' days."""
    _recompute(cursor, shop_id, TOUCHED_DAYS.replace("{touched}", touched_sql), params)


def rebuild_shop(cursor: psycopg.Cursor, shop_id: int) -> None:
    """Every rollup row of the shop from its orders (the backfill; run inside a transaction)."""
    for rollup in ROLLUPS:
        cursor.execute(f"DELETE FROM {rollup.days} WHERE shop_id = %s", (shop_id,))  # noqa: S608 (constant)
        cursor.execute(f"DELETE FROM {rollup.months} WHERE shop_id = %s", (shop_id,))  # noqa: S608 (constant)
    _recompute(cursor, shop_id, ALL_DAYS, {})
