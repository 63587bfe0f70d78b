"""Orders snapshot lines → `orders` + `order_items`, and the customers' metrics they change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import orjson
import psycopg

from app.imports.kinds.base import (
    Counts,
    Importer,
    LineError,
    changed_counts,
    content_hash,
    nested,
    newest,
    parse_time,
    prepare_staging,
    require,
    stage,
    upsert_newer,
)
from app.imports.metrics import refresh_customer_metrics
from app.imports.partitions import month_start

ORDER_COLUMNS = (
    "code", "guid", "creation_time", "change_time", "status_id", "status_name", "paid", "email", "phone",
    "full_name", "company", "customer_guid", "currency", "total_with_vat", "total_without_vat", "payment_method",
    "shipping_method", "source_name", "item_count", "content_hash", "raw",
)
ITEM_COLUMNS = (
    "order_code", "item_id", "position", "item_type", "product_guid", "code", "ean", "name", "variant_name",
    "amount", "unit_price_with_vat", "total_with_vat", "total_without_vat", "vat_rate", "raw",
)

STAGING_TABLES = ('stage_orders', 'stage_order_items', 'stage_changed_orders')
STAGING_DDL = """
CREATE TEMP TABLE IF NOT EXISTS stage_orders (
    code text, guid text, creation_time timestamptz, change_time timestamptz, status_id int, status_name text,
    paid boolean, email text, phone text, full_name text, company text, customer_guid text, currency text,
    total_with_vat numeric(14,2), total_without_vat numeric(14,2), payment_method text, shipping_method text,
    source_name text, item_count int, content_hash bytea, raw jsonb
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

UPSERT_ORDERS = upsert_newer("orders", ORDER_COLUMNS, "code", "stage_orders", "stage_changed_orders",
                             "t.id, t.code, t.creation_time, t.customer_guid")

REPLACE_ITEMS = [
    # Items of updated orders are replaced as a whole: Shoptet sends the full item list every time.
    """DELETE FROM order_items oi USING stage_changed_orders c WHERE NOT c.inserted AND oi.order_id = c.id""",
    f"""INSERT INTO order_items (shop_id, order_id, order_created_at, {", ".join(ITEM_COLUMNS[1:])})
        SELECT %(shop_id)s, c.id, c.creation_time, {", ".join("si." + col for col in ITEM_COLUMNS[1:])}
        FROM stage_order_items si JOIN stage_changed_orders c ON c.code = si.order_code""",
]


@dataclass(slots=True)
class OrderRecord:
    code: str
    created: datetime
    changed: datetime | None
    row: tuple
    items: list[tuple]


def _item_row(code: str, position: int, item: dict, item_json: str) -> tuple:
    item_id = item.get("itemId")
    if item_id is None:
        raise LineError(f"item {position} has no 'itemId'")
    return (
        code, item_id, position, item.get("itemType") or "product", item.get("productGuid"), item.get("code"),
        item.get("ean"), item.get("name"), item.get("variantName"), item.get("amount"),
        nested(item, "unitPrice", "withVat"), nested(item, "itemPrice", "withVat"),
        nested(item, "itemPrice", "withoutVat"), nested(item, "itemPrice", "vatRate"), item_json,
    )


class OrderImporter(Importer):
    kind = "orders"
    analyzed_tables = ("orders",)

    def __init__(self, shop_id: int):
        self.shop_id = shop_id

    def prepare(self, obj: dict) -> OrderRecord:
        code = str(require(obj, "code"))
        created = parse_time(require(obj, "creationTime"), "creationTime")
        changed = parse_time(obj.get("changeTime"), "changeTime")
        items = obj.pop("items", None) or []
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise LineError("field 'items' is not a list of objects")
        item_jsons = [orjson.dumps(item) for item in items]
        item_rows = [_item_row(code, position, item, item_json.decode())
                     for position, (item, item_json) in enumerate(zip(items, item_jsons, strict=True), start=1)]
        order_json = orjson.dumps(obj)
        billing = obj.get("billingAddress") or {}
        email = obj.get("email")
        row = (
            code, obj.get("guid"), obj["creationTime"], obj.get("changeTime"), nested(obj, "status", "id"),
            nested(obj, "status", "name"), obj.get("paid"), email.lower() if isinstance(email, str) else None,
            obj.get("phone"), billing.get("fullName"), billing.get("company"), obj.get("customerGuid"),
            nested(obj, "price", "currencyCode"), nested(obj, "price", "withVat"), nested(obj, "price", "withoutVat"),
            nested(obj, "paymentMethod", "name"), nested(obj, "shipping", "name"), nested(obj, "source", "name"),
            len(item_rows), content_hash(order_json, *item_jsons), order_json.decode(),
        )
        return OrderRecord(code, created, changed, row, item_rows)

    def months(self, records: list[OrderRecord]) -> set[date]:
        return {month_start(record.created) for record in records}

    def write(self, cursor: psycopg.Cursor, records: list[OrderRecord]) -> Counts:
        records = newest(records, key=lambda r: r.code, change_time=lambda r: r.changed)
        prepare_staging(cursor, STAGING_DDL, STAGING_TABLES)
        stage(cursor, "stage_orders", ORDER_COLUMNS, (r.row for r in records))
        stage(cursor, "stage_order_items", ITEM_COLUMNS, (item for r in records for item in r.items))
        params = {"shop_id": self.shop_id}
        cursor.execute(UPSERT_ORDERS, params)
        counts = changed_counts(cursor, "stage_changed_orders", len(records))
        if counts.inserted or counts.updated:
            for statement in REPLACE_ITEMS:
                cursor.execute(statement, params)
            refresh_customer_metrics(cursor, self.shop_id,
                                     "SELECT customer_guid FROM stage_changed_orders WHERE customer_guid IS NOT NULL")
        return counts
