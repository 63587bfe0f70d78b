"""channel seam: orders.status (the hub's normalized order status), shops.timezone, no Shoptet default URL

Revision ID: channel_seam
Revises: 0005

Expand-only. `orders.status` is added nullable (instant: no default, no rewrite) and the importer writes it
with every order from now on. The orders already there (1.4 M in production) are backfilled here, online,
in batches of 20 000 ids, each batch its own transaction (autocommit), so no lock is held for long and a
worker of the previous release importing meanwhile waits at most one batch; it is not left to the importer
because an unchanged order is never rewritten, so old orders would keep no status and the customer metrics
(which exclude cancelled, refunded and failed orders by it) would be wrong. The status of each distinct
(shop, platform status) is the shop's channel's rule (app/channels/<platform>/), read once: the same rule
the importer applies, not a copy of it in SQL. `SET NOT NULL` is left out on purpose: it would scan the
table under an exclusive lock, and the previous release (a rollback) writes orders without a status.
The backfill is data, not schema: `flask db upgrade --sql` (what deploy.sh lints) lists only the DDL.
"""
import json

import sqlalchemy as sa
from alembic import context, op

revision = 'channel_seam'
down_revision = '0005'
branch_labels = None
depends_on = None

BATCH = 20_000

BACKFILL = sa.text("""
UPDATE orders o SET status = m.status
FROM jsonb_to_recordset(CAST(:statuses AS jsonb))
     AS m(shop_id bigint, status_id integer, status_name text, status text)
WHERE o.id > :low AND o.id <= :high AND o.status IS NULL AND o.shop_id = m.shop_id
  AND o.status_id IS NOT DISTINCT FROM m.status_id AND o.status_name IS NOT DISTINCT FROM m.status_name
""")


def upgrade():
    op.add_column('orders', sa.Column('status', sa.String(length=20), nullable=True))
    op.add_column('shops', sa.Column('timezone', sa.String(length=64), nullable=True))
    op.alter_column('shops', 'api_url', server_default='')  # each channel sets it when a shop is connected
    if context.is_offline_mode():
        return
    with op.get_context().autocommit_block():
        backfill_order_status(op.get_bind())


def backfill_order_status(bind) -> None:
    # The channels' own rule (a platform's code, imported here on purpose: see the docstring).
    from app.channels import UnknownPlatform, channel_named

    pairs = bind.execute(sa.text(
        "SELECT DISTINCT o.shop_id, s.platform, o.status_id, o.status_name FROM orders o "
        "JOIN shops s ON s.id = o.shop_id WHERE o.status IS NULL")).all()
    statuses = []
    for shop_id, platform, status_id, status_name in pairs:
        try:
            status = channel_named(platform).normalized_status(status_id, status_name)
        except UnknownPlatform:
            continue
        statuses.append({"shop_id": shop_id, "status_id": status_id, "status_name": status_name, "status": status})
    if not statuses:
        return
    highest = bind.execute(sa.text("SELECT coalesce(max(id), 0) FROM orders")).scalar()
    for low in range(0, highest, BATCH):
        bind.execute(BACKFILL, {"statuses": json.dumps(statuses), "low": low, "high": low + BATCH})


def downgrade():
    op.alter_column('shops', 'api_url', server_default='https://api.myshoptet.com')
    op.drop_column('shops', 'timezone')
    op.drop_column('orders', 'status')
