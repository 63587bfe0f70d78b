"""inventory: per-variant metrics, daily sales rollup, weekly series and forecasts, backtests, stock-out spans
from the movement log, supplier and variant ordering terms, purchase order draft lines

Revision ID: inventory
Revises: catalog_texts

New tables only (their indexes are built empty, in the same transaction). The rollup and the metrics are
filled by the first full refresh (`flask hub inventory-refresh`, or the nightly job).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'inventory'
down_revision = 'catalog_texts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inventory_backtests',
    sa.Column('shop_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('report', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_inventory_backtests_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_backtests'))
    )
    with op.batch_alter_table('inventory_backtests', schema=None) as batch_op:
        batch_op.create_index('ix_inventory_backtests_shop_created', ['shop_id', 'created_at'], unique=False)

    op.create_table('inventory_daily_sales',
    sa.Column('shop_id', sa.BigInteger(), nullable=False),
    sa.Column('variant_code', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('units', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('revenue', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_inventory_daily_sales_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shop_id', 'variant_code', 'day', name=op.f('pk_inventory_daily_sales'))
    )
    with op.batch_alter_table('inventory_daily_sales', schema=None) as batch_op:
        batch_op.create_index('ix_inventory_daily_sales_shop_day', ['shop_id', 'day'], unique=False)

    op.create_table('inventory_draft_lines',
    sa.Column('shop_id', sa.BigInteger(), nullable=False),
    sa.Column('variant_code', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_inventory_draft_lines_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shop_id', 'variant_code', name=op.f('pk_inventory_draft_lines'))
    )
    op.create_table('inventory_metrics',
    sa.Column('shop_id', sa.BigInteger(), nullable=False),
    sa.Column('variant_code', sa.String(length=64), nullable=False),
    sa.Column('product_guid', sa.String(length=64), nullable=True),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('category', sa.String(length=300), nullable=True),
    sa.Column('supplier_key', sa.String(length=64), nullable=True),
    sa.Column('supplier_name', sa.String(length=300), nullable=True),
    sa.Column('on_hand', sa.Numeric(precision=14, scale=3), nullable=True),
    sa.Column('available', sa.Numeric(precision=14, scale=3), nullable=True),
    sa.Column('unit_cost', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('cost_is_sale_price', sa.Boolean(), nullable=False),
    sa.Column('stock_value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('units_7', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('units_30', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('units_90', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('units_365', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('revenue_365', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('stockout_days_90', sa.Integer(), nullable=False),
    sa.Column('velocity', sa.Float(), nullable=True),
    sa.Column('days_of_cover', sa.Float(), nullable=True),
    sa.Column('stockout_on', sa.Date(), nullable=True),
    sa.Column('last_sale_on', sa.Date(), nullable=True),
    sa.Column('abc', sa.String(length=1), nullable=True),
    sa.Column('xyz', sa.String(length=1), nullable=True),
    sa.Column('dead', sa.Boolean(), nullable=False),
    sa.Column('model', sa.String(length=40), nullable=True),
    sa.Column('model_error', sa.Float(), nullable=True),
    sa.Column('baseline_error', sa.Float(), nullable=True),
    sa.Column('forecast_12w', sa.Float(), nullable=True),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_inventory_metrics_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_metrics')),
    sa.UniqueConstraint('shop_id', 'variant_code', name=op.f('uq_inventory_metrics_shop_id'))
    )
    with op.batch_alter_table('inventory_metrics', schema=None) as batch_op:
        batch_op.create_index('ix_inventory_metrics_shop_cover', ['shop_id', 'days_of_cover', 'id'], unique=False)
        batch_op.create_index('ix_inventory_metrics_shop_value', ['shop_id', 'stock_value', 'id'], unique=False)
        batch_op.create_index('ix_inventory_metrics_shop_velocity', ['shop_id', 'velocity', 'id'], unique=False)
        batch_op.create_index('ix_inventory_metrics_shop_code_prefix', ['shop_id', 'variant_code'], unique=False,
                              postgresql_ops={'variant_code': 'varchar_pattern_ops'})

    op.create_table('inventory_series',
    sa.Column('shop_id', sa.BigInteger(), nullable=False),
    sa.Column('variant_code', sa.String(length=64), nullable=False),
    sa.Column('first_week', sa.Date(), nullable=False),
    sa.Column('sold', postgresql.ARRAY(sa.Float()), nullable=False),
    sa.Column('demand', postgresql.ARRAY(sa.Float()), nullable=False),
    sa.Column('stockout_days', postgresql.ARRAY(sa.Integer()), nullable=False),
    sa.Column('forecast_start', sa.Date(), nullable=False),
    sa.Column('p10', postgresql.ARRAY(sa.Float()), nullable=False),
    sa.Column('p50', postgresql.ARRAY(sa.Float()), nullable=False),
    sa.Column('p90', postgresql.ARRAY(sa.Float()), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_inventory_series_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shop_id', 'variant_code', name=op.f('pk_inventory_series'))
    )
    op.create_table('inventory_stock_cursors',
    sa.Column('shop_id', sa.BigInteger(), nullable=False),
    sa.Column('stock_id', sa.Integer(), nullable=False),
    sa.Column('last_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_inventory_stock_cursors_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shop_id', 'stock_id', name=op.f('pk_inventory_stock_cursors'))
    )
    op.create_table('inventory_stockout_spans',
    sa.Column('shop_id', sa.BigInteger(), nullable=False),
    sa.Column('stock_id', sa.Integer(), nullable=False),
    sa.Column('variant_code', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_inventory_stockout_spans_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_stockout_spans'))
    )
    with op.batch_alter_table('inventory_stockout_spans', schema=None) as batch_op:
        batch_op.create_index('ix_inventory_stockout_spans_shop_code', ['shop_id', 'variant_code', 'started_at'], unique=False)

    op.create_table('inventory_suppliers',
    sa.Column('shop_id', sa.BigInteger(), nullable=False),
    sa.Column('supplier_key', sa.String(length=64), nullable=False),
    sa.Column('lead_time_days', sa.Integer(), nullable=False),
    sa.Column('order_cycle_days', sa.Integer(), nullable=False),
    sa.Column('min_order_value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_inventory_suppliers_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shop_id', 'supplier_key', name=op.f('pk_inventory_suppliers'))
    )
    op.create_table('inventory_variant_terms',
    sa.Column('shop_id', sa.BigInteger(), nullable=False),
    sa.Column('variant_code', sa.String(length=64), nullable=False),
    sa.Column('moq', sa.Numeric(precision=14, scale=3), nullable=True),
    sa.Column('pack_size', sa.Numeric(precision=14, scale=3), nullable=True),
    sa.Column('service_level', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_inventory_variant_terms_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shop_id', 'variant_code', name=op.f('pk_inventory_variant_terms'))
    )


def downgrade():
    op.drop_table('inventory_variant_terms')
    op.drop_table('inventory_suppliers')
    with op.batch_alter_table('inventory_stockout_spans', schema=None) as batch_op:
        batch_op.drop_index('ix_inventory_stockout_spans_shop_code')

    op.drop_table('inventory_stockout_spans')
    op.drop_table('inventory_stock_cursors')
    op.drop_table('inventory_series')
    with op.batch_alter_table('inventory_metrics', schema=None) as batch_op:
        batch_op.drop_index('ix_inventory_metrics_shop_velocity')
        batch_op.drop_index('ix_inventory_metrics_shop_code_prefix')
        batch_op.drop_index('ix_inventory_metrics_shop_value')
        batch_op.drop_index('ix_inventory_metrics_shop_cover')

    op.drop_table('inventory_metrics')
    op.drop_table('inventory_draft_lines')
    with op.batch_alter_table('inventory_daily_sales', schema=None) as batch_op:
        batch_op.drop_index('ix_inventory_daily_sales_shop_day')

    op.drop_table('inventory_daily_sales')
    with op.batch_alter_table('inventory_backtests', schema=None) as batch_op:
        batch_op.drop_index('ix_inventory_backtests_shop_created')

    op.drop_table('inventory_backtests')
