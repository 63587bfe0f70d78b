"""sales rollups: sales per shop-local day × currency × status, by payment/shipping method and per product

Revision ID: sales_rollups
Revises: user_language

Expand-only: six new tables (each day rollup and its month rollup), which the dashboard and
`flask hub sales-summary` read instead of the orders.
The orders already there are rolled up by migration sales_order_facts (the rollups are kept from that
table's facts since), so this one creates the tables only.
"""
import sqlalchemy as sa
from alembic import op

revision = 'sales_rollups'
down_revision = 'user_language'
branch_labels = None
depends_on = None


def _money():
    return sa.Numeric(precision=16, scale=2)


def _sales(table: str, period: str) -> None:
    op.create_table(
        table,
        sa.Column('shop_id', sa.BigInteger(), nullable=False),
        sa.Column(period, sa.Date(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('orders', sa.Integer(), nullable=False),
        sa.Column('revenue_with_vat', _money(), nullable=False),
        sa.Column('revenue_without_vat', _money(), nullable=False),
        sa.Column('new_customers', sa.Integer(), nullable=False),
        sa.Column('returning_customers', sa.Integer(), nullable=False),
        sa.Column('items', sa.Numeric(precision=16, scale=3), nullable=False),
        sa.PrimaryKeyConstraint('shop_id', period, 'currency', 'status', name=op.f(f'pk_{table}')),
    )


def _methods(table: str, period: str) -> None:
    op.create_table(
        table,
        sa.Column('shop_id', sa.BigInteger(), nullable=False),
        sa.Column(period, sa.Date(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('method', sa.String(length=300), nullable=False),
        sa.Column('orders', sa.Integer(), nullable=False),
        sa.Column('revenue_with_vat', _money(), nullable=False),
        sa.PrimaryKeyConstraint('shop_id', period, 'currency', 'status', 'kind', 'method', name=op.f(f'pk_{table}')),
    )


def _products(table: str, period: str) -> None:
    op.create_table(
        table,
        sa.Column('shop_id', sa.BigInteger(), nullable=False),
        sa.Column(period, sa.Date(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('product_guid', sa.String(length=64), nullable=True),
        sa.Column('name', sa.Text(), nullable=True),
        sa.Column('quantity', sa.Numeric(precision=16, scale=3), nullable=False),
        sa.Column('orders', sa.Integer(), nullable=False),
        sa.Column('revenue_with_vat', _money(), nullable=False),
        sa.Column('revenue_without_vat', _money(), nullable=False),
        sa.PrimaryKeyConstraint('shop_id', period, 'currency', 'status', 'code', name=op.f(f'pk_{table}')),
    )


def upgrade():
    _sales('sales_days', 'day')
    _sales('sales_months', 'month')
    _methods('sales_method_days', 'day')
    _methods('sales_method_months', 'month')
    _products('sales_product_days', 'day')
    _products('sales_product_months', 'month')


def downgrade():
    op.drop_table('sales_product_months')
    op.drop_table('sales_method_months')
    op.drop_table('sales_months')
    op.drop_table('sales_product_days')
    op.drop_table('sales_method_days')
    op.drop_table('sales_days')
