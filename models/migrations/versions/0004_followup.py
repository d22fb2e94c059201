"""回头看: follow-up interval per round (default 6 months) and per task; followup table;
a follow-up scheduled for every task already 已销号

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:00:00
"""
import calendar
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.tables


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_MONTHS = 6


def _add_months(day: date, months: int) -> date:
    # The same rule as ledger.documents.text.add_months (kept here: a migration is frozen).
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def upgrade() -> None:
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('followup_months', sa.Integer(), server_default=str(DEFAULT_MONTHS), nullable=False))
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('followup_months', sa.Integer(), nullable=True))

    op.create_table('followup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('closed_at', models.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.Column('resolved_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('resolved_at', models.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['progressreport.id'], ),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followup_task_id'), ['task_id'], unique=False)
        batch_op.create_index('ix_followup_status_due', ['status', 'due_on'], unique=False)

    # Tasks closed before this revision get their 回头看 too, at the round's default.
    task = sa.table(
        'task',
        sa.column('id', sa.Integer()),
        sa.column('status', sa.String()),
        sa.column('closed_at', models.tables.UTCDateTime(timezone=True)),
    )
    followup = sa.table(
        'followup',
        sa.column('task_id', sa.Integer()),
        sa.column('closed_at', models.tables.UTCDateTime(timezone=True)),
        sa.column('due_on', sa.Date()),
        sa.column('status', sa.String()),
        sa.column('note', sa.String()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(task.c.id, task.c.closed_at).where(
            task.c.status == 'closed', task.c.closed_at.is_not(None)
        ).order_by(task.c.id)
    ).all()
    batch = []
    for task_id, closed_at in rows:
        day = closed_at.astimezone(TZ).date()
        batch.append(
            {
                'task_id': task_id,
                'closed_at': closed_at,
                'due_on': _add_months(day, DEFAULT_MONTHS),
                'status': 'scheduled',
                'note': '',
            }
        )
        if len(batch) == 1000:
            bind.execute(followup.insert(), batch)
            batch = []
    if batch:
        bind.execute(followup.insert(), batch)


def downgrade() -> None:
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.drop_index('ix_followup_status_due')
        batch_op.drop_index(batch_op.f('ix_followup_task_id'))
    op.drop_table('followup')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('followup_months')
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_column('followup_months')
