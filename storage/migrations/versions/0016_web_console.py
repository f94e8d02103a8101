"""the web console: one-time sign-in links, sessions, the record of changes, and the versions of the
content file

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'web_logins',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.Column('used_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_web_logins_user_id', 'web_logins', ['user_id'])
    op.create_index('ix_web_logins_expires_at', 'web_logins', ['expires_at'])
    op.create_table(
        'web_sessions',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=False),
        sa.Column('csrf', sa.String(length=64), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('last_seen', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id_hash'),
    )
    op.create_index('ix_web_sessions_user_id', 'web_sessions', ['user_id'])
    op.create_index('ix_web_sessions_last_seen', 'web_sessions', ['last_seen'])
    op.create_table(
        'web_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=True),
        sa.Column('author_name', sa.String(length=200), nullable=False),
        sa.Column('what', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_web_changes_at', 'web_changes', ['at'])
    op.create_table(
        'content_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('author_id', sa.BigInteger(), nullable=True),
        sa.Column('author_name', sa.String(length=200), nullable=False),
        sa.Column('origin', sa.String(length=10), nullable=False),
        sa.Column('note', sa.String(length=300), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade() -> None:
    op.drop_table('content_versions')
    op.drop_index('ix_web_changes_at', table_name='web_changes')
    op.drop_table('web_changes')
    op.drop_index('ix_web_sessions_last_seen', table_name='web_sessions')
    op.drop_index('ix_web_sessions_user_id', table_name='web_sessions')
    op.drop_table('web_sessions')
    op.drop_index('ix_web_logins_expires_at', table_name='web_logins')
    op.drop_index('ix_web_logins_user_id', table_name='web_logins')
    op.drop_table('web_logins')
