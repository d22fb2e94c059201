"""each co-unit's own part: task_part (a co-unit's 已完成 mark), a report's unit (whose part
it is about) and a closure request's reason for parts not done

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'task_part',
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('done_by', sa.String(length=100), nullable=True),
        sa.Column('note', sa.String(), nullable=False),
        sa.ForeignKeyConstraint(['task_id'], ['task.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('task_id', 'unit_id'),
    )
    # Every report made before this revision is the task's own (unit_id NULL).
    with op.batch_alter_table('progressreport', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('open_parts_reason', sa.String(), server_default='', nullable=False)
        )
        batch_op.create_foreign_key(
            'fk_progressreport_unit_id_unit', 'unit', ['unit_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('progressreport', schema=None) as batch_op:
        batch_op.drop_constraint('fk_progressreport_unit_id_unit', type_='foreignkey')
        batch_op.drop_column('open_parts_reason')
        batch_op.drop_column('unit_id')
    op.drop_table('task_part')
