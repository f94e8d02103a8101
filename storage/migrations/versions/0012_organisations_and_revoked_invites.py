"""users.organisation: whom a person speaks for, shown wherever they are listed for the council;
invites.revoked_at: a coordinator can revoke an invite link

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('organisation', sa.String(length=200), nullable=True))
    # Members who joined by request named their organisation there: the newest approved request's.
    op.execute(
        "UPDATE users SET organisation = (SELECT substr(r.organisation, 1, 200) FROM join_requests r "
        "WHERE r.user_id = users.id AND r.status = 'approved' ORDER BY r.decided_at DESC, r.id DESC LIMIT 1)")
    with op.batch_alter_table('invites') as batch:
        batch.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('invites') as batch:
        batch.drop_column('revoked_at')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('organisation')
