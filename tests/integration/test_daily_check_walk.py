"""A walk day by day over 60 days (2026-09-14 .. 2026-11-12) of a small ledger.

The window holds 中秋 (9/25), 国庆 (10/1-10/7) and two 调休 workdays (Sunday 9/20, Saturday
10/10). The golden list below was worked out by hand from the rules (提醒 at 10 and 3
working days left, 催办 on the first overdue working day and every 5 working days after,
督办 once overdue by more than 10, 长期坚持 after 30 days without progress):

Task 1.1 (财务处, leader 王副县长, due Fri 10/9) and 1.5 (审计处 + 财务处, same leader, same day):
  10 working days left on Fri 9/18 (9/19 is a weekend day, Sunday 9/20 a workday); 3 left on
  9/29; first overdue working day is Saturday 10/10 (调休); the 2nd 催办 falls on 10/16, but the
  server is down that day, so it goes out once on Monday 10/19; overdue by 11 on 10/23: 督办;
  催办 again at 16 (10/30) and 21 (11/6) working days overdue.
Task 1.2 (审计处, person 张伟, due 10/23): 提醒 on 10/10; the extension approved on 10/14 moves
  the deadline to 11/27, whose 10-working-days mark (11/13) is after the walk: nothing more.
Task 1.3 (长期坚持, 农业农村局, registered 9/1): 30 days silent on 10/1, a holiday, so 10/8;
  progress on 10/12 restarts the count: again on 11/11.
Task 1.4 (财务处, due 10/30) is closed on 10/15, a day before its first 提醒 would fall: never.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from ledger.actors import Actor
from ledger.lifecycle import (
    decide_extension,
    report_progress,
    request_extension,
    submit_for_closure,
    verify_closure,
)
from ledger.uow import transaction
from models.enums import Role
from models.workdays import work_calendar
from notifications.daily import run_daily_check
from tests.fixtures.notify import TaskSpec, at_nine, build_ledger, notify_settings

OFFICE = Actor("整改办", Role.office)
# The reminder ladder's kinds; the walk's decisions write notices of their own besides.
REMINDER_KINDS = "('remind', 'urge', 'supervise', 'ongoing')"
FIRST_DAY = date(2026, 9, 14)
SERVER_DOWN = {date(2026, 10, 16)}

URGE_1_1_AND_1_5 = [
    ("urge", "王副县长", ["1.1", "1.5"]),
    ("urge", "审计处", ["1.5"]),
    ("urge", "财务处", ["1.1", "1.5"]),
]
GOLDEN: dict[date, list[tuple[str, str, list[str]]]] = {
    date(2026, 9, 18): [("remind", "审计处", ["1.5"]), ("remind", "财务处", ["1.1", "1.5"])],
    date(2026, 9, 29): [("remind", "审计处", ["1.5"]), ("remind", "财务处", ["1.1", "1.5"])],
    date(2026, 10, 8): [("ongoing", "农业农村局", ["1.3"])],
    date(2026, 10, 10): [
        ("remind", "张伟", ["1.2"]),
        ("remind", "审计处", ["1.2"]),
        *URGE_1_1_AND_1_5,
    ],
    date(2026, 10, 19): URGE_1_1_AND_1_5,
    date(2026, 10, 23): [  # each lead unit its own order; the leader and the office a copy
        ("supervise", "office", ["1.1", "1.5"]),
        ("supervise", "审计处", ["1.5"]),
        ("supervise", "王副县长", ["1.1", "1.5"]),
        ("supervise", "财务处", ["1.1"]),
    ],
    date(2026, 10, 30): URGE_1_1_AND_1_5,
    date(2026, 11, 6): URGE_1_1_AND_1_5,
    date(2026, 11, 11): [("ongoing", "农业农村局", ["1.3"])],
}


def office_acts_on(engine: sa.Engine, day: date, tmp_path: Path, ids: dict[str, int]) -> None:
    """What the office and the units do on the morning of `day`, before the 09:00 check."""
    now = at_nine(day) - timedelta(hours=1)
    with transaction(engine) as session:
        if day == date(2026, 10, 12):
            report_progress(
                ids["1.3"],
                text="召开产业扶贫推进会",
                session=session,
                actor=OFFICE,
                now=now,
                evidence_store=tmp_path / "evidence",
            )
        if day == date(2026, 10, 14):
            ext = request_extension(
                ids["1.2"],
                new_deadline=date(2026, 11, 27),
                reason="需待审计结果",
                session=session,
                actor=OFFICE,
                now=now,
                today=day,
            )
            assert ext.id is not None
            decide_extension(ext.id, approve=True, session=session, actor=OFFICE, now=now)
        if day == date(2026, 10, 15):
            submit_for_closure(
                ids["1.4"],
                summary="制度已印发",
                no_evidence_reason="制度文件已在门户公开",
                session=session,
                actor=OFFICE,
                now=now,
                evidence_store=tmp_path / "evidence",
            )
            verify_closure(ids["1.4"], session=session, actor=OFFICE, now=now)


def test_sixty_days_of_daily_checks_send_exactly_the_golden_notices(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    task_ids = build_ledger(
        engine,
        [
            TaskSpec("建立扶贫资金台账", "财务处", date(2026, 10, 9), leader="王副县长"),
            TaskSpec("追回违规拨付资金", "审计处", date(2026, 10, 23), person="张伟"),
            TaskSpec("持续跟踪产业项目收益", "农业农村局", kind="ongoing"),
            TaskSpec("修订项目验收办法", "财务处", date(2026, 10, 30)),
            TaskSpec(
                "整改项目招投标问题", "审计处", date(2026, 10, 9), ["财务处"], leader="王副县长"
            ),
        ],
        registered=date(2026, 9, 1),
    )
    ids = dict(zip(["1.1", "1.2", "1.3", "1.4", "1.5"], task_ids, strict=True))
    code_of = {v: k for k, v in ids.items()}
    settings = notify_settings(tmp_path, database_url)
    calendar = work_calendar(None)

    seen: dict[date, list[tuple[str, str, list[str]]]] = {}
    for offset in range(60):
        day = FIRST_DAY + timedelta(days=offset)
        office_acts_on(engine, day, tmp_path, ids)
        if day in SERVER_DOWN:
            continue
        report = run_daily_check(engine, settings, as_of=day, now=at_nine(day))
        if not calendar.is_workday(day):
            assert report.plan.planned == 0 and not report.plan.is_workday
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT kind, recipient, task_ids FROM notice WHERE period = :p"
                    f" AND kind IN {REMINDER_KINDS} ORDER BY kind, recipient"
                ),
                {"p": day.isoformat()},
            ).all()
        if rows:
            seen[day] = sorted(
                [
                    (
                        kind,
                        recipient,
                        sorted(
                            code_of[i]
                            for i in (
                                ids_ if isinstance(ids_, list) else __import__("json").loads(ids_)
                            )
                        ),
                    )
                    for kind, recipient, ids_ in rows
                ]
            )

    assert seen == {day: sorted(notices) for day, notices in GOLDEN.items()}
    assert all(calendar.is_workday(day) for day in seen)
    with engine.connect() as conn:
        # (The registration's 新任务交办 digests were settled by the builder.)
        statuses = (
            conn.execute(sa.text("SELECT DISTINCT status FROM notice WHERE kind <> 'assign'"))
            .scalars()
            .all()
        )
        orders = conn.execute(
            sa.text("SELECT year, number FROM supervisionorder ORDER BY number")
        ).all()
    assert statuses == ["local"]  # no Apprise configuration: written to files, not sent
    assert [tuple(o) for o in orders] == [(2026, 1), (2026, 2)]
    files = list((tmp_path / "data" / "notices").rglob("*.txt"))
    with engine.connect() as conn:
        decisions = conn.execute(
            sa.text(
                "SELECT kind, recipient, period FROM notice"
                f" WHERE kind NOT IN {REMINDER_KINDS} AND kind <> 'assign' ORDER BY id"
            )
        ).all()
    # The walk's two decisions each told the lead unit once (the builder settled the
    # registration's 新任务交办 digests), and every notice sent is in a file.
    assert [tuple(d) for d in decisions] == [
        ("extension", "审计处", "ext1"),
        ("verify", "财务处", f"task{ids['1.4']}-req2"),
    ]
    assert len(files) == sum(len(v) for v in GOLDEN.values()) + len(decisions)
