"""audience exports: table exports that keep only customers with recorded marketing consent, and the indexes of
the customers table's segment filter

Revision ID: audience_exports
Revises: sales_order_facts

Expand-only. Two columns on `table_exports` (an audience export is a table export with `consent_only`, and
counts the customers `left_out` for want of consent); two indexes on `customers`, built CONCURRENTLY, so a
segment filter walks only its segment under the newest and P(active) sorts.
"""
import sqlalchemy as sa
from alembic import op

revision = 'audience_exports'
down_revision = 'sales_order_facts'
branch_labels = None
depends_on = None

CUSTOMER_INDEXES = (
    ('ix_customers_shop_segment_created', ['shop_id', 'segment', 'creation_time', 'id']),
    ('ix_customers_shop_segment_p_active', ['shop_id', 'segment', 'p_active', 'id']),
)


def upgrade():
    op.add_column('table_exports', sa.Column('consent_only', sa.Boolean(), server_default='false', nullable=False),
                  if_not_exists=True)
    op.add_column('table_exports', sa.Column('left_out', sa.BigInteger(), nullable=True), if_not_exists=True)
    with op.get_context().autocommit_block():
        for name, columns in CUSTOMER_INDEXES:
            op.create_index(name, 'customers', columns, unique=False, postgresql_concurrently=True,
                            if_not_exists=True)


def downgrade():
    for name, _columns in CUSTOMER_INDEXES:
        op.drop_index(name, table_name='customers', if_exists=True)
    op.drop_column('table_exports', 'left_out')
    op.drop_column('table_exports', 'consent_only')
