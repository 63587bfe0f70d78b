"""catalog_search: one fold function and one search index per column; products' additional name

Revision ID: catalog_search
Revises: audience_exports

Three spellings of "accent- and case-free" had grown, each with its trigram index: `hub_fold(x)` (migration
search_folding), `lower(hub_unaccent(x))` (global_search) and `hub_unaccent(lower(x))` (catalog_texts). Only
`hub_fold` stays; every query says `hub_fold(<column>)` (or the stored `product_texts.name_folded`) verbatim,
so the planner matches the one index per column, and `hub_unaccent` is dropped.

- `product_texts.name_folded` is `hub_fold(name)`, a stored generated column: the trigram index answers
  `LIKE '%term%'` only approximately, and the recheck of each candidate row otherwise recomputes the fold
  (unaccent behind an SQL function, ~8x the cost of comparing the stored text; the name search of the products
  table rechecks thousands of rows for a common word). Adding it rewrites product_texts once (its rows are
  products x languages); the imports' writes keep it current with no change to them.
- Codes and EANs: one btree each, `(lower(code) text_pattern_ops, shop_id)` and `(ean varchar_pattern_ops,
  shop_id)`: a prefix is a range of the first column whatever the database's collation; the products table
  asks without a shop (one uncorrelated subquery for the whole page), the global search filters its shops in
  the index.
- `product_texts.additional_name`: Shoptet's `additionalName`, a translated field like the others.

Indexes are built and dropped CONCURRENTLY, outside the migration's transaction.
"""
import sqlalchemy as sa
from alembic import context, op

revision = 'catalog_search'
down_revision = 'audience_exports'
branch_labels = None
depends_on = None

NEW_INDEXES = {
    "ix_product_texts_shop_name_fold": "product_texts USING gin (shop_id, name_folded gin_trgm_ops)",
    "ix_products_shop_name_fold": "products USING gin (shop_id, hub_fold(name) gin_trgm_ops)",
    "ix_customers_shop_company_fold": "customers USING gin (shop_id, hub_fold(company) gin_trgm_ops)",
    "ix_product_variants_code_search": "product_variants (lower(code) text_pattern_ops, shop_id)",
    "ix_product_variants_ean_search": "product_variants (ean varchar_pattern_ops, shop_id)",
}
OLD_INDEXES = {
    "ix_product_texts_shop_name_trgm": "product_texts USING gin (shop_id, hub_unaccent(lower(name)) gin_trgm_ops)",
    "ix_product_texts_search_name": "product_texts USING gin (shop_id, (lower(hub_unaccent(name))) gin_trgm_ops)",
    "ix_products_search_name": "products USING gin (shop_id, (lower(hub_unaccent(name))) gin_trgm_ops)",
    "ix_customers_search_name": "customers USING gin (shop_id, (lower(hub_unaccent(full_name))) gin_trgm_ops)",
    "ix_customers_search_company": "customers USING gin (shop_id, (lower(hub_unaccent(company))) gin_trgm_ops)",
    "ix_product_variants_code_prefix": "product_variants (code varchar_pattern_ops)",
    "ix_product_variants_ean_prefix": "product_variants (ean varchar_pattern_ops)",
    "ix_product_variants_search_code": "product_variants (shop_id, lower(code) text_pattern_ops)",
    "ix_product_variants_search_ean": "product_variants (shop_id, ean)",
}
UNACCENT = """
CREATE OR REPLACE FUNCTION hub_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
"""


def _create(indexes: dict[str, str]) -> None:
    for name, definition in indexes.items():
        if not context.is_offline_mode():
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")  # an invalid one left by an interrupted build
        op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}")


def _drop(indexes: dict[str, str]) -> None:
    for name in indexes:
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


def upgrade():
    op.add_column('product_texts', sa.Column('additional_name', sa.Text(), nullable=True))
    op.add_column('product_texts', sa.Column('name_folded', sa.Text(),
                                             sa.Computed('hub_fold(name)', persisted=True), nullable=True))
    with op.get_context().autocommit_block():
        _create(NEW_INDEXES)
        _drop(OLD_INDEXES)
    op.execute("DROP FUNCTION IF EXISTS hub_unaccent(text)")


def downgrade():
    op.execute(UNACCENT)
    with op.get_context().autocommit_block():
        _create(OLD_INDEXES)
        _drop(NEW_INDEXES)
    op.drop_column('product_texts', 'name_folded')
    op.drop_column('product_texts', 'additional_name')
