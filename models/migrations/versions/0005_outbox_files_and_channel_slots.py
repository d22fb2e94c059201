"""outbox files and channel slots: attachments by content key; rate limits across deliverers

Revision ID: 0005
Revises: 0004

Attachments of notices not yet delivered that name a local file are read into the
database (where the migration runs, i.e. where the notices were planned) and named by
their content key; a file that no longer exists is left as it was.
"""

import hashlib
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

import models.tables

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "noticefile",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", models.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "channelslot",
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("next_at", models.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel"),
    )
    _store_local_attachments()


def _store_local_attachments() -> None:
    conn = op.get_bind()
    notice = sa.table(
        "notice", sa.column("id"), sa.column("attachments", sa.JSON), sa.column("status")
    )
    files = sa.table(
        "noticefile",
        sa.column("sha256"),
        sa.column("size"),
        sa.column("content", sa.LargeBinary),
        sa.column("created_at", models.tables.UTCDateTime(timezone=True)),
    )
    rows = conn.execute(
        sa.select(notice.c.id, notice.c.attachments).where(
            notice.c.status.notin_(["sent", "local"])
        )
    ).all()
    stored: set[str] = set()
    from datetime import UTC, datetime

    for notice_id, attachments in rows:
        if isinstance(attachments, str):
            attachments = json.loads(attachments)
        if not attachments:
            continue
        named = []
        for entry in attachments:
            path = Path(entry)
            if entry.startswith("store:") or not path.is_file():
                named.append(entry)
                continue
            content = path.read_bytes()
            digest = hashlib.sha256(content).hexdigest()
            if digest not in stored:
                exists = conn.execute(
                    sa.select(files.c.sha256).where(files.c.sha256 == digest)
                ).first()
                if exists is None:
                    conn.execute(
                        files.insert().values(
                            sha256=digest,
                            size=len(content),
                            content=content,
                            created_at=datetime.now(UTC),
                        )
                    )
                stored.add(digest)
            named.append(f"store:{digest}/{path.name}")
        conn.execute(notice.update().where(notice.c.id == notice_id).values(attachments=named))


def downgrade() -> None:
    op.drop_table("channelslot")
    op.drop_table("noticefile")
