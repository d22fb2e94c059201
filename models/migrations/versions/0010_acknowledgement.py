"""签收 (acknowledge): one row per task and unit (lead unit and each co-unit)

Every task already in the ledger gets a row for its lead unit and for each co-unit:
- a task with progress (a report of any kind, or a status past 待整改) counts as signed:
  its units are plainly working on it, and asking them now to sign for work they have
  been reporting on for months would only make noise. Signed at the first report (or
  the task's last change), by MIGRATED_BY, so `task show` says where the mark came from;
  no history row is written, since nobody signed;
- a task still 待整改 without any report waits for its units to sign, counted from the
  upgrade (not from its registration), so no unit is reminded for the days before 签收
  existed.

Revision ID: 0010
Revises: 0009
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

MIGRATED_BY = '(升级前已开展整改,视同签收)'


def upgrade() -> None:
    op.create_table(
        'acknowledgement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('acknowledged_by', sa.String(length=100), nullable=True),
        sa.Column('reminded_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['task_id'], ['task.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('task_id', 'unit_id'),
    )
    with op.batch_alter_table('acknowledgement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acknowledgement_unit_id'), ['unit_id'], unique=False)

    task = sa.table(
        'task',
        sa.column('id', sa.Integer()),
        sa.column('lead_unit_id', sa.Integer()),
        sa.column('status', sa.String()),
        sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('updated_at', sa.DateTime(timezone=True)),
    )
    co_unit = sa.table('taskcounit', sa.column('task_id', sa.Integer()), sa.column('unit_id', sa.Integer()))
    report = sa.table(
        'progressreport', sa.column('task_id', sa.Integer()), sa.column('reported_at', sa.DateTime(timezone=True))
    )
    ack = sa.table(
        'acknowledgement',
        *(sa.column(c) for c in ('task_id', 'unit_id', 'assigned_at', 'acknowledged_at', 'acknowledged_by')),
    )
    now = sa.bindparam('now', datetime.now(timezone.utc), type_=sa.DateTime(timezone=True))
    first_report = (
        sa.select(sa.func.min(report.c.reported_at))
        .where(report.c.task_id == task.c.id)
        .correlate(task)
        .scalar_subquery()
    )
    has_report = sa.exists(sa.select(report.c.task_id).where(report.c.task_id == task.c.id))
    signed = sa.or_(task.c.status != 'pending', has_report)

    def columns(unit_id: sa.ColumnElement[int]) -> list[sa.ColumnElement[object]]:
        return [
            task.c.id,
            unit_id,
            sa.case((signed, task.c.created_at), else_=now),
            sa.case((signed, sa.func.coalesce(first_report, task.c.updated_at)), else_=sa.null()),
            sa.case((signed, sa.literal(MIGRATED_BY)), else_=sa.null()),
        ]

    names = ['task_id', 'unit_id', 'assigned_at', 'acknowledged_at', 'acknowledged_by']
    bind = op.get_bind()
    bind.execute(ack.insert().from_select(names, sa.select(*columns(task.c.lead_unit_id))))
    bind.execute(
        ack.insert().from_select(
            names,
            sa.select(*columns(co_unit.c.unit_id))
            .select_from(co_unit.join(task, task.c.id == co_unit.c.task_id))
            .where(co_unit.c.unit_id != task.c.lead_unit_id),
        )
    )


def downgrade() -> None:
    with op.batch_alter_table('acknowledgement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acknowledgement_unit_id'))
    op.drop_table('acknowledgement')
