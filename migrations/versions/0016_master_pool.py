"""master pool: follower sales told to the master, and prices per pair

Revision ID: master_pool
Revises: master_shop

Expand-only: new columns on master_variant_pairs (when a pair started following, a fixed price, desired and
pushed prices) and a new table master_sales (what each follower order takes from the master's pool, and what
the master has been told of it).
"""
import sqlalchemy as sa
from alembic import op

revision = 'master_pool'
down_revision = 'master_shop'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('master_variant_pairs', sa.Column('following_since', sa.DateTime(timezone=True), nullable=True))
    op.add_column('master_variant_pairs', sa.Column('fixed_price', sa.Numeric(14, 2), nullable=True))
    op.add_column('master_variant_pairs', sa.Column('desired_price', sa.Numeric(14, 2), nullable=True))
    op.add_column('master_variant_pairs', sa.Column('pushed_price', sa.Numeric(14, 2), nullable=True))
    op.add_column('master_variant_pairs', sa.Column('seen_price', sa.Numeric(14, 2), nullable=True))
    op.create_table(
        'master_sales',
        sa.Column('organization_id', sa.BigInteger(), nullable=False),
        sa.Column('follower_shop_id', sa.BigInteger(), nullable=False),
        sa.Column('order_code', sa.String(length=64), nullable=False),
        sa.Column('follower_code', sa.String(length=64), nullable=False),
        sa.Column('master_shop_id', sa.BigInteger(), nullable=False),
        sa.Column('master_code', sa.String(length=64), nullable=False),
        sa.Column('quantity', sa.Numeric(14, 3), nullable=False),
        sa.Column('told', sa.Numeric(14, 3), nullable=False, server_default='0'),
        sa.Column('sending', sa.Numeric(14, 3), nullable=True),
        sa.Column('sent_after_id', sa.BigInteger(), nullable=True),
        sa.Column('told_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['follower_shop_id'], ['shops.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['master_shop_id'], ['shops.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('follower_shop_id', 'order_code', 'follower_code'),
    )
    # What the master has not been told yet: a partial index keeps that lookup small however many sales pile up.
    op.create_index('ix_master_sales_untold', 'master_sales', ['master_shop_id', 'master_code'],
                    postgresql_where=sa.text('quantity <> told OR sending IS NOT NULL'))


def downgrade():
    op.drop_table('master_sales')
    for column in ('seen_price', 'pushed_price', 'desired_price', 'fixed_price', 'following_since'):
        op.drop_column('master_variant_pairs', column)
