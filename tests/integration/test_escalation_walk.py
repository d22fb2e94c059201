"""Escalation to the 分管领导 after N ignored 催办 (rules.escalate_after_urges = 1), once per
task, delivered to a real loopback receiver.

Both tasks are due Fri 2026-10-09, leader 王副县长 (test_daily_check_walk's calendar: 催办 on
Sat 10/10 and 10/16, 督办 on 10/23, 催办 again on 10/30). 财务处 never reports: on 10/16, the
next 催办 due, it has ignored one, and the leader is told. 审计处 reports on 10/12, after the
first 催办: it has ignored none on 10/16, but the 催办 of 10/16 is unanswered when the 督办 is
due on 10/23, so the leader hears of it then. Neither is escalated again on 10/30.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from ledger import lifecycle, registry
from ledger.actors import resolve_actor
from ledger.inputs import UserCreate
from ledger.uow import transaction
from models.enums import Role
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

FINANCE, AUDIT = "建立项目资金台账", "完善项目验收制度"


def test_the_leader_hears_once_per_task_when_a_unit_ignored_the_urges(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    _, audit_task = build_ledger(
        engine,
        [
            TaskSpec(FINANCE, "财务处", date(2026, 10, 9), leader="王副县长"),
            TaskSpec(AUDIT, "审计处", date(2026, 10, 9), leader="王副县长"),
        ],
        registered=date(2026, 9, 1),
    )
    with transaction(engine) as s:
        registry.add_user(
            UserCreate(name="张伟", role=Role.unit, unit="审计处"),
            session=s,
            actor=OFFICE,
            now=at_nine(date(2026, 9, 1)),
        )
    with transaction(engine) as s:
        worker = resolve_actor(s, "张伟")
    config = write_apprise_config(tmp_path / "a.yml", {http_receiver.url("leader"): ["王副县长"]})
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    settings = replace(settings, rules=replace(settings.rules, escalate_after_urges=1))

    escalated: dict[date, list[str]] = {}
    day = date(2026, 10, 8)
    while day <= date(2026, 10, 30):
        if day == date(2026, 10, 12):
            with transaction(engine) as s:
                lifecycle.report_progress(
                    audit_task,
                    text="已完成验收制度初稿",
                    session=s,
                    actor=worker,
                    now=at_nine(day),
                    evidence_store=tmp_path / "evidence",
                )
        before = len(http_receiver.received())
        report = run_daily_check(engine, settings, as_of=day, now=at_nine(day) + timedelta(hours=1))
        for post in http_receiver.received()[before:]:
            if post.title.startswith("【提请督促】"):
                escalated[day] = [m for m in (FINANCE, AUDIT) if m in post.body]
                assert post.title == "【提请督促】1项整改任务经1次催办仍未报送进展"
                assert "王副县长:" in post.body and "请亲自过问" in post.body
                assert report.plan.escalated == 1
        day += timedelta(days=1)

    assert escalated == {date(2026, 10, 16): [FINANCE], date(2026, 10, 23): [AUDIT]}


def test_without_the_rule_no_leader_is_escalated_to(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    build_ledger(
        engine,
        [TaskSpec(FINANCE, "财务处", date(2026, 10, 9), leader="王副县长")],
        registered=date(2026, 9, 1),
    )
    settings = notify_settings(tmp_path, database_url)
    kinds: set[str] = set()
    for day in (date(2026, 10, 10), date(2026, 10, 16), date(2026, 10, 23)):
        report = run_daily_check(engine, settings, as_of=day, now=at_nine(day))
        kinds |= set(report.plan.by_level)
        assert report.plan.escalated == 0
    assert kinds == {"urge", "supervise"}
