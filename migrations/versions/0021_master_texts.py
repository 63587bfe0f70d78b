"""master texts: what the hub pushed and last saw per follower product, field and language (and visibility)

Revision ID: master_texts
Revises: catalog_search

A new table only (expand-only).
"""
import sqlalchemy as sa
from alembic import op

revision = 'master_texts'
down_revision = 'catalog_search'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'master_text_pushes',
        sa.Column('follower_shop_id', sa.BigInteger(), nullable=False),
        sa.Column('product_guid', sa.String(length=64), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('field', sa.String(length=30), nullable=False),
        sa.Column('pushed_hash', sa.LargeBinary(), nullable=True),
        sa.Column('seen_hash', sa.LargeBinary(), nullable=True),
        sa.Column('pushed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['follower_shop_id'], ['shops.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('follower_shop_id', 'product_guid', 'language', 'field'),
    )


def downgrade():
    op.drop_table('master_text_pushes')
