"""Migration 0007 (a notice may carry the facts of a decision, `data`): a database made by
0006 with notices in it upgrades, keeps every notice, and takes a draft afterwards."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from models.db import make_engine
from tests.fixtures.migrations import migrate

PREVIOUS, THIS = "0006", "0007"


def test_notices_written_before_0007_survive_it_and_a_draft_with_data_fits_after(
    fresh_url: str,
) -> None:
    engine = make_engine(fresh_url)
    try:
        migrate(engine, PREVIOUS)
        now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
        notice = sa.table(
            "notice",
            *(
                sa.column(c)
                for c in (
                    "key",
                    "kind",
                    "recipient",
                    "period",
                    "task_ids",
                    "title",
                    "body_text",
                    "body_html",
                    "body_md",
                    "attachments",
                    "status",
                    "attempts",
                    "next_attempt_at",
                    "last_error",
                    "created_at",
                    "delivered",
                )
            ),
        )
        with engine.begin() as conn:
            conn.execute(
                notice.insert(),
                [
                    {
                        "key": f"urge:财务处:2026-12-0{i}",
                        "kind": "urge",
                        "recipient": "财务处",
                        "period": f"2026-12-0{i}",
                        "task_ids": "[1, 2]",
                        "title": "【催办通知】2项整改任务已逾期未完成",
                        "body_text": "财务处:……",
                        "body_html": "",
                        "body_md": "",
                        "attachments": "[]",
                        "status": "sent" if i == 1 else "pending",
                        "attempts": 1,
                        "next_attempt_at": now,
                        "last_error": "",
                        "created_at": now,
                        "delivered": "[]",
                    }
                    for i in (1, 2)
                ],
            )

        migrate(engine, THIS)

        with engine.begin() as conn:
            rows = conn.execute(
                sa.text("SELECT key, status, title, data FROM notice ORDER BY key")
            ).all()
            assert [(r.key, r.status, r.data) for r in rows] == [
                ("urge:财务处:2026-12-01", "sent", None),
                ("urge:财务处:2026-12-02", "pending", None),
            ]
            assert rows[0].title == "【催办通知】2项整改任务已逾期未完成"
            conn.execute(
                sa.text("UPDATE notice SET status = 'draft', data = :d WHERE key = :k").bindparams(
                    sa.bindparam("d", type_=sa.JSON)
                ),
                {"d": {"reason": "缺少凭证"}, "k": "urge:财务处:2026-12-02"},
            )
            data = conn.execute(
                sa.select(sa.column("data", sa.JSON))
                .select_from(sa.table("notice"))
                .where(sa.column("key") == "urge:财务处:2026-12-02")
            ).scalar_one()
        assert data == {"reason": "缺少凭证"}
    finally:
        engine.dispose()
