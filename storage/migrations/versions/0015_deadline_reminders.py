"""deadline_reminders: applicants reminded of an application deadline before it ends, through the
outbox (a new kind of row, "deadline")

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

from storage.types import UTCDateTime

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

KINDS = ('broadcast', 'reminder', 'meeting', 'group', 'question', 'reply', 'role', 'join_request', 'join_decision',
         'report')


def _in(values: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table('deadline_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('programme', sa.String(length=10), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('reminded_seconds', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'programme', 'deadline', name='uq_deadline_reminders_once')
    )
    op.create_index('ix_deadline_reminders_user_id', 'deadline_reminders', ['user_id'], unique=False)
    op.create_index('ix_deadline_reminders_deadline', 'deadline_reminders', ['deadline'], unique=False)
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('delivery_kind', type_='check')
        batch_op.create_check_constraint('delivery_kind', sa.text(_in(KINDS + ('deadline',))))


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE kind = 'deadline'")
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('delivery_kind', type_='check')
        batch_op.create_check_constraint('delivery_kind', sa.text(_in(KINDS)))
    op.drop_index('ix_deadline_reminders_deadline', table_name='deadline_reminders')
    op.drop_index('ix_deadline_reminders_user_id', table_name='deadline_reminders')
    op.drop_table('deadline_reminders')
