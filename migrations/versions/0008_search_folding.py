"""search folding: accent- and case-insensitive name search, any part of an e-mail, both index-backed

Revision ID: search_folding
Revises: money

`hub_fold(text)` is lower(unaccent(text)) declared IMMUTABLE (unaccent itself is only STABLE: its dictionary
could change; ours is the extension's own, named explicitly), so an index can hold it: `svobodova` finds
`Svobodová`. Names are searched through trigram indexes of the folded name, e-mails through trigram indexes of
the (lower-case) e-mail, with shop_id in each GIN index (btree_gin), as every table page reads one shop at a
time (app/tables/keyset.py). The name trigram indexes on the raw name are replaced. Indexes are built and
dropped CONCURRENTLY, outside the migration's transaction.
"""
from alembic import context, op

revision = 'search_folding'
down_revision = 'money'
branch_labels = None
depends_on = None

FOLD = """
CREATE OR REPLACE FUNCTION hub_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, value)) $$
"""

NEW_INDEXES = {
    "ix_orders_shop_name_fold": "orders USING gin (shop_id, hub_fold(full_name) gin_trgm_ops)",
    "ix_orders_shop_email_trgm": "orders USING gin (shop_id, email gin_trgm_ops)",
    "ix_customers_shop_name_fold": "customers USING gin (shop_id, hub_fold(full_name) gin_trgm_ops)",
    "ix_customers_shop_email_trgm": "customers USING gin (shop_id, email gin_trgm_ops)",
}
OLD_INDEXES = {
    "ix_orders_shop_name_trgm": "orders USING gin (shop_id, full_name gin_trgm_ops)",
    "ix_customers_shop_name_trgm": "customers USING gin (shop_id, full_name gin_trgm_ops)",
}


def _create(indexes: dict[str, str]) -> None:
    for name, definition in indexes.items():
        if not context.is_offline_mode():
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")  # an invalid one left by an interrupted build
        op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}")


def upgrade():
    # A trusted extension (PostgreSQL >= 13): the database owner may create it. Left in place on downgrade.
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute(FOLD)
    with op.get_context().autocommit_block():
        _create(NEW_INDEXES)
        for name in OLD_INDEXES:
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


def downgrade():
    with op.get_context().autocommit_block():
        _create(OLD_INDEXES)
        for name in NEW_INDEXES:
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    op.execute("DROP FUNCTION IF EXISTS hub_fold(text)")
