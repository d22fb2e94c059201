"""board indexes: 挂图作战's aggregation reads one covering index, the red list walks deadlines

The board groups every live task by lead unit and round and counts status, light and the
week's change: with (lead_unit_id, inspection_id, status, kind, deadline, closed_at,
withdrawn_at) it is one index-only scan in group order (SQLite: no table reads, no temporary
B-tree). The red list (open, overdue, longest first, LIMIT 50) walks the deadline index and
stops after 50 rows instead of sorting every overdue task. Measured at 100,000 tasks in
ledger/dashboard.py's docstring.

Revision ID: 0009
Revises: 0008
"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        'ix_task_board',
        'task',
        ['lead_unit_id', 'inspection_id', 'status', 'kind', 'deadline', 'closed_at', 'withdrawn_at'],
    )
    op.create_index('ix_task_deadline', 'task', ['deadline'])


def downgrade() -> None:
    op.drop_index('ix_task_deadline', table_name='task')
    op.drop_index('ix_task_board', table_name='task')
