"""an answer "not coming" may name a deputy who comes instead, and their organisation

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deputy_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('deputy_organisation', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.drop_column('deputy_organisation')
        batch_op.drop_column('deputy_name')
