"""master shop: pairs of follower variants with the master's, with desired, pushed and seen stock

Revision ID: master_shop
Revises: customer_analytics

A new table only (expand-only).
"""
import sqlalchemy as sa
from alembic import op

revision = 'master_shop'
down_revision = 'customer_analytics'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'master_variant_pairs',
        sa.Column('organization_id', sa.BigInteger(), nullable=False),
        sa.Column('follower_shop_id', sa.BigInteger(), nullable=False),
        sa.Column('follower_code', sa.String(length=64), nullable=False),
        sa.Column('master_shop_id', sa.BigInteger(), nullable=False),
        sa.Column('master_code', sa.String(length=64), nullable=True),
        sa.Column('how', sa.String(length=10), nullable=False),
        sa.Column('desired_stock', sa.Numeric(precision=14, scale=3), nullable=True),
        sa.Column('pushed_stock', sa.Numeric(precision=14, scale=3), nullable=True),
        sa.Column('seen_stock', sa.Numeric(precision=14, scale=3), nullable=True),
        sa.Column('pushed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['follower_shop_id'], ['shops.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['master_shop_id'], ['shops.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('follower_shop_id', 'follower_code'),
    )
    op.create_index('ix_master_variant_pairs_master', 'master_variant_pairs', ['master_shop_id', 'master_code'])
    op.create_index(op.f('ix_master_variant_pairs_organization_id'), 'master_variant_pairs', ['organization_id'])


def downgrade():
    op.drop_table('master_variant_pairs')
