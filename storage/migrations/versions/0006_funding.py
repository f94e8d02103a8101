"""eligibility checks, questions to the council office and their replies

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

from storage.types import UTCDateTime

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

KINDS = ('broadcast', 'reminder', 'meeting', 'group')


def _in(values: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table('eligibility_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('started_at', UTCDateTime(), nullable=False),
    sa.Column('finished_at', UTCDateTime(), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('topic', sa.String(length=20), nullable=True),
    sa.Column('micro', sa.String(length=20), nullable=True),
    sa.Column('lfk', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_eligibility_checks_user_id', 'eligibility_checks', ['user_id'])
    op.create_index('ix_eligibility_checks_started_at', 'eligibility_checks', ['started_at'])
    op.create_table('questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'answered', 'done', name='question_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('shared_check', sa.JSON(), nullable=True),
    sa.Column('consent_at', UTCDateTime(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_questions_user_id', 'questions', ['user_id'])
    op.create_index('ix_questions_status', 'questions', ['status'])
    op.create_table('replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.BigInteger(), nullable=True),
    sa.Column('author_name', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_replies_question_id', 'replies', ['question_id'])
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('delivery_kind', type_='check')
        batch_op.create_check_constraint('delivery_kind', sa.text(_in(KINDS + ('question', 'reply'))))


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE kind IN ('question', 'reply')")
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('delivery_kind', type_='check')
        batch_op.create_check_constraint('delivery_kind', sa.text(_in(KINDS)))
    op.drop_index('ix_replies_question_id', table_name='replies')
    op.drop_table('replies')
    op.drop_index('ix_questions_status', table_name='questions')
    op.drop_index('ix_questions_user_id', table_name='questions')
    op.drop_table('questions')
    op.drop_index('ix_eligibility_checks_started_at', table_name='eligibility_checks')
    op.drop_index('ix_eligibility_checks_user_id', table_name='eligibility_checks')
    op.drop_table('eligibility_checks')
