"""credit_notes: credit notes (returns) and their lines, imported per shop like orders

Revision ID: credit_notes
Revises: master_texts

New tables only (their indexes are built empty, in the same transaction). Filled by the first full import of
kind `credit_notes` (Shoptet: `/api/credit-notes/snapshot`); demand nets their product lines out
(app/inventory/returns.py).
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'credit_notes'
down_revision = 'master_texts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('credit_notes',
    sa.Column('shop_id', sa.BigInteger(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('order_code', sa.String(length=64), nullable=True),
    sa.Column('creation_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('change_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_valid', sa.Boolean(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('exchange_rate', sa.Numeric(precision=18, scale=8), nullable=True),
    sa.Column('total_with_vat', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('content_hash', sa.LargeBinary(), nullable=False),
    sa.Column('raw', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_credit_notes_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_notes')),
    sa.UniqueConstraint('shop_id', 'code', name=op.f('uq_credit_notes_shop_id'))
    )
    with op.batch_alter_table('credit_notes', schema=None) as batch_op:
        batch_op.create_index('ix_credit_notes_shop_created', ['shop_id', 'creation_time'], unique=False)
        batch_op.create_index('ix_credit_notes_shop_order', ['shop_id', 'order_code'], unique=False)

    op.create_table('credit_note_items',
    sa.Column('shop_id', sa.BigInteger(), nullable=False),
    sa.Column('credit_note_id', sa.BigInteger(), nullable=False),
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item_type', sa.String(length=30), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=True),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=3), nullable=True),
    sa.Column('unit_price_with_vat', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('total_with_vat', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('total_without_vat', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('raw', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.ForeignKeyConstraint(['credit_note_id'], ['credit_notes.id'],
                            name=op.f('fk_credit_note_items_credit_note_id_credit_notes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('credit_note_id', 'item_id', name=op.f('pk_credit_note_items'))
    )


def downgrade():
    op.drop_table('credit_note_items')
    with op.batch_alter_table('credit_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_notes_shop_order')
        batch_op.drop_index('ix_credit_notes_shop_created')
    op.drop_table('credit_notes')
