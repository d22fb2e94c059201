"""The daily cap counts the 签收提醒: with `[notify] daily_cap = 1`, a unit told to sign is
not also sent a 提醒 that day; the 提醒 is held and reaches it the next working day.

财务处 leads 1.1 (due Fri 2026-11-06), registered Tue 9/1 and never signed (the 2 working
days to sign ended Thu 9/3). Mon 10/26: 9 working days left, its 提醒 is due, and 财务处 is
owed its 签收提醒. The 签收提醒 is written first and is the day's one notice, so the 提醒 is
held. Tue 10/27: no new digest for 财务处, so the held 提醒 goes out in a 顺延事项 notice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from models.outbox import Notice
from models.settings import NotifySettings
from notifications.daily import plan_daily_check
from tests.fixtures.notify import TaskSpec, at_nine, build_ledger, notify_settings


def _notices(engine: sa.Engine, period: str) -> list[tuple[str, str, list[int]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(Notice.kind, Notice.status, Notice.task_ids)  # type: ignore[call-overload]
            .where(Notice.recipient == "财务处", Notice.period == period)
            .order_by(Notice.id)
        ).all()
    return [(kind, status, list(ids)) for kind, status, ids in rows]


def test_the_cap_counts_the_acknowledge_reminder_and_holds_the_days_other_notice(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    [task] = build_ledger(
        engine,
        [TaskSpec("修订专项资金管理办法", "财务处", date(2026, 11, 6))],
        registered=date(2026, 9, 1),
        acknowledged=False,
    )
    settings = replace(notify_settings(tmp_path, database_url), notify=NotifySettings(daily_cap=1))
    monday, tuesday = date(2026, 10, 26), date(2026, 10, 27)

    report = plan_daily_check(engine, settings, as_of=monday, now=at_nine(monday))
    assert report.acknowledge_reminders == 1 and report.held == 1
    assert _notices(engine, monday.isoformat()) == [
        ("acknowledge", "pending", [task]),
        ("remind", "held", [task]),
    ]

    plan_daily_check(engine, settings, as_of=tuesday, now=at_nine(tuesday))
    assert _notices(engine, tuesday.isoformat()) == [("folded", "pending", [task])]
