"""privacy: outbox rows that outlive their recipient keep no chat id; lookups by person and by age;
Telegram's anonymous admin is refused as a user

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


ANONYMOUS_ADMIN_ID = 1087968824


def upgrade() -> None:
    # Telegram's anonymous group admin is nobody: never a coordinator, never in an audience.
    op.execute(f"DELETE FROM users WHERE id = {ANONYMOUS_ADMIN_ID}")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_check_constraint('not_anonymous_admin', sa.text(f"id <> {ANONYMOUS_ADMIN_ID}"))
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        # An announcement's row stays for its counts after the recipient is erased: without a chat id.
        batch_op.alter_column('chat_id', existing_type=sa.BigInteger(), nullable=True)
        batch_op.create_index('ix_deliveries_chat_id', ['chat_id'])
        batch_op.create_index('ix_deliveries_created_at', ['created_at'])
    op.create_index('ix_questions_updated_at', 'questions', ['updated_at'])
    op.create_index('ix_users_unreachable_since', 'users', ['unreachable_since'])


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('not_anonymous_admin', type_='check')
    op.drop_index('ix_users_unreachable_since', table_name='users')
    op.drop_index('ix_questions_updated_at', table_name='questions')
    op.execute("DELETE FROM deliveries WHERE chat_id IS NULL")
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_created_at')
        batch_op.drop_index('ix_deliveries_chat_id')
        batch_op.alter_column('chat_id', existing_type=sa.BigInteger(), nullable=False)
