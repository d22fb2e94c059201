"""The daily cap over five working days (Mon 2026-10-26 .. Fri 10-30) and the Monday after,
one notice a day for 财务处 (`[notify] daily_cap = 1`), delivered to a real loopback receiver.

Worked out by hand from the ladder (the calendar of test_daily_check_walk):
  10/26  1.1 (due 10/9) overdue by 12 working days: 督办, kept past the cap; 1.2 (due 10/23)
         its first 催办 and 1.3 (due 11/6, 9 working days left) its 提醒: both held.
  10/27  1.4 (due 11/10) 10 working days left: its 提醒 carries 1.2 and 1.3.
  10/28  the office returns 1.7's closure request at 08:30: that notice is the day's one, so
         1.5's 提醒 (due 11/11) is held.
  10/29  nothing new: 1.5 goes in a 顺延事项 notice of its own.
  10/30  1.1 overdue by 16: its next 催办, kept; 1.6 (due 11/13) its 提醒: held.
  11/2   1.2 overdue by 6: its second 催办, which carries 1.6.
Every rung the ladder names is told to 财务处 exactly once, never more than one notice a day
(the 督办 aside).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ledger import lifecycle, registry
from ledger.actors import resolve_actor
from ledger.inputs import UserCreate
from ledger.reminders.rows import local_date
from ledger.uow import transaction
from models.enums import Role
from models.outbox import Notice, ReminderMark
from models.settings import NotifySettings
from notifications.daily import run_daily_check
from tests.builders import OFFICE
from tests.fixtures.notify import (
    HttpReceiver,
    TaskSpec,
    at_nine,
    build_ledger,
    notify_settings,
    write_apprise_config,
)

TZ = ZoneInfo("Asia/Shanghai")
MEASURES = {
    "1.1": ("逐笔核对项目资金拨付", date(2026, 10, 9)),
    "1.2": ("清退违规发放的补贴", date(2026, 10, 23)),
    "1.3": ("修订专项资金管理办法", date(2026, 11, 6)),
    "1.4": ("建立资金拨付台账", date(2026, 11, 10)),
    "1.5": ("开展资金使用专项检查", date(2026, 11, 11)),
    "1.6": ("公开资金分配结果", date(2026, 11, 13)),
}
RETURNED = "完善内控制度"  # 1.7, due 12/31: never on the ladder this week
DAYS = [date(2026, 10, 26) + timedelta(days=i) for i in range(5)] + [date(2026, 11, 2)]
GOLDEN = {
    date(2026, 10, 26): [("supervise", ["1.1"])],
    date(2026, 10, 27): [("remind", ["1.2", "1.3", "1.4"])],
    date(2026, 10, 28): [("return", [])],
    date(2026, 10, 29): [("folded", ["1.5"])],
    date(2026, 10, 30): [("urge", ["1.1"])],
    date(2026, 11, 2): [("urge", ["1.2", "1.6"])],
}


def kind_of(title: str) -> str:
    words = (("顺延", "folded"), ("督办", "supervise"), ("催办", "urge"), ("提醒", "remind"))
    for word, kind in (*words, ("退回", "return")):
        if word in title:
            return kind
    return title


def test_the_cap_keeps_the_most_urgent_and_folds_the_rest_with_nothing_lost(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    specs = [TaskSpec(m, "财务处", d) for m, d in MEASURES.values()]
    *ids, returned = build_ledger(
        engine,
        [*specs, TaskSpec(RETURNED, "财务处", date(2026, 12, 31))],
        registered=date(2026, 9, 1),
    )
    with transaction(engine) as s:
        registry.add_user(
            UserCreate(name="李明", role=Role.unit, unit="财务处"),
            session=s,
            actor=OFFICE,
            now=at_nine(date(2026, 9, 1)),
        )
    with transaction(engine) as s:
        worker = resolve_actor(s, "李明")
    config = write_apprise_config(
        tmp_path / "a.yml",
        {http_receiver.url("unit"): ["财务处"], http_receiver.url("office"): ["office"]},
    )
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    settings = replace(settings, notify=NotifySettings(daily_cap=1))

    heard: dict[date, list[tuple[str, list[str]]]] = {}
    bodies: dict[date, list[str]] = {}
    for day in DAYS:
        if day == date(2026, 10, 27):
            with transaction(engine) as s:
                lifecycle.submit_for_closure(
                    returned,
                    summary="制度已印发",
                    no_evidence_reason="制度文件已公开",
                    session=s,
                    actor=worker,
                    now=at_nine(day) + timedelta(hours=5),
                    evidence_store=tmp_path / "evidence",
                )
        if day == date(2026, 10, 28):
            with transaction(engine) as s:
                lifecycle.return_for_rework(
                    returned,
                    reason="缺少执行记录",
                    session=s,
                    actor=OFFICE,
                    now=datetime(2026, 10, 28, 8, 30, tzinfo=TZ).astimezone(UTC),
                )
        before = len(http_receiver.received())
        run_daily_check(engine, settings, as_of=day, now=at_nine(day))
        posts = [p for p in http_receiver.received()[before:] if p.path == "/unit"]
        bodies[day] = [p.body for p in posts]
        heard[day] = [
            (kind_of(p.title), [c for c, (m, _) in MEASURES.items() if m in p.body]) for p in posts
        ]

    assert heard == GOLDEN
    carried = bodies[date(2026, 10, 27)][0]
    assert "另:以下2项事项因当日通知数量已达上限顺延,一并告知:\n1. 【催办】任务1.2" in carried
    assert "2. 【提醒】任务1.3:修订专项资金管理办法" in carried
    assert "(2026年10月26日时剩余9个工作日)" in carried
    own = bodies[date(2026, 10, 29)][0]
    assert "此前因当日通知数量已达上限而顺延的事项如下" in own and "另:" not in own
    told = Counter(code for day in heard.values() for _, codes in day for code in codes)
    with engine.connect() as conn:
        marked = conn.execute(
            sa.select(ReminderMark.task_id, ReminderMark.created_at)  # type: ignore[call-overload]
        ).all()
    codes = dict(zip(ids, MEASURES, strict=False))
    # The rungs the ladder named, held or not: a day's 督办 and the 催办 it covers are one.
    named = Counter(codes[t] for t, _ in {(t, local_date(at)) for t, at in marked})
    assert told == named == Counter({"1.1": 2, "1.2": 2, "1.3": 1, "1.4": 1, "1.5": 1, "1.6": 1})
    with engine.connect() as conn:
        statuses = dict(
            conn.execute(
                sa.select(Notice.kind, Notice.status).where(  # type: ignore[call-overload]
                    Notice.recipient == "财务处",
                    Notice.period == "2026-10-26",
                    Notice.kind == "urge",
                )
            ).all()
        )
    assert statuses == {"urge": "folded"}  # held, then carried; never sent itself
