"""staying current: webhook inbox, sync cursors, shop addon credentials, install states

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 05:30:00.000000

New tables only, and nullable columns on `shops` (a small table): no long locks.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'webhook_events',
        sa.Column('shop_id', sa.BigInteger(), nullable=False),
        sa.Column('event', sa.String(length=80), nullable=False),
        sa.Column('event_instance', sa.Text(), nullable=False),
        sa.Column('event_created', sa.String(length=40), nullable=False),
        sa.Column('body_hash', sa.LargeBinary(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_webhook_events_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_events')),
    )
    op.create_index('uq_webhook_events_shop_body', 'webhook_events', ['shop_id', 'body_hash'], unique=True)
    op.create_index('ix_webhook_events_unprocessed', 'webhook_events', ['shop_id', 'id'],
                    postgresql_where=sa.text('processed_at IS NULL'))
    op.create_table(
        'sync_cursors',
        sa.Column('shop_id', sa.BigInteger(), nullable=False),
        sa.Column('stream', sa.String(length=40), nullable=False),
        sa.Column('watermark', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_id', sa.BigInteger(), nullable=True),
        sa.Column('dirty_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('fallback_reason', sa.Text(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_sync_cursors_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('shop_id', 'stream', name=op.f('pk_sync_cursors')),
    )
    op.create_table(
        'shop_installs',
        sa.Column('organization_id', sa.BigInteger(), nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=True),
        sa.Column('nonce', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('shop_id', sa.BigInteger(), nullable=True),
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_shop_installs_organization_id_organizations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_shop_installs_user_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_shop_installs_shop_id_shops'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_shop_installs')),
        sa.UniqueConstraint('nonce', name=op.f('uq_shop_installs_nonce')),
    )
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oauth_url', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('webhook_key_encrypted', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('status_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.drop_column('status_reason')
        batch_op.drop_column('webhook_key_encrypted')
        batch_op.drop_column('oauth_url')
    op.drop_table('shop_installs')
    op.drop_table('sync_cursors')
    op.drop_index('ix_webhook_events_unprocessed', table_name='webhook_events',
                  postgresql_where=sa.text('processed_at IS NULL'))
    op.drop_index('uq_webhook_events_shop_body', table_name='webhook_events')
    op.drop_table('webhook_events')
