"""The sales rollups (app/dashboard/models.py) kept current in the transaction that changes the orders.

The hook (named in app/imports/hooks.py) hears which orders an import batch, a feed deletion or a pushed
status change touched; the rows in `orders` already hold the new state and the old one is gone. What each
order adds to the rollups is kept beside them (`sales_order_facts`: its shop day, currency, status, totals,
methods, first-sale flag and product lines), so a change moves the rollups by the difference alone: the
touched orders' old facts subtracted, their new facts added, one grouped upsert per rollup table. The cost is
the batch's orders, never the other orders of their days; an order imported again unchanged writes nothing.
Products also have a year table of their sales (cancelled orders left out), moved by the same statement, so a
long range's top products read whole years there. A row the change leaves without orders is deleted by its
place (the upsert's RETURNING), never looked for among the other rows of its days.

New vs returning customers: an order of a registered customer (customer_guid) that counts as a sale (not
cancelled, refunded or failed, as customer metrics count) is "new" when no earlier sale of that customer
exists in the shop. A change moves that flag on an order it did not touch only when a touched order became a
customer's first sale (the kept first one is no longer) or stopped being it (the first one now was not), so
only then are those orders' facts recomputed: an import of returning customers' new orders looks up nothing.

Days are the shop's days: its time zone (`shops.timezone`, Prague when unknown or not a zone name).
Concurrent writers of one shop (an import batch and a pushed status change) take turns on the shop's orders
lock (app/imports/hooks.py, which the callers take before writing), so a customer's first sale is decided from
what the other committed; the hook takes it too (held already: no wait), for a caller that did not.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg

from app.imports.hooks import ORDERS_LOCK

DEFAULT_ZONE = "Europe/Prague"
CANCELLED = "cancelled"
NOT_SALES = ("cancelled", "refunded", "failed")
PRODUCT_LINES = ("product", "bazar", "service", "product-set")

FACT_COLUMNS = ("order_id", "shop_id", "customer_guid", "day", "currency", "status", "with_vat", "without_vat",
                "payment", "shipping", "first", "items", "codes", "quantities", "lines_with_vat", "lines_without_vat")
# Descriptive values of the product lines (the product rollups' labels): read with the new facts, never kept.
LABELS = ("guids", "names")

# The facts of orders as they are now (`{ids}`: an array of their ids), product lines grouped per code, labels last.
NOW_FACTS = """
SELECT o.id AS order_id, o.shop_id::bigint, o.customer_guid::varchar(64),
       (o.creation_time AT TIME ZONE %(zone)s)::date AS day,
       coalesce(o.currency, (SELECT currency FROM shops WHERE id = %(shop_id)s))::varchar(3) AS currency,
       coalesce(o.status, '')::varchar(20) AS status,
       coalesce(o.total_with_vat, 0)::numeric(14,2) AS with_vat,
       coalesce(o.total_without_vat, 0)::numeric(14,2) AS without_vat,
       coalesce(o.payment_method, '')::varchar(300) AS payment,
       coalesce(o.shipping_method, '')::varchar(300) AS shipping,
       CASE WHEN o.customer_guid IS NOT NULL AND __O_IS_A_SALE__ THEN NOT EXISTS (
           SELECT 1 FROM orders p
           WHERE p.shop_id = o.shop_id AND p.customer_guid = o.customer_guid AND p.deleted_at IS NULL
             AND __P_IS_A_SALE__ AND (p.creation_time, p.id) < (o.creation_time, o.id)) END AS first,
       l.items, l.codes, l.quantities, l.lines_with_vat, l.lines_without_vat, l.guids, l.names
FROM unnest({ids}) x(id)
CROSS JOIN LATERAL (SELECT * FROM orders o WHERE o.id = x.id OFFSET 0) o  -- a fence: a probe of its key each
CROSS JOIN LATERAL (
    SELECT coalesce(sum(amount), 0)::numeric(16,3) AS items, array_agg(code ORDER BY code) AS codes,
           array_agg(amount ORDER BY code) AS quantities, array_agg(with_vat ORDER BY code) AS lines_with_vat,
           array_agg(without_vat ORDER BY code) AS lines_without_vat,
           array_agg(guid ORDER BY code) AS guids, array_agg(name ORDER BY code) AS names
    FROM (SELECT coalesce(i.code, '')::text AS code, max(i.product_guid)::text AS guid, max(i.name)::text AS name,
                 coalesce(sum(i.amount), 0)::numeric AS amount, coalesce(sum(i.total_with_vat), 0)::numeric AS with_vat,
                 coalesce(sum(i.total_without_vat), 0)::numeric AS without_vat
          FROM order_items i
          WHERE i.order_id = o.id AND i.order_created_at = o.creation_time AND i.item_type IN (__PRODUCT_LINES__)
          GROUP BY 1) lines
) l
WHERE o.shop_id = %(shop_id)s AND o.deleted_at IS NULL
"""

# One statement per batch: the touched orders' facts (and those whose first-sale flag moved) compared with the
# kept ones; what changed is written back and its difference (+1 new, -1 old) upserted into every rollup.
# (__F__: the kept facts' columns and no labels; __SAME__: a new and an old fact are equal.)
CHANGE = """
WITH touched AS MATERIALIZED (SELECT array_agg(DISTINCT order_id) AS ids FROM ({touched}) t),
old_touched AS MATERIALIZED (
    SELECT __F__ FROM sales_order_facts f
    WHERE f.order_id = ANY((SELECT ids FROM touched)::bigint[]) AND f.shop_id = %(shop_id)s),
new_touched AS MATERIALIZED (__NOW_TOUCHED__),
-- Orders not touched whose flag moved: a customer's kept first sale when a touched order is its first sale now,
-- and its first sale now when the kept one (touched) is no longer its first.
flagged AS MATERIALIZED (
    SELECT __F__ FROM (SELECT DISTINCT customer_guid FROM new_touched WHERE first) c
    CROSS JOIN LATERAL (
        SELECT * FROM sales_order_facts f
        WHERE f.shop_id = %(shop_id)s AND f.customer_guid = c.customer_guid AND f.first
        OFFSET 0  -- a fence: one probe of the partial index per customer
    ) f
    WHERE f.order_id <> ALL((SELECT ids FROM touched)::bigint[])
    UNION ALL
    SELECT __F__ FROM (SELECT DISTINCT o.customer_guid FROM old_touched o
                       WHERE o.first AND NOT EXISTS (SELECT 1 FROM new_touched n
                                                     WHERE n.order_id = o.order_id AND n.first)) c
    CROSS JOIN LATERAL (
        SELECT p.id FROM orders p
        WHERE p.shop_id = %(shop_id)s AND p.customer_guid = c.customer_guid AND p.deleted_at IS NULL
          AND __P_IS_A_SALE__
        ORDER BY p.creation_time, p.id LIMIT 1) p
    CROSS JOIN LATERAL (SELECT * FROM sales_order_facts f WHERE f.order_id = p.id OFFSET 0) f
    WHERE NOT f.first AND p.id <> ALL((SELECT ids FROM touched)::bigint[])),
reflagged AS MATERIALIZED (
    SELECT f.order_id, f.shop_id, f.customer_guid, f.day, f.currency, f.status, f.with_vat, f.without_vat,
           f.payment, f.shipping,
           NOT EXISTS (SELECT 1 FROM orders p JOIN orders o ON o.id = f.order_id
                       WHERE p.shop_id = %(shop_id)s AND p.customer_guid = f.customer_guid AND p.deleted_at IS NULL
                         AND __P_IS_A_SALE__ AND (p.creation_time, p.id) < (o.creation_time, o.id)) AS first,
           f.items, f.codes, f.quantities, f.lines_with_vat, f.lines_without_vat, f.guids, f.names
    FROM flagged f),
old AS (SELECT * FROM old_touched UNION ALL SELECT * FROM flagged),
new AS (SELECT * FROM new_touched UNION ALL SELECT * FROM reflagged),
added AS MATERIALIZED (
    SELECT n.* FROM new n LEFT JOIN old o ON o.order_id = n.order_id WHERE o.order_id IS NULL OR NOT __SAME__),
removed AS MATERIALIZED (
    SELECT o.* FROM old o LEFT JOIN new n ON n.order_id = o.order_id WHERE n.order_id IS NULL OR NOT __SAME__),
kept AS (
    INSERT INTO sales_order_facts (__FACTS__) SELECT __FACTS__ FROM added
    ON CONFLICT (order_id) DO UPDATE SET __FACT_UPDATES__),
dropped AS (
    DELETE FROM sales_order_facts f
    WHERE f.order_id = ANY(ARRAY(SELECT order_id FROM removed EXCEPT SELECT order_id FROM added))),
delta AS MATERIALIZED (
    SELECT 1 AS sign, date_trunc('month', day)::date AS month, * FROM added
    UNION ALL SELECT -1, date_trunc('month', day)::date, * FROM removed)
"""

@dataclass(frozen=True)
class Rollup:
    """A day table and its month table (and, for the products, a year table of sales): keys after shop_id and
    the day / month / year, and what the delta adds."""

    days: str
    months: str
    keys: str
    source: str  # FROM: the delta rows (one per order and sign), unfolded as this rollup needs
    sums: tuple[tuple[str, str], ...]  # (column, signed sum of the delta): the first is `orders`
    labels: tuple[tuple[str, str], ...] = ()  # (column, descriptive value of the added rows)
    # Sales per year (orders not cancelled, so without the status): what a long range reads for its whole years.
    years: str | None = None
    year_keys: str = ""

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.days, self.months, *((self.years,) if self.years else ()))

    def upserts(self) -> str:
        """The delta grouped per day once; the rows of each period moved by it, each table's rows in the order of
        its key (writers of one shop take turns on the orders lock and two shops never share a row, so the order
        is not needed today; it keeps any two writers that ever meet from locking rows in a circle)."""
        sums, labels = [c for c, _ in self.sums], [c for c, _ in self.labels]
        grouped = ", ".join(f"{value} AS {column}" for column, value in (*self.sums, *self.labels))
        per_day = f""", {self.days}_delta AS MATERIALIZED (
    SELECT day, month, {self.keys}, {grouped} FROM {self.source} GROUP BY day, month, {self.keys})"""  # noqa: S608
        # What cancels out writes nothing.
        days = (", ".join([*sums, *labels]), "WHERE " + " OR ".join(f"{c} <> 0" for c in sums))
        summed = ", ".join([*(f"sum({c})" for c in sums), *(f"max({c})" for c in labels)])
        moved = " OR ".join(f"sum({c}) <> 0" for c in sums)
        upserts = (per_day + self._upsert(self.days, "day", self.keys, *days)
                   + self._upsert(self.months, "month", self.keys, summed,
                                  f"GROUP BY month, {self.keys} HAVING {moved}"))
        if self.years:
            upserts += self._upsert(self.years, "year", self.year_keys, summed,
                                    f"WHERE status <> '{CANCELLED}' GROUP BY year, {self.year_keys} HAVING {moved}",
                                    "*, date_trunc('year', month)::date AS year")
        return upserts

    def _upsert(self, table: str, period: str, keys: str, values: str, which: str, source: str = "*") -> str:
        """Returns the place (ctid) of each row it left without orders, for EMPTIED."""
        columns = ", ".join(column for column, _ in (*self.sums, *self.labels))
        updates = ", ".join([*(f"{c} = r.{c} + EXCLUDED.{c}" for c, _ in self.sums),
                             *(f"{c} = coalesce(EXCLUDED.{c}, r.{c})" for c, _ in self.labels)])
        ordered = ", ".join(f'{key} COLLATE "C"' for key in keys.split(", "))  # any fixed order; the cheapest
        return f""", {table}_moved AS (
    INSERT INTO {table} AS r (shop_id, {period}, {keys}, {columns})
    SELECT %(shop_id)s, {period}, {keys}, {values} FROM (SELECT {source} FROM {self.days}_delta) d {which}
    ORDER BY {period}, {ordered}
    ON CONFLICT (shop_id, {period}, {keys}) DO UPDATE SET {updates}
    RETURNING r.ctid, r.orders)"""  # noqa: S608 (constant names)


ROLLUPS = (
    Rollup("sales_days", "sales_months", "currency, status", "delta", (
        ("orders", "sum(sign)"), ("revenue_with_vat", "sum(sign * with_vat)"),
        ("revenue_without_vat", "sum(sign * without_vat)"),
        ("new_customers", "coalesce(sum(sign) FILTER (WHERE first), 0)"),
        ("returning_customers", "coalesce(sum(sign) FILTER (WHERE NOT first), 0)"),
        ("items", "sum(sign * items)"))),
    Rollup("sales_method_days", "sales_method_months", "currency, status, kind, method",
           "delta CROSS JOIN LATERAL (VALUES ('payment', payment), ('shipping', shipping)) m(kind, method)",
           (("orders", "sum(sign)"), ("revenue_with_vat", "sum(sign * with_vat)"))),
    Rollup("sales_product_days", "sales_product_months", "currency, status, code",
           "delta CROSS JOIN LATERAL unnest(codes, guids, names, quantities, lines_with_vat, lines_without_vat) "
           "l(code, guid, name, quantity, line_with_vat, line_without_vat)",
           (("orders", "sum(sign)"), ("quantity", "sum(sign * quantity)"),
            ("revenue_with_vat", "sum(sign * line_with_vat)"),
            ("revenue_without_vat", "sum(sign * line_without_vat)")),
           (("product_guid", "max(guid) FILTER (WHERE sign > 0)"), ("name", "max(name) FILTER (WHERE sign > 0)")),
           years="sales_product_years", year_keys="currency, code"),
)
TABLES = tuple(table for rollup in ROLLUPS for table in rollup.tables)
# Every rollup moved by the `delta` rows. The statement ends by handing back, per table, the rows it left without
# orders (for EMPTIED) and the planner settings _begin changed (restored here: this statement is planned already).
UPSERTS = "".join(rollup.upserts() for rollup in ROLLUPS)
LEFT_EMPTY = ", ".join(f"ARRAY(SELECT ctid::text FROM {table}_moved WHERE orders = 0)"  # noqa: S608 (constant)
                      for table in TABLES)
MOVED = f" SELECT {LEFT_EMPTY}, set_config('jit', %(jit)s, true), set_config('enable_seqscan', %(seqscan)s, true)"


def _expand(sql: str) -> str:
    """The shared fragments in place (constants only: no value ever enters the SQL text)."""
    not_sales = ", ".join(f"'{status}'" for status in NOT_SALES)
    return (sql.replace("__P_IS_A_SALE__", f"coalesce(p.status, '') NOT IN ({not_sales})")
            .replace("__O_IS_A_SALE__", f"coalesce(o.status, '') NOT IN ({not_sales})")
            .replace("__PRODUCT_LINES__", ", ".join(f"'{kind}'" for kind in PRODUCT_LINES)))


def _change_sql() -> str:
    columns = ", ".join(FACT_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in FACT_COLUMNS[1:])
    now = NOW_FACTS.replace("{ids}", "(SELECT ids FROM touched)")
    return _expand(CHANGE.replace("__NOW_TOUCHED__", now).replace("__FACTS__", columns)
                   .replace("__F__", ", ".join([*(f"f.{c}" for c in FACT_COLUMNS),
                                                *(f"NULL::text[] AS {c}" for c in LABELS)]))
                   .replace("__SAME__", f"({', '.join(f'o.{c}' for c in FACT_COLUMNS)}) IS NOT DISTINCT FROM "
                                        f"({', '.join(f'n.{c}' for c in FACT_COLUMNS)})")
                   .replace("__FACT_UPDATES__", updates) + UPSERTS + MOVED)


CHANGE_SQL = _change_sql()
# A key whose orders all left is no row (the rollups hold only what some order makes). Only the rows the
# statement just moved to zero are looked at, by their place: this transaction holds their row locks since, so
# no one else can have moved them (and `orders = 0` is checked again all the same).
EMPTIED_ROWS = ", ".join(
    f"{table} AS (DELETE FROM {table} WHERE ctid = ANY(%({table})s::tid[]) AND orders = 0)"  # noqa: S608
    for table in TABLES)
EMPTIED = f"WITH {EMPTIED_ROWS} SELECT 1"


@cache
def _valid_zone(name: str | None) -> str:
    try:
        ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return DEFAULT_ZONE
    return name or DEFAULT_ZONE


def _begin(cursor: psycopg.Cursor, shop_id: int) -> dict:
    """The shop's lock taken, its zone, and for the statement that follows (which restores them) JIT and
    sequential scans off, as one round trip. Every read of the hook is an index probe per order or customer;
    the planner knows nothing of the CTEs and, in an import, little of tables that were empty when last
    analyzed, so it would scan growing tables once per order, or compile for seconds what takes milliseconds."""
    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s), (SELECT timezone FROM shops WHERE id = %s), "
                   "current_setting('jit'), current_setting('enable_seqscan'), set_config('jit', 'off', true), "
                   "set_config('enable_seqscan', 'off', true)", (ORDERS_LOCK, shop_id, shop_id))
    _, zone, jit, seqscan, _, _ = cursor.fetchone()
    return {"shop_id": shop_id, "zone": _valid_zone(zone), "jit": jit, "seqscan": seqscan}


def _apply(cursor: psycopg.Cursor, sql: str, params: dict) -> None:
    """The change, then (only when some row was left without orders) those rows deleted: the usual import
    batch, of orders new or changed within their status, is one statement."""
    cursor.execute(sql, params)
    emptied = dict(zip(TABLES, cursor.fetchone()[:len(TABLES)], strict=True))
    if any(emptied.values()):
        cursor.execute(EMPTIED, emptied)


def shop_zone(cursor: psycopg.Cursor, shop_id: int) -> str:
    """The shop's IANA time zone (Prague when it has none or an unknown one)."""
    cursor.execute("SELECT timezone FROM shops WHERE id = %s", (shop_id,))
    row = cursor.fetchone()
    return _valid_zone(row[0] if row else None)


def orders_changed(cursor: psycopg.Cursor, shop_id: int, touched_sql: str, params: dict) -> None:
    """The hook (app/imports/hooks.py): the rollups moved by what the touched orders changed."""
    base = _begin(cursor, shop_id)
    _apply(cursor, CHANGE_SQL.replace("{touched}", touched_sql), {**params, **base})


def _rebuild_sql() -> str:
    """Every order of the shop as an addition to empty rollups (the hook's own upserts), its facts kept."""
    every = NOW_FACTS.replace("{ids}", "ARRAY(SELECT id FROM orders WHERE shop_id = %(shop_id)s "
                                       "AND deleted_at IS NULL)")
    columns = ", ".join(FACT_COLUMNS)
    return _expand(f"""WITH added AS MATERIALIZED ({every}),
kept AS (INSERT INTO sales_order_facts ({columns}) SELECT {columns} FROM added),
delta AS MATERIALIZED (SELECT 1 AS sign, date_trunc('month', day)::date AS month, * FROM added)"""  # noqa: S608
                   + UPSERTS + MOVED)


REBUILD = _rebuild_sql()


def rebuild_shop(cursor: psycopg.Cursor, shop_id: int) -> None:
    """Every fact and rollup row of the shop from its orders (the backfill; run inside a transaction)."""
    base = _begin(cursor, shop_id)
    cursor.execute("DELETE FROM sales_order_facts WHERE shop_id = %(shop_id)s", base)
    for table in TABLES:
        cursor.execute(f"DELETE FROM {table} WHERE shop_id = %(shop_id)s", base)  # noqa: S608 (constant)
    _apply(cursor, REBUILD, base)
