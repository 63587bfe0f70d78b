"""sales order facts: what each order adds to the sales rollups, so a change moves them by its difference

Revision ID: sales_order_facts
Revises: order_base_total

Expand-only: one new table, which the import hook (app/dashboard/rollups.py) keeps beside the rollups. The
orders already there get their facts here, and their rollups are rolled up again from those facts, shop by
shop, each shop its own transaction holding the shop's rollup lock (so a worker importing meanwhile waits at
most one shop). Orders written by the previous release after that (a rollback window) are caught by
`flask hub sales-rebuild`. The backfill is data, not schema: `--sql` lists only the DDL.
"""
import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision = 'sales_order_facts'
down_revision = 'order_base_total'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sales_order_facts',
        sa.Column('order_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('shop_id', sa.BigInteger(), nullable=False),
        sa.Column('customer_guid', sa.String(length=64), nullable=True),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('with_vat', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('without_vat', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('payment', sa.String(length=300), nullable=False),
        sa.Column('shipping', sa.String(length=300), nullable=False),
        sa.Column('first', sa.Boolean(), nullable=True),
        sa.Column('items', sa.Numeric(precision=16, scale=3), nullable=False),
        sa.Column('codes', postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column('quantities', postgresql.ARRAY(sa.Numeric()), nullable=True),
        sa.Column('lines_with_vat', postgresql.ARRAY(sa.Numeric()), nullable=True),
        sa.Column('lines_without_vat', postgresql.ARRAY(sa.Numeric()), nullable=True),
        sa.PrimaryKeyConstraint('order_id', name=op.f('pk_sales_order_facts')),
    )
    op.create_index('ix_sales_order_facts_shop_customer_first', 'sales_order_facts', ['shop_id', 'customer_guid'],
                    unique=False, postgresql_where=sa.text('first'))
    if context.is_offline_mode():
        return
    from app.dashboard.rollups import rebuild_shop

    with op.get_context().autocommit_block():
        bind = op.get_bind()
        shops = bind.execute(sa.text("SELECT id FROM shops ORDER BY id")).scalars().all()
        driver = bind.connection.driver_connection
        for shop_id in shops:
            with driver.transaction():
                rebuild_shop(driver.cursor(), shop_id)


def downgrade():
    op.drop_index('ix_sales_order_facts_shop_customer_first', table_name='sales_order_facts',
                  postgresql_where=sa.text('first'))
    op.drop_table('sales_order_facts')
