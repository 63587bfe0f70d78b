"""catalog_texts: the products table's indexes, accent-insensitive name search, the translation workflow

Revision ID: catalog_texts
Revises: global_search

Expand-only. Indexes on the imported catalogue tables are built concurrently (outside a transaction) so an
import running meanwhile is not blocked. `hub_unaccent(text)` is an IMMUTABLE wrapper of `unaccent` with
its dictionary named, so an expression index can use it (`unaccent(text)` itself is only STABLE: it reads
the search path). New tables: translation_units, translation_glossary, translation_usage.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'catalog_texts'
down_revision = 'global_search'
branch_labels = None
depends_on = None

CONCURRENT_INDEXES = [
    ("ix_products_shop_name", "products", "(shop_id, name, id)"),
    ("ix_products_shop_created", "products", "(shop_id, creation_time, id)"),
    ("ix_product_variants_shop_product", "product_variants", "(shop_id, product_guid)"),
    ("ix_product_variants_code_prefix", "product_variants", "(code varchar_pattern_ops)"),
    ("ix_product_variants_ean_prefix", "product_variants", "(ean varchar_pattern_ops)"),
    # Names in every language, lower-cased and without accents, by trigrams (shop_id through btree_gin).
    ("ix_product_texts_shop_name_trgm", "product_texts",
     "USING gin (shop_id, hub_unaccent(lower(name)) gin_trgm_ops)"),
]


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    # hub_unaccent(text), the IMMUTABLE wrapper of unaccent, comes from migration global_search.
    op.create_table(
        'translation_units',
        sa.Column('organization_id', sa.BigInteger(), nullable=False),
        sa.Column('shop_id', sa.BigInteger(), nullable=False),
        sa.Column('product_guid', sa.String(length=64), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('field', sa.String(length=30), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('source_hash', sa.LargeBinary(), nullable=True),
        sa.Column('source_text', sa.Text(), nullable=True),
        sa.Column('shop_hash', sa.LargeBinary(), nullable=True),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.Column('machine_made', sa.Boolean(), server_default='false', nullable=False),
        sa.Column('overlay', sa.Boolean(), server_default='false', nullable=False),
        sa.Column('flags', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"),
                  nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('updated_by_id', sa.BigInteger(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('synced_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_translation_units_organization_id_organizations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_translation_units_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_translation_units_updated_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_translation_units')),
        sa.UniqueConstraint('shop_id', 'product_guid', 'language', 'field', name=op.f('uq_translation_units_shop_id')),
        if_not_exists=True,
    )
    op.create_index('ix_translation_units_queue', 'translation_units', ['shop_id', 'language', 'state', 'id'], if_not_exists=True)
    op.create_index('ix_translation_units_memory', 'translation_units', ['language', 'field', 'source_hash'], if_not_exists=True)
    op.create_index(op.f('ix_translation_units_organization_id'), 'translation_units', ['organization_id'], if_not_exists=True)
    op.create_table(
        'translation_glossary',
        sa.Column('organization_id', sa.BigInteger(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('term', sa.String(length=200), nullable=False),
        sa.Column('translation', sa.String(length=200), nullable=True),
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_translation_glossary_organization_id_organizations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_translation_glossary')),
        sa.UniqueConstraint('organization_id', 'language', 'term', name=op.f('uq_translation_glossary_organization_id')),
        if_not_exists=True,
    )
    op.create_table(
        'translation_usage',
        sa.Column('organization_id', sa.BigInteger(), nullable=False),
        sa.Column('provider', sa.String(length=20), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('characters', sa.BigInteger(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_translation_usage_organization_id_organizations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('organization_id', 'provider', 'month', name=op.f('pk_translation_usage')),
        if_not_exists=True,
    )
    with op.get_context().autocommit_block():
        for name, table, columns in CONCURRENT_INDEXES:
            op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} {columns}")


def downgrade():
    with op.get_context().autocommit_block():
        for name, _table, _columns in reversed(CONCURRENT_INDEXES):
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    op.drop_table('translation_usage')
    op.drop_table('translation_glossary')
    op.drop_table('translation_units')
