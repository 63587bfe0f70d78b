"""user_language: users.language, the interface language a user chose (none: the browser's)

Revision ID: user_language
Revises: search_folding

Expand-only: a nullable column, added without a rewrite or a long lock.
"""
import sqlalchemy as sa
from alembic import op

revision = 'user_language'
down_revision = 'search_folding'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('language', sa.String(length=5), nullable=True))


def downgrade():
    op.drop_column('users', 'language')
