"""history channel: where each change came from (cli:<os user>, web, schedule)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Adding a column with a constant default needs no table rebuild on either backend;
    # rows written before it record no channel ("").
    op.add_column(
        "history", sa.Column("channel", sa.String(length=200), server_default="", nullable=False)
    )


def downgrade() -> None:
    with op.batch_alter_table("history", schema=None) as batch_op:
        batch_op.drop_column("channel")
