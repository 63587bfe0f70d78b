"""Products snapshot lines → `products`, `product_variants`, `variant_stocks` and `product_texts`.

A snapshot carries texts in one language (Shoptet's `?language=`). The shop's default language writes
the product itself, its variants and stock; another language writes only that language's texts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import orjson
import psycopg

from app.imports.kinds.base import (
    NEWER_ONLY,
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

PRODUCT_COLUMNS = ("guid", "name", "type", "visibility", "brand", "default_category", "creation_time", "change_time",
                   "content_hash", "raw")
VARIANT_COLUMNS = ("product_guid", "code", "ean", "name", "price", "currency", "stock", "visible", "raw")
STOCK_COLUMNS = ("variant_code", "stock_id", "amount", "claim", "location", "change_time")
TEXT_COLUMNS = ("product_guid", "name", "short_description", "description", "meta_title", "meta_description",
                "change_time", "content_hash")

STAGING_TABLES = ('stage_products', 'stage_variants', 'stage_variant_stocks', 'stage_texts', 'stage_changed_products')
STAGING_DDL = """
CREATE TEMP TABLE IF NOT EXISTS stage_products (
    guid text, name text, type text, visibility text, brand text, default_category text,
    creation_time timestamptz, change_time timestamptz, content_hash bytea, raw jsonb
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_variants (
    product_guid text, code text, ean text, name text, price numeric(14,2), currency text, stock numeric(14,3),
    visible boolean, raw jsonb
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_variant_stocks (
    variant_code text, stock_id int, amount numeric(14,3), claim numeric(14,3), location text,
    change_time timestamptz
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_texts (
    product_guid text, name text, short_description text, description text, meta_title text,
    meta_description text, change_time timestamptz, content_hash bytea
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_changed_products (guid text, inserted boolean) ON COMMIT DELETE ROWS;
"""

UPSERT_PRODUCTS = upsert_newer("products", PRODUCT_COLUMNS, "guid", "stage_products", "stage_changed_products",
                               "t.guid")

REPLACE_CHILDREN = [
    # A changed product's variants and stock are replaced as a whole (the line lists all of them).
    """DELETE FROM variant_stocks s USING product_variants v, stage_changed_products c
       WHERE s.shop_id = %(shop_id)s AND v.shop_id = %(shop_id)s AND v.product_guid = c.guid
         AND s.variant_code = v.code""",
    """DELETE FROM product_variants v USING stage_changed_products c
       WHERE v.shop_id = %(shop_id)s AND v.product_guid = c.guid""",
    f"""INSERT INTO product_variants (shop_id, {", ".join(VARIANT_COLUMNS)})
        SELECT %(shop_id)s, {", ".join("sv." + c for c in VARIANT_COLUMNS)}
        FROM stage_variants sv JOIN stage_changed_products c ON c.guid = sv.product_guid
        ON CONFLICT (shop_id, code) DO UPDATE SET
            {", ".join(f"{c} = EXCLUDED.{c}" for c in VARIANT_COLUMNS if c != "code")}""",
    f"""INSERT INTO variant_stocks (shop_id, {", ".join(STOCK_COLUMNS)})
        SELECT %(shop_id)s, {", ".join("ss." + c for c in STOCK_COLUMNS)}
        FROM stage_variant_stocks ss JOIN product_variants v ON v.shop_id = %(shop_id)s AND v.code = ss.variant_code
        JOIN stage_changed_products c ON c.guid = v.product_guid
        ON CONFLICT (shop_id, stock_id, variant_code) DO UPDATE SET
            amount = EXCLUDED.amount, claim = EXCLUDED.claim, location = EXCLUDED.location,
            change_time = EXCLUDED.change_time""",
]

UPSERT_TEXTS = f"""
INSERT INTO product_texts AS t (shop_id, language, {", ".join(TEXT_COLUMNS)})
SELECT %(shop_id)s, %(language)s, {", ".join(TEXT_COLUMNS)} FROM stage_texts
ON CONFLICT (shop_id, product_guid, language) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in TEXT_COLUMNS if c != "product_guid")}
WHERE {NEWER_ONLY}
RETURNING (t.xmax = 0) AS inserted
"""


@dataclass(slots=True)
class ProductRecord:
    guid: str
    changed: datetime | None
    row: tuple
    text: tuple
    variants: list[tuple] = field(default_factory=list)
    stocks: list[tuple] = field(default_factory=list)


class ProductImporter(Importer):
    kind = "products"
    analyzed_tables = ("products", "product_variants")

    def __init__(self, shop_id: int, *, language: str, is_default: bool):
        self.shop_id = shop_id
        self.language = language
        self.is_default = is_default

    def prepare(self, obj: dict) -> ProductRecord:
        guid = str(require(obj, "guid"))
        changed = parse_time(obj.get("changeTime"), "changeTime")
        text_values = (obj.get("name"), obj.get("shortDescription"), obj.get("description"), obj.get("metaTitle"),
                       obj.get("metaDescription"))
        text = (guid, *text_values, obj.get("changeTime"), content_hash(orjson.dumps(text_values)))
        record = ProductRecord(guid, changed, (), text)
        if not self.is_default:
            return record
        variants = obj.get("variants") or []
        if not isinstance(variants, list):
            raise LineError("field 'variants' is not a list")
        for variant in variants:
            code = variant.get("code")
            if not code:
                raise LineError("a variant has no 'code'")
            record.variants.append((
                guid, code, variant.get("ean"), variant.get("name"), variant.get("price"),
                variant.get("currencyCode"), variant.get("stock"), variant.get("visible"),
                orjson.dumps(variant).decode(),
            ))
            for stock in variant.get("perStockAmounts") or []:
                record.stocks.append((code, stock.get("stockId"), stock.get("amount"), stock.get("claim"),
                                      stock.get("location"), stock.get("lastAmountUpdate")))
        product_json = orjson.dumps(obj)
        record.row = (
            guid, obj.get("name"), obj.get("type"), obj.get("visibility"), nested(obj, "brand", "name"),
            nested(obj, "defaultCategory", "name"), obj.get("creationTime"), obj.get("changeTime"),
            content_hash(product_json), product_json.decode(),
        )
        return record

    def write(self, cursor: psycopg.Cursor, records: list[ProductRecord]) -> Counts:
        records = newest(records, key=lambda r: r.guid, change_time=lambda r: r.changed)
        prepare_staging(cursor, STAGING_DDL, STAGING_TABLES)
        params = {"shop_id": self.shop_id, "language": self.language}
        stage(cursor, "stage_texts", TEXT_COLUMNS, (r.text for r in records))
        cursor.execute(UPSERT_TEXTS, params)
        text_flags = [row[0] for row in cursor.fetchall()]
        if not self.is_default:
            inserted = sum(text_flags)
            updated = len(text_flags) - inserted
            return Counts(inserted=inserted, updated=updated, unchanged=len(records) - inserted - updated)
        stage(cursor, "stage_products", PRODUCT_COLUMNS, (r.row for r in records))
        stage(cursor, "stage_variants", VARIANT_COLUMNS, (v for r in records for v in r.variants))
        stage(cursor, "stage_variant_stocks", STOCK_COLUMNS, (s for r in records for s in r.stocks))
        cursor.execute(UPSERT_PRODUCTS, params)
        counts = changed_counts(cursor, "stage_changed_products", len(records))
        if counts.inserted or counts.updated:
            for statement in REPLACE_CHILDREN:
                cursor.execute(statement, params)
        return counts
