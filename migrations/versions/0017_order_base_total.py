"""order base total: each order's total in its shop's base currency, the orders table's "Highest total"

Revision ID: order_base_total
Revises: master_pool

The orders table ranked `total_with_vat` as raw numbers, so 100 EUR came below 2 000 CZK. `orders.base_total`
(`total_with_vat` x the platform's `exchange_rate`, what customer metrics already count) is what the sort and
the total range now read, through `ix_orders_shop_base_total (shop_id, base_total, id)`; shops of different
base currencies are ranked through the reporting currency or one currency at a time (app/money/ranking.py).

Expand-only and online: the column is added NOT NULL DEFAULT 0 (no rewrite), filled in batches of 20 000 ids,
each its own transaction (the importer writes it from now on), then the index is built and the old
`ix_orders_shop_total` dropped CONCURRENTLY. The backfill is data, not schema: `--sql` lists only the DDL.
"""
import sqlalchemy as sa
from alembic import context, op

revision = 'order_base_total'
down_revision = 'master_pool'
branch_labels = None
depends_on = None

BATCH = 20_000

BACKFILL = sa.text("""
UPDATE orders SET base_total = round(coalesce(total_with_vat, 0) * coalesce(exchange_rate, 1), 2)
WHERE id > :low AND id <= :high
  AND base_total IS DISTINCT FROM round(coalesce(total_with_vat, 0) * coalesce(exchange_rate, 1), 2)
""")


def _replace_index(new: str, new_definition: str, old: str) -> None:
    with op.get_context().autocommit_block():
        if not context.is_offline_mode():
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {new}")  # an invalid one left by an interrupted build
        op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {new} ON {new_definition}")
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {old}")


def upgrade():
    op.add_column('orders', sa.Column('base_total', sa.Numeric(precision=14, scale=2), server_default='0',
                                      nullable=False), if_not_exists=True)
    if not context.is_offline_mode():
        with op.get_context().autocommit_block():
            bind = op.get_bind()
            highest = bind.execute(sa.text("SELECT coalesce(max(id), 0) FROM orders")).scalar()
            for low in range(0, highest, BATCH):
                bind.execute(BACKFILL, {"low": low, "high": low + BATCH})
    _replace_index("ix_orders_shop_base_total", "orders (shop_id, base_total, id)", "ix_orders_shop_total")


def downgrade():
    _replace_index("ix_orders_shop_total", "orders (shop_id, total_with_vat, id)", "ix_orders_shop_base_total")
    op.drop_column('orders', 'base_total', if_exists=True)
