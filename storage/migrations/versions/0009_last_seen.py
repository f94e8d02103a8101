"""users.last_seen: the day someone last wrote, so that quiet applicants can be erased

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty for everyone so far: the purge counts from first_seen until someone writes again.
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('last_seen', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_column('last_seen')
