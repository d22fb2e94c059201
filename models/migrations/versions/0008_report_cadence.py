"""reporting cadence: a round and a task may carry a 报送周期 (weekly:1, monthly:15, quarterly:1, none)

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL: inherit (a task its round's, a round rectify.toml's default).
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_cadence', sa.String(length=20), nullable=True))
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_cadence', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('report_cadence')
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_column('report_cadence')
