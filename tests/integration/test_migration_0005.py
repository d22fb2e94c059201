"""Migration 0005 keeps a 0004 outbox and moves the local attachments of undelivered notices
into the database by content key."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from models.db import alembic_config, make_engine


def _drop_everything(engine: sa.Engine) -> None:
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:
            metadata.drop_all(conn)


def _upgrade(engine: sa.Engine, revision: str) -> None:
    with engine.begin() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def test_a_0004_outbox_upgrades_with_its_notices_and_their_charts_stored(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    _drop_everything(engine)
    _upgrade(engine, "0004")
    chart = tmp_path / "整改周报-2026-W49.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\nchart")
    gone = str(tmp_path / "removed.png")
    now = "2026-12-01 01:00:00+00:00"
    insert = sa.text(
        "INSERT INTO notice (id, key, kind, recipient, period, task_ids, title, body_text,"
        " body_html, body_md, attachments, status, attempts, next_attempt_at, last_error,"
        " created_at, delivered) VALUES (:id, :key, 'weekly', :r, '2026-W49', '[]', '周报', '正文',"
        " '', '', :att, :status, 0, :now, '', :now, '[]')"
    )
    with engine.begin() as conn:
        for i, (recipient, attachments, status) in enumerate(
            [
                ("office", [str(chart)], "pending"),
                ("李县长", [str(chart), gone], "failed"),
                ("王县长", [str(chart)], "sent"),
            ],
            start=1,
        ):
            conn.execute(
                insert,
                {
                    "id": i,
                    "key": f"weekly:{recipient}:2026-W49",
                    "r": recipient,
                    "att": json.dumps(attachments),
                    "status": status,
                    "now": now,
                },
            )

    _upgrade(engine, "0005")

    digest = hashlib.sha256(chart.read_bytes()).hexdigest()
    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        rows = conn.execute(
            sa.text("SELECT recipient, status, attachments FROM notice ORDER BY id")
        ).all()
        files = conn.execute(sa.text("SELECT sha256, size, content FROM noticefile")).all()
        slots = conn.execute(sa.text("SELECT count(*) FROM channelslot")).scalar_one()
    # The database is the run's shared one: leave it at the newest schema for the tests after.
    _upgrade(engine, "head")
    engine.dispose()
    attachments = [json.loads(a) if isinstance(a, str) else a for _, _, a in rows]
    assert version == "0005"
    assert [(r, s) for r, s, _ in rows] == [
        ("office", "pending"),
        ("李县长", "failed"),
        ("王县长", "sent"),
    ]
    assert attachments == [
        [f"store:{digest}/整改周报-2026-W49.png"],
        [f"store:{digest}/整改周报-2026-W49.png", gone],  # a file gone stays named as it was
        [str(chart)],  # delivered: nothing to move
    ]
    assert [(d, n, bytes(c)) for d, n, c in files] == [(digest, 13, chart.read_bytes())]
    assert slots == 0
