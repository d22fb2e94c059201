"""A 每周一 reporting cadence walked day by day over three weeks (2026-04-27 .. 2026-05-17).

The window holds 劳动节 (5/1-5/5: Monday 5/4 and Tuesday 5/5 are holidays, so week 19's
due day moves to Wednesday 5/6) and the 调休 workday Saturday 5/9. The round reports
每周一; the golden list was worked out by hand:

Task 1.1 (财务处) reports on 4/27 after the check and on 5/11 after the check: reminded on
  each period's due day (4/27, 5/6, 5/11), on time in weeks 18 and 20.
Task 1.2 (审计处) never reports: reminded on 4/27, 5/6, 5/11; late every week.
Task 1.3 (农业农村局, 长期坚持) reports on 5/6 before the check: not reminded that week,
  reminded on 4/27 and 5/11; late in weeks 18 and 20.
Task 1.4 (财务处) awaits closure (待销号), 1.5 (教育局) is withdrawn, 1.6 (财务处) has its own
  cadence 不定期: none of them owes a report.
Task 1.7 (人社局) has its own cadence 每月5日: 5/5 is a holiday, so May's report is due on
  5/6; April's (due 4/7) was before it was registered.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session

from ledger.actors import Actor
from ledger.corrections import InspectionEdit, TaskEdit, edit_inspection, edit_task, withdraw_task
from ledger.lifecycle import report_progress, submit_for_closure
from ledger.summary import weekly_summary
from ledger.uow import transaction
from models.enums import Role
from models.rules import Rules
from models.tables import Task
from models.workdays import work_calendar
from notifications.daily import run_daily_check
from notifications.weekly import render_weekly
from tests.fixtures.notify import TaskSpec, at_nine, build_ledger, notify_settings

OFFICE = Actor("整改办", Role.office)
TZ = ZoneInfo("Asia/Shanghai")
FIRST_DAY = date(2026, 4, 27)
CODES = ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"]

W18, W19, W20 = "2026-W18/weekly:1", "2026-W19/weekly:1", "2026-W20/weekly:1"
GOLDEN: dict[date, list[tuple[str, str, list[str]]]] = {
    date(2026, 4, 27): [
        ("农业农村局", W18, ["1.3"]),
        ("审计处", W18, ["1.2"]),
        ("财务处", W18, ["1.1"]),
    ],
    date(2026, 5, 6): [
        ("人社局", "2026-05/monthly:5", ["1.7"]),
        ("审计处", W19, ["1.2"]),
        ("财务处", W19, ["1.1"]),
    ],
    date(2026, 5, 11): [
        ("农业农村局", W20, ["1.3"]),
        ("审计处", W20, ["1.2"]),
        ("财务处", W20, ["1.1"]),
    ],
}


def _report(engine: sa.Engine, task_id: int, at: datetime, tmp_path: Path) -> None:
    with transaction(engine) as session:
        report_progress(
            task_id,
            text="按周报送整改进展",
            session=session,
            actor=OFFICE,
            now=at,
            evidence_store=tmp_path / "evidence",
        )


def _build(engine: sa.Engine, tmp_path: Path) -> dict[str, int]:
    task_ids = build_ledger(
        engine,
        [
            TaskSpec("建立扶贫资金台账", "财务处", date(2026, 12, 31)),
            TaskSpec("追回违规拨付资金", "审计处", date(2026, 12, 31)),
            TaskSpec("持续跟踪产业项目收益", "农业农村局", kind="ongoing"),
            TaskSpec("修订项目验收办法", "财务处", date(2026, 12, 31)),
            TaskSpec("整改教育补助发放问题", "教育局", date(2026, 12, 31)),
            TaskSpec("清理挂账资金", "财务处", date(2026, 12, 31)),
            TaskSpec("规范就业补贴发放", "人社局", date(2026, 12, 31)),
        ],
        registered=date(2026, 4, 20),
    )
    ids = dict(zip(CODES, task_ids, strict=True))
    before = at_nine(date(2026, 4, 24))
    with transaction(engine) as session:
        task = session.get(Task, ids["1.1"])
        assert task is not None
        edit_inspection(
            task.inspection_id,
            InspectionEdit(report_cadence="每周一"),
            reason="整改方案:各单位每周一汇报进展",
            session=session,
            actor=OFFICE,
            now=before,
        )
        for code, cadence in (("1.6", "不定期"), ("1.7", "每月5日")):
            edit_task(
                ids[code],
                TaskEdit(report_cadence=cadence),
                reason="按整改方案调整报送周期",
                session=session,
                actor=OFFICE,
                now=before,
                rules=Rules(),
                calendar=work_calendar(None),
            )
        submit_for_closure(
            ids["1.4"],
            summary="办法已修订印发",
            no_evidence_reason="文件已公开",
            session=session,
            actor=OFFICE,
            now=before,
            evidence_store=tmp_path / "evidence",
        )
        withdraw_task(ids["1.5"], reason="重复登记", session=session, actor=OFFICE, now=before)
    return ids


def _reminders(engine: sa.Engine, day: date, code_of: dict[int, str]) -> list[tuple]:
    start = datetime.combine(day, time.min, TZ)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT recipient, period, task_ids FROM notice WHERE kind = 'report'"
                " AND created_at >= :a AND created_at < :b"
            ),
            {"a": start, "b": start + timedelta(days=1)},
        ).all()
    return sorted(
        (
            recipient,
            period,
            sorted(code_of[i] for i in (ids if isinstance(ids, list) else json.loads(ids))),
        )
        for recipient, period, ids in rows
    )


def test_a_weekly_monday_cadence_reminds_each_unit_once_a_period_and_skips_the_holiday(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    ids = _build(engine, tmp_path)
    code_of = {v: k for k, v in ids.items()}
    settings = notify_settings(tmp_path, database_url)
    calendar = work_calendar(None)
    assert not calendar.is_workday(date(2026, 5, 4)) and calendar.is_workday(date(2026, 5, 9))

    seen: dict[date, list[tuple]] = {}
    for offset in range(21):
        day = FIRST_DAY + timedelta(days=offset)
        if day == date(2026, 5, 6):
            _report(engine, ids["1.3"], at_nine(day) - timedelta(hours=1), tmp_path)
        report = run_daily_check(engine, settings, as_of=day, now=at_nine(day))
        if day == FIRST_DAY:
            assert report.plan.report_reminders == 3
            # A second run the same day finds every key taken: nothing twice.
            again = run_daily_check(engine, settings, as_of=day, now=at_nine(day))
            assert again.plan.report_reminders == 0
        if rows := _reminders(engine, day, code_of):
            seen[day] = rows
        if day in (date(2026, 4, 27), date(2026, 5, 11)):
            _report(engine, ids["1.1"], at_nine(day) + timedelta(hours=6), tmp_path)

    assert seen == GOLDEN
    with engine.connect() as conn:
        [title] = conn.execute(
            sa.text("SELECT title FROM notice WHERE kind = 'report' AND recipient = '审计处'"
                    " AND period = :p"),
            {"p": W19},
        ).scalars().all()  # fmt: skip
        bodies = conn.execute(
            sa.text("SELECT body_text FROM notice WHERE kind = 'report' AND period = :p"),
            {"p": W19},
        ).scalars().all()  # fmt: skip
    assert title == "【进展报送提醒】2026年第19周(每周一)1项整改任务尚未报送进展"
    finance = next(b for b in bodies if b.startswith("财务处"))
    assert "2026年第19周的整改进展应于2026年5月6日报送" in finance
    assert "最近一次报送:2026年4月27日" in finance
    audit = next(b for b in bodies if b.startswith("审计处"))
    assert "最近一次报送:尚未报送" in audit


def test_the_weekly_lists_the_units_and_tasks_that_did_not_report_on_time(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    ids = _build(engine, tmp_path)
    calendar = work_calendar(None)
    _report(engine, ids["1.1"], at_nine(date(2026, 4, 27)) + timedelta(hours=6), tmp_path)
    _report(engine, ids["1.3"], at_nine(date(2026, 5, 6)) - timedelta(hours=1), tmp_path)
    _report(engine, ids["1.1"], at_nine(date(2026, 5, 11)) + timedelta(hours=6), tmp_path)

    def late(as_of: date) -> list[tuple[str, str, str, str]]:
        with Session(engine) as session:
            s = weekly_summary(session, as_of=as_of, rules=Rules(), calendar=calendar)
        return [(t.lead_unit, t.code, t.period, t.due_text) for t in s.late_reports]

    # On 5/6, week 19's due day, the latest elapsed period is week 18 (due 4/27).
    assert late(date(2026, 5, 6)) == [
        ("农业农村局", "1.3", "2026年第18周", "2026年4月27日"),
        ("审计处", "1.2", "2026年第18周", "2026年4月27日"),
    ]
    # On 5/12: week 20 (due 5/11), and May for the monthly task (due 5/6).
    assert late(date(2026, 5, 12)) == [
        ("人社局", "1.7", "2026年5月", "2026年5月6日"),
        ("农业农村局", "1.3", "2026年第20周", "2026年5月11日"),
        ("审计处", "1.2", "2026年第20周", "2026年5月11日"),
    ]
    with Session(engine) as session:
        s = weekly_summary(session, as_of=date(2026, 5, 12), rules=Rules(), calendar=calendar)
    assert [(u.unit, u.tasks) for u in s.late_units] == [
        ("人社局", 1),
        ("农业农村局", 1),
        ("审计处", 1),
    ]
    rendered = render_weekly(s, chart=None)
    assert (
        "3个单位的3项整改任务未按报送周期报送进展:人社局(1项)、农业农村局(1项)、审计处(1项)。"
        in (rendered.text)
    )
    assert (
        "3. [1.2] 审计处:追回违规拨付资金(每周一,2026年第20周应于2026年5月11日报送;"
        "最近一次报送:尚未报送)" in rendered.text
    )
    for body in (rendered.md, rendered.html):
        assert "六、未按时报送进展" in body and "追回违规拨付资金" in body
