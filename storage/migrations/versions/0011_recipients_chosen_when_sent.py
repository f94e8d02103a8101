"""a scheduled announcement chooses its recipients when it is sent: the rows written for it when it
was scheduled go, and the bot writes them anew, by the audience's rules then, when it is due

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

SCHEDULED_ROWS = ("deliveries WHERE status = 'pending' AND broadcast_id IN "
                  "(SELECT id FROM broadcasts WHERE status = 'scheduled')")


def upgrade() -> None:
    op.execute(f"DELETE FROM {SCHEDULED_ROWS}")


def downgrade() -> None:
    # Nothing to undo in the schema. The older code writes an announcement's rows when it is
    # scheduled: one still scheduled at a downgrade has none and must be scheduled again.
    pass
