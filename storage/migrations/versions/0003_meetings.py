"""meetings, RSVPs, reminder runs and opt-outs; outbox rows of several kinds

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

from storage.types import UTCDateTime

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

OLD_STATUSES = ('pending', 'sent', 'unreachable', 'failed', 'cancelled')
NEW_STATUSES = OLD_STATUSES + ('skipped',)


def _in(values: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', UTCDateTime(), nullable=False),
    sa.Column('place', sa.Text(), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('agenda_file_id', sa.String(length=200), nullable=True),
    sa.Column('repetition', sa.JSON(), nullable=True),
    sa.Column('status', sa.Enum('scheduled', 'cancelled', name='meeting_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('minutes_file_id', sa.String(length=200), nullable=True),
    sa.Column('minutes_sent_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['series_id'], ['meetings.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_meetings_series_id', 'meetings', ['series_id'])
    op.create_index('ix_meetings_starts_at', 'meetings', ['starts_at'])
    op.create_table('reminder_opt_outs',
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('offset_seconds', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'offset_seconds')
    )
    op.create_table('reminder_runs',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', UTCDateTime(), nullable=False),
    sa.Column('offset_seconds', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('decided_at', UTCDateTime(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'starts_at', 'offset_seconds')
    )
    op.create_table('rsvps',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('answer', sa.Enum('yes', 'no', 'maybe', name='attendance', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('answered_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'user_id')
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('broadcast', 'reminder', 'meeting', name='delivery_kind', native_enum=False, create_constraint=True, length=20), nullable=False, server_default='broadcast'))
        batch_op.add_column(sa.Column('meeting_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('payload', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=160), nullable=True))
        batch_op.create_index('ix_deliveries_meeting_id', ['meeting_id'], unique=False)
        batch_op.create_unique_constraint('uq_deliveries_dedupe_key', ['dedupe_key'])
        batch_op.create_foreign_key('fk_deliveries_meeting_id', 'meetings', ['meeting_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_constraint('delivery_status', type_='check')
        batch_op.create_check_constraint('delivery_status', sa.text(_in(NEW_STATUSES)))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('reminders')

    op.execute("DELETE FROM deliveries WHERE kind != 'broadcast' OR status = 'skipped'")
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('delivery_status', type_='check')
        batch_op.create_check_constraint('delivery_status', sa.text(_in(OLD_STATUSES)))
        batch_op.drop_constraint('fk_deliveries_meeting_id', type_='foreignkey')
        batch_op.drop_constraint('uq_deliveries_dedupe_key', type_='unique')
        batch_op.drop_index('ix_deliveries_meeting_id')
        batch_op.drop_column('dedupe_key')
        batch_op.drop_column('payload')
        batch_op.drop_column('meeting_id')
        batch_op.drop_constraint('delivery_kind', type_='check')
        batch_op.drop_column('kind')

    op.drop_table('rsvps')
    op.drop_table('reminder_runs')
    op.drop_table('reminder_opt_outs')
    op.drop_index('ix_meetings_starts_at', table_name='meetings')
    op.drop_index('ix_meetings_series_id', table_name='meetings')
    op.drop_table('meetings')
