"""monitoring: incidents (one alert per incident)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 06:00:00.000000

A new, empty table: its indexes are built before any row exists, so plain CREATE INDEX takes no long lock.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('incidents',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('organization_id', sa.BigInteger(), nullable=True),
    sa.Column('shop_id', sa.BigInteger(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notify_attempts', sa.Integer(), nullable=False),
    sa.Column('next_notify_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notify_error', sa.Text(), nullable=True),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_incidents_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_incidents_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index('ix_incidents_key_resolved', ['key', 'resolved_at'], unique=False)
        batch_op.create_index('ix_incidents_organization_opened', ['organization_id', 'opened_at'], unique=False)
        batch_op.create_index('uq_incidents_open_key', ['key'], unique=True, postgresql_where=sa.text('resolved_at IS NULL'))


def downgrade():
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('uq_incidents_open_key', postgresql_where=sa.text('resolved_at IS NULL'))
        batch_op.drop_index('ix_incidents_organization_opened')
        batch_op.drop_index('ix_incidents_key_resolved')

    op.drop_table('incidents')
