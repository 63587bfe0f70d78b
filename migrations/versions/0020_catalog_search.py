"""catalog_search: one fold function and one search index per column; products' additional name

Revision ID: catalog_search
Revises: audience_exports

Three spellings of "accent- and case-free" had grown, each with its trigram index: `hub_fold(x)` (migration
search_folding), `lower(hub_unaccent(x))` (global_search) and `hub_unaccent(lower(x))` (catalog_texts). Only
`hub_fold` stays; every query says `hub_fold(<column>)` (or the stored `product_texts.name_folded`) verbatim,
so the planner matches the one index per column. `hub_unaccent` itself stays until a later (contract)
migration: the previous release still calls it while this one rolls out.

- `product_texts.name_folded` is `hub_fold(name)`, stored: the trigram index answers `LIKE '%term%'` only
  approximately, and the recheck of each candidate row otherwise recomputes the fold (unaccent behind an SQL
  function, ~8x the cost of comparing the stored text; the name search of the products table rechecks
  thousands of rows for a common word). A trigger keeps it (a generated column would rewrite the table under an
  exclusive lock while it is added); existing rows are filled in batches, each its own transaction, so the
  imports' writes go on meanwhile and need no change.
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


FOLD_TRIGGER = """
CREATE OR REPLACE FUNCTION hub_product_texts_fold() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN NEW.name_folded := hub_fold(NEW.name); RETURN NEW; END $$
"""
BATCH = 20_000
BACKFILL = sa.text("UPDATE product_texts SET name_folded = hub_fold(name) "
                   "WHERE id > :low AND id <= :high AND name IS NOT NULL AND name_folded IS NULL")


def upgrade():
    op.add_column('product_texts', sa.Column('additional_name', sa.Text(), nullable=True), if_not_exists=True)
    op.add_column('product_texts', sa.Column('name_folded', sa.Text(), nullable=True), if_not_exists=True)
    op.execute(FOLD_TRIGGER)
    op.execute("DROP TRIGGER IF EXISTS product_texts_fold ON product_texts")
    op.execute("CREATE TRIGGER product_texts_fold BEFORE INSERT OR UPDATE OF name ON product_texts "
               "FOR EACH ROW EXECUTE FUNCTION hub_product_texts_fold()")
    with op.get_context().autocommit_block():
        if not context.is_offline_mode():
            bind = op.get_bind()
            highest = bind.execute(sa.text("SELECT coalesce(max(id), 0) FROM product_texts")).scalar()
            for low in range(0, highest, BATCH):
                bind.execute(BACKFILL, {"low": low, "high": low + BATCH})
        _create(NEW_INDEXES)
        _drop(OLD_INDEXES)


def downgrade():
    op.execute(UNACCENT)  # kept by upgrade since; re-created for a database upgraded by an earlier copy
    with op.get_context().autocommit_block():
        _create(OLD_INDEXES)
        _drop(NEW_INDEXES)
    op.execute("DROP TRIGGER IF EXISTS product_texts_fold ON product_texts")
    op.execute("DROP FUNCTION IF EXISTS hub_product_texts_fold()")
    op.drop_column('product_texts', 'name_folded')
    op.drop_column('product_texts', 'additional_name')
