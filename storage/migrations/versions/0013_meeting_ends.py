"""meetings have an end: those planned before last the two hours calendar files gave them

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa

from storage.types import UTCDateTime

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# What calendar files said of every meeting until now.
LENGTH_SO_FAR = timedelta(hours=2)


def upgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ends_at', UTCDateTime(), nullable=True))
    # Row by row in Python: adding to a time is written differently in SQLite and PostgreSQL, and a
    # council has some hundreds of meetings, not millions.
    meetings = sa.table('meetings', sa.column('id', sa.Integer()), sa.column('starts_at', UTCDateTime()),
                        sa.column('ends_at', UTCDateTime()))
    connection = op.get_bind()
    for row in connection.execute(sa.select(meetings.c.id, meetings.c.starts_at)).all():
        connection.execute(meetings.update().where(meetings.c.id == row.id)
                           .values(ends_at=row.starts_at + LENGTH_SO_FAR))
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.alter_column('ends_at', existing_type=UTCDateTime(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('ends_at')
