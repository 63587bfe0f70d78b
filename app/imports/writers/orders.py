"""Order records → `orders` + `order_items`, and what follows the orders they change (app/imports/hooks.py)."""

from __future__ import annotations

from datetime import date

import psycopg

from app.imports.hooks import lock_orders, orders_changed
from app.imports.partitions import month_start
from app.imports.records import ITEM_COLUMNS, ORDER_COLUMNS, Counts, OrderRecord
from app.imports.writers.base import Writer, changed_counts, newest, prepare_staging, stage, upsert_newer
from app.imports.writers.customers import CustomerWriter
from app.orders.models import BASE_TOTAL_SQL

STAGING_TABLES = ('stage_orders', 'stage_order_items', 'stage_changed_orders')
STAGING_DDL = """
CREATE TEMP TABLE IF NOT EXISTS stage_orders (
    code text, guid text, creation_time timestamptz, change_time timestamptz, status_id int, status_name text,
    status text, paid boolean, email text, phone text, full_name text, company text, customer_guid text,
    currency text, exchange_rate numeric(18,8), total_with_vat numeric(14,2), total_without_vat numeric(14,2),
    payment_method text, shipping_method text, source_name text, item_count int, content_hash bytea, raw jsonb
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_order_items (
    order_code text, item_id bigint, position smallint, item_type text, product_guid text, code text, ean text,
    name text, variant_name text, amount numeric(14,3), unit_price_with_vat numeric(14,2),
    total_with_vat numeric(14,2), total_without_vat numeric(14,2), vat_rate numeric(6,2), raw jsonb
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_changed_orders (
    id bigint, code text, creation_time timestamptz, customer_guid text, inserted boolean
) ON COMMIT DELETE ROWS;
"""

UPSERT_ORDERS = upsert_newer(
    "orders", ORDER_COLUMNS, "code", "stage_orders", "stage_changed_orders",
    "t.id, t.code, t.creation_time, t.customer_guid",
    derived={"base_total": BASE_TOTAL_SQL.format(total="total_with_vat", rate="exchange_rate")})

REPLACE_ITEMS = [
    # Items of updated orders are replaced as a whole: a record carries the full item list every time.
    """DELETE FROM order_items oi USING stage_changed_orders c WHERE NOT c.inserted AND oi.order_id = c.id""",
    f"""INSERT INTO order_items (shop_id, order_id, order_created_at, {", ".join(ITEM_COLUMNS[1:])})
        SELECT %(shop_id)s, c.id, c.creation_time, {", ".join("si." + col for col in ITEM_COLUMNS[1:])}
        FROM stage_order_items si JOIN stage_changed_orders c ON c.code = si.order_code""",
]


class OrderWriter(Writer):
    kind = "orders"
    analyzed_tables = ("orders",)

    def __init__(self, shop_id: int):
        self.shop_id = shop_id

    def months(self, records: list[OrderRecord]) -> set[date]:
        return {month_start(record.created) for record in records}

    def write(self, cursor: psycopg.Cursor, records: list[OrderRecord]) -> Counts:
        records = newest(records, key=lambda r: r.code, change_time=lambda r: r.changed)
        lock_orders(cursor, [self.shop_id])  # before any row of the batch (app/imports/hooks.py)
        derived = [r.customer for r in records if r.customer is not None]
        if derived:  # customers the platform does not list (guests): before the orders' metrics are refreshed
            CustomerWriter(self.shop_id).write(cursor, derived)
        prepare_staging(cursor, STAGING_DDL, STAGING_TABLES)
        stage(cursor, "stage_orders", ORDER_COLUMNS, (r.row for r in records))
        stage(cursor, "stage_order_items", ITEM_COLUMNS, (item for r in records for item in r.items))
        params = {"shop_id": self.shop_id}
        cursor.execute(UPSERT_ORDERS, params)
        counts = changed_counts(cursor, "stage_changed_orders", len(records))
        if counts.inserted or counts.updated:
            for statement in REPLACE_ITEMS:
                cursor.execute(statement, params)
            orders_changed(cursor, self.shop_id,
                           "SELECT id AS order_id, customer_guid, creation_time FROM stage_changed_orders")
        return counts
