"""Load a sandbox snapshot into a shop quickly: the channel's own mapping of every line, then COPY (no raw
JSON, no change detection). The importer is tested elsewhere; these tests need the data, thousands of orders,
in seconds."""

from __future__ import annotations

import gzip

import orjson
from sqlalchemy import text

from app.channels import channel_for
from app.customers.metrics import refresh_customer_metrics
from app.imports.partitions import ensure_months, month_start
from app.imports.records import CUSTOMER_COLUMNS, ITEM_COLUMNS, ORDER_COLUMNS


def _lines(path):
    with gzip.open(path, "rb") as handle:
        for line in handle:
            if line.strip():
                yield orjson.loads(line)


def _slim(row: tuple, columns: tuple) -> tuple:
    values = dict(zip(columns, row, strict=True))
    values["raw"] = "{}"
    if "content_hash" in values:
        values["content_hash"] = b"x"
    return tuple(values[c] for c in columns)


def load(session, shop, customers_path, orders_path) -> None:
    channel = channel_for(shop)
    connection = session.connection().connection.driver_connection
    to_customer = channel.record_mapper(shop, "customers")
    to_order = channel.record_mapper(shop, "orders")
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY customers (shop_id, {', '.join(CUSTOMER_COLUMNS)}) FROM STDIN") as copy:
            for line in _lines(customers_path):
                copy.write_row((shop.id, *_slim(to_customer(line).row, CUSTOMER_COLUMNS)))
        cursor.execute("CREATE TEMPORARY TABLE load_items (order_code varchar(64), order_created_at timestamptz, "
                       f"{', '.join(c + ' text' for c in ITEM_COLUMNS if c != 'order_code')}) ON COMMIT DROP")
        items = []
        with cursor.copy(f"COPY orders (shop_id, {', '.join(ORDER_COLUMNS)}) FROM STDIN") as copy:
            for line in _lines(orders_path):
                record = to_order(line)
                copy.write_row((shop.id, *_slim(record.row, ORDER_COLUMNS)))
                items.extend((record.code, record.created, *_slim(item, ITEM_COLUMNS)[1:]) for item in record.items)
        ensure_months(session.connection(), {month_start(row[1]) for row in items})
        columns = ["order_code", "order_created_at", *[c for c in ITEM_COLUMNS if c != "order_code"]]
        with cursor.copy(f"COPY load_items ({', '.join(columns)}) FROM STDIN") as copy:
            for row in items:
                copy.write_row(tuple(None if v is None else str(v) for v in row))
        cursor.execute("""
            INSERT INTO order_items (shop_id, order_id, order_created_at, item_id, position, item_type, product_guid,
                                     code, ean, name, variant_name, amount, unit_price_with_vat, total_with_vat,
                                     total_without_vat, vat_rate, raw)
            SELECT o.shop_id, o.id, o.creation_time, i.item_id::bigint, i.position::smallint, i.item_type,
                   i.product_guid, i.code, i.ean, i.name, i.variant_name, i.amount::numeric,
                   i.unit_price_with_vat::numeric, i.total_with_vat::numeric, i.total_without_vat::numeric,
                   i.vat_rate::numeric, '{}'::jsonb
            FROM load_items i JOIN orders o ON o.shop_id = %s AND o.code = i.order_code
        """, (shop.id,))
        cursor.execute("DROP TABLE load_items")
    refresh_customer_metrics(connection.cursor(), shop.id, "SELECT guid FROM customers WHERE shop_id = %(shop_id)s")
    session.execute(text("SELECT 1"))
