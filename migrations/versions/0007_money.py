"""money: orders.exchange_rate (the platform's rate on the order), shops' stated exchange rates per day

Revision ID: money
Revises: channel_seam

Expand-only. `orders.exchange_rate` is added nullable (instant) and the importer writes it with every order
from now on; the orders already there are backfilled from their `raw` JSON (Shoptet: `price.exchangeRate`)
online, in batches of 20 000 ids, each its own transaction, as migration channel_seam did for the status:
an unchanged order is never rewritten by an import, and customer metrics count each order at this rate.
The customers' totals are then recomputed in the shop's base currency, shop by shop, in the same batches.
`shop_currency_rates` is a new table. The backfills are data, not schema: `--sql` lists only the DDL.
"""
import sqlalchemy as sa
from alembic import context, op

revision = 'money'
down_revision = 'channel_seam'
branch_labels = None
depends_on = None

BATCH = 20_000

BACKFILL_RATES = sa.text("""
UPDATE orders SET exchange_rate = CAST(raw -> 'price' ->> 'exchangeRate' AS numeric(18, 8))
WHERE id > :low AND id <= :high AND exchange_rate IS NULL
  AND raw -> 'price' ->> 'exchangeRate' ~ '^[0-9]+(\\.[0-9]+)?$'
""")

# Only customers with an order in another currency than the shop's can change.
REFRESH_TOTALS = sa.text("""
UPDATE customers c SET total_spent = m.total
FROM (
    SELECT o.shop_id, o.customer_guid,
           round(sum(o.total_with_vat * coalesce(o.exchange_rate, 1)), 2) AS total
    FROM orders o
    WHERE o.customer_guid IN (
        SELECT DISTINCT x.customer_guid FROM orders x JOIN shops s ON s.id = x.shop_id
        WHERE x.id > :low AND x.id <= :high AND x.currency IS DISTINCT FROM s.currency
          AND x.customer_guid IS NOT NULL)
      AND o.deleted_at IS NULL AND (o.status IS NULL OR o.status NOT IN ('cancelled', 'refunded', 'failed'))
    GROUP BY o.shop_id, o.customer_guid
) m
WHERE c.shop_id = m.shop_id AND c.guid = m.customer_guid AND c.total_spent IS DISTINCT FROM m.total
""")


def upgrade():
    op.add_column('orders', sa.Column('exchange_rate', sa.Numeric(precision=18, scale=8), nullable=True))
    op.create_table(
        'shop_currency_rates',
        sa.Column('shop_id', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('valid_on', sa.Date(), nullable=False),
        sa.Column('rate', sa.Numeric(precision=18, scale=8), nullable=False),
        sa.Column('decimals', sa.Integer(), nullable=True),
        sa.Column('rounding', sa.String(length=20), nullable=True),
        sa.Column('fetched_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_shop_currency_rates_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('shop_id', 'currency', 'valid_on', name=op.f('pk_shop_currency_rates')),
    )
    if context.is_offline_mode():
        return
    with op.get_context().autocommit_block():
        bind = op.get_bind()
        highest = bind.execute(sa.text("SELECT coalesce(max(id), 0) FROM orders")).scalar()
        for low in range(0, highest, BATCH):
            bind.execute(BACKFILL_RATES, {"low": low, "high": low + BATCH})
        for low in range(0, highest, BATCH):
            bind.execute(REFRESH_TOTALS, {"low": low, "high": low + BATCH})


def downgrade():
    op.drop_table('shop_currency_rates')
    op.drop_column('orders', 'exchange_rate')
