"""A 回头看 walk over 7 months on the sample round, through the real daily check (both backends).

Two measures are closed in November 2026 (2.2 on the 9th, 1.1 on the 25th); the round's
default puts their 回头看 six months later. Walking every Monday to the end of June 2027:
each 回头看提醒 comes once, on the first check on or after its due date, to the lead unit
and the office; a confirmation ends one, a reopening brings the other task back with its
history, and the weekly summary and the report count it as 反弹.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger import followup, lifecycle, stats
from ledger.actors import Actor
from ledger.documents.report_data import rectification_report
from ledger.errors import ForbiddenError, LifecycleError
from ledger.history import task_history
from ledger.summary import weekly_summary
from ledger.uow import transaction
from models.enums import FollowUpStatus, Role, TaskStatus
from models.followups import FollowUp
from models.outbox import Notice
from models.rules import Rules
from models.settings import Settings
from notifications.daily import plan_daily_check
from tests.fixtures.documents import OFFICE, ReportRound, at


def _settings(engine: sa.Engine, tmp_path: Path) -> Settings:
    return Settings(
        database_url=str(engine.url),
        data_dir=tmp_path / "data",
        rules=Rules(),
        holiday_file=None,
        apprise_config=None,
        templates_dir=None,
    )


def _mondays(start: date, end: date) -> list[date]:
    day = start + timedelta(days=(7 - start.weekday()) % 7)
    days = []
    while day <= end:
        days.append(day)
        day += timedelta(days=7)
    return days


def _followup_notices(engine: sa.Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        return [
            (n.recipient, n.period)
            for n in session.exec(
                select(Notice).where(Notice.kind == "followup").order_by(col(Notice.id))
            )
        ]


def test_followups_are_told_once_when_due_then_confirmed_or_reopened_as_rebound(
    engine: sa.Engine, report_round: ReportRound, tmp_path: Path
) -> None:
    settings = _settings(engine, tmp_path)
    t = report_round.tasks
    with transaction(engine) as session:
        due = {f.task_id: f.due_on for f in session.exec(select(FollowUp))}
    assert due == {t["1.1"]: date(2027, 5, 25), t["2.2"]: date(2027, 5, 9)}

    confirmed = reopened = False
    for monday in _mondays(date(2026, 12, 1), date(2027, 6, 30)):
        plan_daily_check(
            engine, settings, as_of=monday, now=datetime.combine(monday, datetime.min.time(), UTC)
        )
        plan_daily_check(
            engine, settings, as_of=monday, now=datetime.combine(monday, datetime.min.time(), UTC)
        )  # a rerun
        if monday == date(2027, 5, 10):
            assert _followup_notices(engine) == [
                ("office", "2027-05-10"),
                ("县科技局", "2027-05-10"),
            ]
            with (
                transaction(engine) as session,
                pytest.raises(LifecycleError, match="2027年5月25日到期"),
            ):
                followup.confirm_no_rebound(
                    t["1.1"],
                    note="早查",
                    session=session,
                    actor=OFFICE,
                    now=at(monday),
                    evidence_store=settings.evidence_dir,
                )
            proof = tmp_path / "回头看报告.pdf"
            proof.write_bytes(b"%PDF no rebound")
            with transaction(engine) as session:
                followup.confirm_no_rebound(
                    t["2.2"],
                    note="服务日志制度执行良好,未发现反弹",
                    evidence=[proof],
                    session=session,
                    actor=OFFICE,
                    now=at(monday),
                    evidence_store=settings.evidence_dir,
                )
            confirmed = True
        if monday == date(2027, 6, 7):
            with transaction(engine) as session:
                with pytest.raises(ForbiddenError):
                    followup.reopen_for_rebound(
                        t["1.1"],
                        reason="x",
                        session=session,
                        actor=Actor(name="陈某", role=Role.unit, unit_id=1),
                        now=at(monday),
                    )
                followup.reopen_for_rebound(
                    t["1.1"],
                    reason="台账停止更新,3个项目拨付再次滞后",
                    session=session,
                    actor=OFFICE,
                    now=at(monday),
                )
            reopened = True
    assert confirmed and reopened
    with Session(engine) as session:
        told = session.exec(
            select(Notice).where(Notice.kind == "followup", Notice.recipient == "县科技局")
        ).first()
    assert told is not None
    assert told.title == "【回头看提醒】1项已销号整改任务到期开展“回头看”"
    assert "任务2.2:建立科技特派员服务日志制度" in told.body_text
    assert "销号日期:2026年11月9日,回头看到期:2027年5月9日" in told.body_text
    # Each reminder once: 2.2's on 2027-05-10, 1.1's on 2027-05-31 (first Monday after 05-25).
    assert _followup_notices(engine) == [
        ("office", "2027-05-10"),
        ("县科技局", "2027-05-10"),
        ("office", "2027-05-31"),
        ("县科技局", "2027-05-31"),
    ]

    with transaction(engine) as session:
        states = {f.task_id: (f.status, f.reminded_on) for f in session.exec(select(FollowUp))}
        task = lifecycle.get_task(session, t["1.1"])
        history = [
            (h.action, h.new_value)
            for h in task_history(session, t["1.1"])
            if h.field in ("status", "followup")
        ]
        totals = stats.totals(
            session, today=date(2027, 6, 30), inspection_id=report_round.inspection_id
        )
        summary = weekly_summary(session, as_of=date(2027, 6, 30), rules=Rules())
        report = rectification_report(
            session,
            report_round.inspection_id,
            actor=OFFICE,
            as_of=date(2027, 6, 30),
            rules=Rules(),
        )
    assert states == {
        t["2.2"]: (FollowUpStatus.confirmed, date(2027, 5, 10)),
        t["1.1"]: (FollowUpStatus.reopened, date(2027, 5, 31)),
    }
    assert task.status == TaskStatus.in_progress and task.closed_at is None
    assert history[-3:] == [("verify", "已销号"), ("followup_reopen", "反弹"), ("reopen", "整改中")]
    assert totals.rebounded == 1 and totals.closed == 1
    assert summary.overall.headline.endswith(";回头看发现反弹1项")
    assert "开展“回头看”发现反弹1项,已重新纳入整改。" in report.totals_sentence

    # Closed again later: a new 回头看 is scheduled six months on.
    with transaction(engine) as session:
        lifecycle.submit_for_closure(
            t["1.1"],
            summary="台账恢复按月更新",
            open_parts_reason="配合单位的部分由牵头单位统筹",
            no_evidence_reason="台账在系统中可查",
            session=session,
            actor=OFFICE,
            now=at(date(2027, 7, 1)),
            evidence_store=settings.evidence_dir,
        )
    with transaction(engine) as session:
        lifecycle.verify_closure(t["1.1"], session=session, actor=OFFICE, now=at(date(2027, 7, 2)))
    with transaction(engine) as session:
        views = followup.list_followups(session=session, actor=OFFICE, today=date(2027, 7, 2))
    assert [(v.code, v.status, v.due_on) for v in views] == [
        ("2.2", FollowUpStatus.confirmed, date(2027, 5, 9)),
        ("1.1", FollowUpStatus.reopened, date(2027, 5, 25)),
        ("1.1", FollowUpStatus.scheduled, date(2028, 1, 2)),
    ]


def test_the_round_default_and_a_task_override_move_pending_followups(
    engine: sa.Engine, report_round: ReportRound
) -> None:
    t = report_round.tasks
    with transaction(engine) as session:
        moved = followup.set_followup_months(
            months=3,
            inspection_id=report_round.inspection_id,
            session=session,
            actor=OFFICE,
            now=at(date(2026, 12, 1)),
        )
    assert moved == 2
    with transaction(engine) as session:
        followup.set_followup_months(
            months=12, task_id=t["1.1"], session=session, actor=OFFICE, now=at(date(2026, 12, 1))
        )
    with transaction(engine) as session:
        due = {f.task_id: f.due_on for f in session.exec(select(FollowUp))}
    assert due == {t["2.2"]: date(2027, 2, 9), t["1.1"]: date(2027, 11, 25)}
