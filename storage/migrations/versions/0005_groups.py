"""working groups and local councils: members, waitlists, leads; group meetings and announcements

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

from storage.types import UTCDateTime

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

AUDIENCES = ('members', 'news', 'not_acknowledged', 'meeting')
KINDS = ('broadcast', 'reminder', 'meeting')


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table('groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('working_group', 'local_council', name='group_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('archived_at', UTCDateTime(), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.CheckConstraint('capacity IS NULL OR members <= capacity', name='ck_groups_within_capacity'),
    sa.CheckConstraint('members >= 0', name='ck_groups_members_not_negative'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('group_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.Enum('member', 'waiting', name='group_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('lead', sa.Boolean(), nullable=False),
    sa.Column('joined_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('group_id', 'user_id', name='uq_group_members_once')
    )
    op.create_index('ix_group_members_group_id', 'group_members', ['group_id'])
    op.create_index('ix_group_members_user_id', 'group_members', ['user_id'])
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_meetings_group_id', ['group_id'], unique=False)
        batch_op.create_foreign_key('fk_meetings_group_id', 'groups', ['group_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_broadcasts_group_id', 'groups', ['group_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_constraint('audience', type_='check')
        batch_op.create_check_constraint('audience', sa.text(_in('audience', AUDIENCES + ('group',))))
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('delivery_kind', type_='check')
        batch_op.create_check_constraint('delivery_kind', sa.text(_in('kind', KINDS + ('group',))))


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE kind = 'group'")
    op.execute("DELETE FROM broadcasts WHERE audience = 'group'")
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('delivery_kind', type_='check')
        batch_op.create_check_constraint('delivery_kind', sa.text(_in('kind', KINDS)))
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_constraint('audience', type_='check')
        batch_op.create_check_constraint('audience', sa.text(_in('audience', AUDIENCES)))
        batch_op.drop_constraint('fk_broadcasts_group_id', type_='foreignkey')
        batch_op.drop_column('group_id')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_constraint('fk_meetings_group_id', type_='foreignkey')
        batch_op.drop_index('ix_meetings_group_id')
        batch_op.drop_column('group_id')
    op.drop_index('ix_group_members_user_id', table_name='group_members')
    op.drop_index('ix_group_members_group_id', table_name='group_members')
    op.drop_table('group_members')
    op.drop_table('groups')
