"""score indexes and cache: 单位考核's ranking reads one covering index, seeks the period's 退回 / 督办 / 销号, and is kept per ledger state

The ranking (ledger.scoring) asks of every live dated task registered by the period's end its
deadline, kind, registration, lead unit and status: with (deadline, kind, created_at,
lead_unit_id, status, withdrawn_at, inspection_id) that is one index-only scan of the
deadline range (SQLite: no table reads). The period's 退回, 督办 and 销号 rows are found by
(action, at) instead of walking the history of every task. Measured at 100,000 tasks in
ledger/scoring.py's notes and `python -m benchmarks --only score`. score_cache keeps the office
board's ranking of an open period for one state of the ledger (derived rows, safe to drop).

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        'ix_task_score',
        'task',
        ['deadline', 'kind', 'created_at', 'lead_unit_id', 'status', 'withdrawn_at', 'inspection_id'],
    )
    op.create_index('ix_history_action_at', 'history', ['action', 'at'])
    op.create_table(
        'score_cache',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=20), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('state', sa.String(length=200), nullable=False),
        sa.Column('board', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('period', 'as_of', 'state'),
    )


def downgrade() -> None:
    op.drop_table('score_cache')
    op.drop_index('ix_history_action_at', table_name='history')
    op.drop_index('ix_task_score', table_name='task')
