"""customer analytics: per-customer RFM and predictions, each shop's fit, bought-together pairs, consents

Revision ID: customer_analytics
Revises: inventory

Expand-only. New tables, and three nullable columns on `customers` (instant) that the analytics refresh
fills: segment, p_active, clv. Their indexes on the big `customers` table are built CONCURRENTLY.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'customer_analytics'
down_revision = 'inventory'
branch_labels = None
depends_on = None

CUSTOMER_INDEXES = (
    ('ix_customers_shop_clv', ['shop_id', 'clv', 'id']),
    ('ix_customers_shop_p_active', ['shop_id', 'p_active', 'id']),
    ('ix_customers_shop_segment_clv', ['shop_id', 'segment', 'clv', 'id']),
)


def upgrade():
    op.add_column('customers', sa.Column('segment', sa.String(length=24), nullable=True), if_not_exists=True)
    op.add_column('customers', sa.Column('p_active', sa.Float(), nullable=True), if_not_exists=True)
    op.add_column('customers', sa.Column('clv', sa.Numeric(precision=14, scale=2), nullable=True), if_not_exists=True)
    op.create_table(
        'customer_analytics',
        sa.Column('shop_id', sa.BigInteger(), nullable=False),
        sa.Column('customer_guid', sa.String(length=64), nullable=False),
        sa.Column('orders_count', sa.Integer(), nullable=False),
        sa.Column('purchase_days', sa.Integer(), nullable=False),
        sa.Column('first_order_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_order_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('spent', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('repeat_value', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('r_score', sa.Integer(), nullable=True),
        sa.Column('f_score', sa.Integer(), nullable=True),
        sa.Column('m_score', sa.Integer(), nullable=True),
        sa.Column('segment', sa.String(length=24), nullable=True),
        sa.Column('previous_segment', sa.String(length=24), nullable=True),
        sa.Column('p_active', sa.Float(), nullable=True),
        sa.Column('expected_orders_90', sa.Float(), nullable=True),
        sa.Column('expected_orders_365', sa.Float(), nullable=True),
        sa.Column('expected_order_value', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('clv', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('fitted_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_customer_analytics_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('shop_id', 'customer_guid', name=op.f('pk_customer_analytics')),
        if_not_exists=True,
    )
    op.create_table(
        'customer_analytics_fits',
        sa.Column('shop_id', sa.BigInteger(), nullable=False),
        sa.Column('fitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('observed_until', sa.DateTime(timezone=True), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('customers', sa.Integer(), nullable=False),
        sa.Column('params', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('boundaries', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('holdout', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('segments', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('movement', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('cohorts', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_customer_analytics_fits_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('shop_id', name=op.f('pk_customer_analytics_fits')),
        if_not_exists=True,
    )
    op.create_table(
        'product_pairs',
        sa.Column('shop_id', sa.BigInteger(), nullable=False),
        sa.Column('product_guid', sa.String(length=64), nullable=False),
        sa.Column('other_guid', sa.String(length=64), nullable=False),
        sa.Column('other_name', sa.String(length=300), nullable=True),
        sa.Column('orders_both', sa.Integer(), nullable=False),
        sa.Column('support', sa.Float(), nullable=False),
        sa.Column('confidence', sa.Float(), nullable=False),
        sa.Column('lift', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_product_pairs_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('shop_id', 'product_guid', 'other_guid', name=op.f('pk_product_pairs')),
        if_not_exists=True,
    )
    op.create_table(
        'marketing_consents',
        sa.Column('shop_id', sa.BigInteger(), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('consented_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_marketing_consents_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('shop_id', 'email', name=op.f('pk_marketing_consents')),
        if_not_exists=True,
    )
    with op.get_context().autocommit_block():
        for name, columns in CUSTOMER_INDEXES:
            op.create_index(name, 'customers', columns, unique=False, postgresql_concurrently=True,
                            if_not_exists=True)


def downgrade():
    for name, _columns in CUSTOMER_INDEXES:
        op.drop_index(name, table_name='customers', if_exists=True)
    op.drop_table('marketing_consents')
    op.drop_table('product_pairs')
    op.drop_table('customer_analytics_fits')
    op.drop_table('customer_analytics')
    op.drop_column('customers', 'clv')
    op.drop_column('customers', 'p_active')
    op.drop_column('customers', 'segment')
