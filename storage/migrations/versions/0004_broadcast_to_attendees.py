"""announcements to those who said they will come to a meeting

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

OLD_AUDIENCES = ('members', 'news', 'not_acknowledged')
NEW_AUDIENCES = OLD_AUDIENCES + ('meeting',)


def _in(values: tuple[str, ...]) -> str:
    return "audience IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_broadcasts_meeting_id', 'meetings', ['meeting_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_constraint('audience', type_='check')
        batch_op.create_check_constraint('audience', sa.text(_in(NEW_AUDIENCES)))


def downgrade() -> None:
    op.execute("DELETE FROM broadcasts WHERE audience = 'meeting'")
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_constraint('audience', type_='check')
        batch_op.create_check_constraint('audience', sa.text(_in(OLD_AUDIENCES)))
        batch_op.drop_constraint('fk_broadcasts_meeting_id', type_='foreignkey')
        batch_op.drop_column('meeting_id')
