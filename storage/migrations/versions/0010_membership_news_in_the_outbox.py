"""role changes, join requests and an announcement's list of those not reached go through the
outbox: four kinds of rows, those about a join request tied to it; the coordinators' copies of a
request are outbox rows, so join_request_notices goes

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

KINDS = ('broadcast', 'reminder', 'meeting', 'group', 'question', 'reply')
NEW_KINDS = ('role', 'join_request', 'join_decision', 'report')


def _in(values: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('join_request_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_deliveries_join_request_id', ['join_request_id'], unique=False)
        batch_op.create_foreign_key('fk_deliveries_join_request_id', 'join_requests', ['join_request_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.drop_constraint('delivery_kind', type_='check')
        batch_op.create_check_constraint('delivery_kind', sa.text(_in(KINDS + NEW_KINDS)))
    # The copies sent so far, as the rows they would be now: a request still open when the bot
    # starts again still gets every coordinator's copy updated once it is decided.
    op.execute(
        "INSERT INTO deliveries (kind, chat_id, status, attempts, not_before, created_at, sent_at, message_id, "
        "join_request_id) "
        "SELECT 'join_request', n.chat_id, 'sent', 1, r.created_at, r.created_at, r.created_at, n.message_id, r.id "
        "FROM join_request_notices n JOIN join_requests r ON r.id = n.request_id")
    op.drop_table('join_request_notices')


def downgrade() -> None:
    op.create_table('join_request_notices',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['join_requests.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', 'chat_id')
    )
    op.execute(
        "INSERT INTO join_request_notices (request_id, chat_id, message_id) "
        "SELECT join_request_id, chat_id, MAX(message_id) FROM deliveries "
        "WHERE kind = 'join_request' AND status = 'sent' AND message_id IS NOT NULL AND chat_id IS NOT NULL "
        "GROUP BY join_request_id, chat_id")
    op.execute("DELETE FROM deliveries WHERE kind IN ('role', 'join_request', 'join_decision', 'report')")
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('delivery_kind', type_='check')
        batch_op.create_check_constraint('delivery_kind', sa.text(_in(KINDS)))
        batch_op.drop_constraint('fk_deliveries_join_request_id', type_='foreignkey')
        batch_op.drop_index('ix_deliveries_join_request_id')
        batch_op.drop_column('join_request_id')
