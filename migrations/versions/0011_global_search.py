"""global search: accent- and case-insensitive expression indexes over customers and products

Revision ID: global_search
Revises: sales_rollups

Expand-only. `hub_unaccent(text)` is an IMMUTABLE wrapper of unaccent with its dictionary named (unaccent
itself is only STABLE, so it cannot be indexed); other modules may create the very same function, hence
CREATE OR REPLACE. The indexes are on expressions of columns the imports already write, so they are kept
current by the same writes: no indexing step. Built CONCURRENTLY (no write lock on tables in use).
"""
from alembic import op

revision = 'global_search'
down_revision = 'sales_rollups'
branch_labels = None
depends_on = None

NORMALIZED = "lower(hub_unaccent({}))"
INDEXES = {
    # name: (table, columns, using)
    "ix_customers_search_name": ("customers", f"shop_id, ({NORMALIZED.format('full_name')}) gin_trgm_ops", "gin"),
    "ix_customers_search_company": ("customers", f"shop_id, ({NORMALIZED.format('company')}) gin_trgm_ops", "gin"),
    "ix_products_search_name": ("products", f"shop_id, ({NORMALIZED.format('name')}) gin_trgm_ops", "gin"),
    "ix_product_texts_search_name": ("product_texts", f"shop_id, ({NORMALIZED.format('name')}) gin_trgm_ops", "gin"),
    "ix_product_variants_search_code": ("product_variants", "shop_id, lower(code) text_pattern_ops", "btree"),
    "ix_product_variants_search_ean": ("product_variants", "shop_id, ean", "btree"),
    "ix_orders_search_code": ("orders", "shop_id, upper(code) text_pattern_ops", "btree"),
}


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("""
        CREATE OR REPLACE FUNCTION hub_unaccent(text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
    """)
    with op.get_context().autocommit_block():
        for name, (table, columns, using) in INDEXES.items():
            op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} USING {using} ({columns})")


def downgrade():
    with op.get_context().autocommit_block():
        for name in INDEXES:
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
