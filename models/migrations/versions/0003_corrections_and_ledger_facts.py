"""corrections and ledger facts: unknown feedback date, withdrawn marks, ledger dates, extra columns

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import models.tables

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _foreign_keys(on: bool) -> None:
    """SQLite rebuilds a table to change a column's nullability; with foreign keys on, dropping
    the old table fails while problems and tasks point at it. The check is switched off for the
    rebuild (a no-op inside a transaction, where deferring it to commit does the same: by then
    the rebuilt table holds the same ids)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    if on:
        op.execute("PRAGMA foreign_keys = ON")
    else:
        op.execute("PRAGMA foreign_keys = OFF")
        op.execute("PRAGMA defer_foreign_keys = ON")


def upgrade() -> None:
    _foreign_keys(on=False)
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.alter_column("feedback_date", existing_type=sa.Date(), nullable=True)
        batch_op.add_column(
            sa.Column("withdrawn_at", models.tables.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("withdrawn_at", models.tables.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("extra", sa.JSON(), nullable=True))
    with op.batch_alter_table("progressreport", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ledger_date", sa.Date(), nullable=True))
    _foreign_keys(on=True)


def downgrade() -> None:
    _foreign_keys(on=False)
    with op.batch_alter_table("progressreport", schema=None) as batch_op:
        batch_op.drop_column("ledger_date")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("extra")
        batch_op.drop_column("withdrawn_at")
    # An unknown feedback date has no place in the old schema: the day of the downgrade.
    op.execute("UPDATE inspection SET feedback_date = CURRENT_DATE WHERE feedback_date IS NULL")
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_at")
        batch_op.alter_column("feedback_date", existing_type=sa.Date(), nullable=False)
    _foreign_keys(on=True)
