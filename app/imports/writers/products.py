"""Product records → `products`, `product_variants`, `variant_stocks` and `product_texts`.

A product comes in one language at a time. The shop's default language writes the product itself, its
variants and stock; another language writes only that language's texts.
"""

from __future__ import annotations

import psycopg

from app.catalog.texts_hook import texts_changed
from app.imports.records import (
    PRODUCT_COLUMNS,
    TEXT_COLUMNS,
    VARIANT_COLUMNS,
    VARIANT_STOCK_COLUMNS,
    Counts,
    ProductRecord,
)
from app.imports.writers.base import (
    NEWER_ONLY,
    Writer,
    changed_counts,
    newest,
    prepare_staging,
    stage,
    upsert_newer,
)

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
    meta_description text, additional_name text, change_time timestamptz, content_hash bytea
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_changed_products (guid text, inserted boolean) ON COMMIT DELETE ROWS;
"""

UPSERT_PRODUCTS = upsert_newer("products", PRODUCT_COLUMNS, "guid", "stage_products", "stage_changed_products",
                               "t.guid")

REPLACE_CHILDREN = [
    # A changed product's variants and stock are replaced as a whole (a record lists all of them).
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
    f"""INSERT INTO variant_stocks (shop_id, {", ".join(VARIANT_STOCK_COLUMNS)})
        SELECT %(shop_id)s, {", ".join("ss." + c for c in VARIANT_STOCK_COLUMNS)}
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
RETURNING (t.xmax = 0) AS inserted, t.product_guid
"""


class ProductWriter(Writer):
    kind = "products"
    analyzed_tables = ("products", "product_variants")

    def __init__(self, shop_id: int, *, language: str, is_default: bool):
        self.shop_id = shop_id
        self.language = language
        self.is_default = is_default

    def write(self, cursor: psycopg.Cursor, records: list[ProductRecord]) -> Counts:
        records = newest(records, key=lambda r: r.guid, change_time=lambda r: r.changed)
        prepare_staging(cursor, STAGING_DDL, STAGING_TABLES)
        params = {"shop_id": self.shop_id, "language": self.language}
        stage(cursor, "stage_texts", TEXT_COLUMNS, (r.text for r in records))
        cursor.execute(UPSERT_TEXTS, params)
        text_rows = cursor.fetchall()
        text_flags = [row[0] for row in text_rows]
        # Translations whose source or shop text changed (app/catalog/texts_hook.py).
        texts_changed(cursor, self.shop_id, self.language, [guid for _inserted, guid in text_rows])
        if not self.is_default:
            inserted = sum(text_flags)
            updated = len(text_flags) - inserted
            return Counts(inserted=inserted, updated=updated, unchanged=len(records) - inserted - updated)
        stage(cursor, "stage_products", PRODUCT_COLUMNS, (r.row for r in records))
        stage(cursor, "stage_variants", VARIANT_COLUMNS, (v for r in records for v in r.variants))
        stage(cursor, "stage_variant_stocks", VARIANT_STOCK_COLUMNS, (s for r in records for s in r.stocks))
        cursor.execute(UPSERT_PRODUCTS, params)
        counts = changed_counts(cursor, "stage_changed_products", len(records))
        if counts.inserted or counts.updated:
            for statement in REPLACE_CHILDREN:
                cursor.execute(statement, params)
        return counts
