"""sales product years: product sales (orders not cancelled) per shop-local calendar year, for long ranges

Revision ID: sales_product_years
Revises: credit_notes

Expand-only: one new table (its pages filled to 70 %, as the product month rollup's from now on), kept by
the order hook (app/dashboard/rollups.py) beside the product day and month rollups, so top products over a long
range read whole years from it (not every month of them). The years are filled from the month rollup shop by
shop, each shop in its own transaction holding the shop's orders lock (a worker importing meanwhile waits at
most one shop, and no batch falls between the read and the write). Orders written by the previous release
after that (a rollback window) are caught by `flask hub sales-rebuild`. The backfill is data, not schema:
`--sql` lists only the DDL.
"""
import sqlalchemy as sa
from alembic import context, op

revision = 'sales_product_years'
down_revision = 'credit_notes'
branch_labels = None
depends_on = None

# Every import batch moves the year rows of the products it sold (updates, mostly): room left in each page lets
# PostgreSQL write the new version beside the old one without a new index entry (a HOT update: no key changes).
FILLFACTOR = 70
ORDERS_LOCK = 16016  # app.imports.hooks.ORDERS_LOCK, as of this migration
BACKFILL = """
INSERT INTO sales_product_years (shop_id, year, currency, code, product_guid, name, quantity, orders,
                                 revenue_with_vat, revenue_without_vat)
SELECT shop_id, date_trunc('year', month)::date, currency, code, max(product_guid), max(name), sum(quantity),
       sum(orders), sum(revenue_with_vat), sum(revenue_without_vat)
FROM sales_product_months WHERE shop_id = %(shop)s AND status <> 'cancelled'
GROUP BY shop_id, 2, currency, code HAVING sum(orders) <> 0
ON CONFLICT DO NOTHING
"""


def upgrade():
    op.create_table(
        'sales_product_years',
        sa.Column('shop_id', sa.BigInteger(), nullable=False),
        sa.Column('year', sa.Date(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('product_guid', sa.String(length=64), nullable=True),
        sa.Column('name', sa.Text(), nullable=True),
        sa.Column('quantity', sa.Numeric(precision=16, scale=3), nullable=False),
        sa.Column('orders', sa.Integer(), nullable=False),
        sa.Column('revenue_with_vat', sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column('revenue_without_vat', sa.Numeric(precision=16, scale=2), nullable=False),
        sa.PrimaryKeyConstraint('shop_id', 'year', 'currency', 'code', name=op.f('pk_sales_product_years')),
        postgresql_with={'fillfactor': FILLFACTOR},
    )
    # The month rows of products are moved by most batches too: from now on their pages keep room as well.
    op.execute(f"ALTER TABLE sales_product_months SET (fillfactor = {FILLFACTOR})")
    if context.is_offline_mode():
        return
    with op.get_context().autocommit_block():
        bind = op.get_bind()
        shops = bind.execute(sa.text("SELECT id FROM shops ORDER BY id")).scalars().all()
        driver = bind.connection.driver_connection
        for shop_id in shops:
            with driver.transaction():
                cursor = driver.cursor()
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", (ORDERS_LOCK, shop_id))
                cursor.execute(BACKFILL, {"shop": shop_id})


def downgrade():
    op.execute("ALTER TABLE sales_product_months RESET (fillfactor)")
    op.drop_table('sales_product_years')
