"""With RECTIFY_BASE_URL set, the decision notices (退回, 销号, 延期, 交办, 调整) link each task
to its web page, in text, HTML and Markdown, as the reminders do; without it, no link."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from ledger import lifecycle
from ledger.actors import Actor
from ledger.decision_notices import Adjustment, announce_adjustments, task_facts
from ledger.inputs import TaskCreate
from ledger.registry import add_task
from ledger.uow import transaction
from models.enums import Role, TaskKind
from models.outbox import Notice
from models.rules import Rules
from models.tables import Task
from models.workdays import work_calendar
from notifications.drafts import compose_drafts
from tests.fixtures.notify import TaskSpec, at_nine, build_ledger, notify_settings

BASE = "https://zg.example.gov.cn/rectify"
OFFICE = Actor("整改办", Role.office)
DAY = date(2026, 11, 2)
KINDS = ("return", "verify", "extension", "assign", "adjust")


def _decide_everything(engine: sa.Engine, store: Path) -> dict[str, int]:
    """One task per kind of decision notice; returns kind → task id."""
    returned, verified, extended, adjusted = build_ledger(
        engine,
        [
            TaskSpec("建立资金拨付台账", "财务处", date(2026, 12, 31)),
            TaskSpec("修订项目管理办法", "财务处", date(2026, 12, 31)),
            TaskSpec("开展专项检查", "审计处", date(2026, 12, 31)),
            TaskSpec("完善验收程序", "审计处", date(2026, 12, 31)),
        ],
        registered=date(2026, 10, 15),
    )
    now = at_nine(DAY)
    with transaction(engine) as session:
        for task_id in (returned, verified):
            lifecycle.submit_for_closure(
                task_id,
                summary="已完成",
                no_evidence_reason="制度已公开",
                session=session,
                actor=OFFICE,
                now=now,
                evidence_store=store,
            )
        lifecycle.return_for_rework(
            returned, reason="佐证不足", session=session, actor=OFFICE, now=now
        )
        lifecycle.verify_closure(verified, note="核验属实", session=session, actor=OFFICE, now=now)
        extension = lifecycle.request_extension(
            extended,
            new_deadline=date(2027, 1, 31),
            reason="需跨年度核查",
            session=session,
            actor=OFFICE,
            now=now,
            today=DAY,
        )
        assert extension.id is not None
        lifecycle.decide_extension(
            extension.id, approve=True, reason="同意", session=session, actor=OFFICE, now=now
        )
        # 任务调整 is announced by a re-import that changes a task (ledger.importing.announce).
        task = session.get(Task, adjusted)
        assert task is not None
        announce_adjustments(
            session,
            [
                Adjustment(
                    task_facts(session, task),
                    [("deadline", task.deadline, date(2027, 2, 28))],
                    reason="方案调整",
                )
            ],
            now=now,
        )
        problem_id = session.get(Task, returned).problem_id  # type: ignore[union-attr]
        assigned = add_task(
            TaskCreate(
                problem_id=problem_id,
                measure="建立长效机制",
                lead_unit="审计处",
                kind=TaskKind.dated,
                deadline=date(2027, 3, 31),
            ),
            session=session,
            actor=OFFICE,
            now=now,
            today=DAY,
            rules=Rules(),
            calendar=work_calendar(None),
        )
        assert assigned.id is not None
    return {
        "return": returned,
        "verify": verified,
        "extension": extended,
        "adjust": adjusted,
        "assign": assigned.id,
    }


def _bodies(engine: sa.Engine) -> dict[str, list[Notice]]:
    found: dict[str, list[Notice]] = {}
    with transaction(engine) as session:
        # The ledger's registration (settled as sent before) is not what is checked here.
        made_today = select(Notice).where(
            Notice.kind.in_(KINDS),  # type: ignore[attr-defined]
            Notice.created_at >= at_nine(DAY),
        )
        for n in session.exec(made_today):
            session.expunge(n)
            found.setdefault(n.kind, []).append(n)
    return found


def test_each_decision_notice_links_its_task_to_its_page(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    tasks = _decide_everything(engine, tmp_path / "evidence")
    settings = dataclasses.replace(notify_settings(tmp_path, database_url), base_url=BASE)
    # The digests (交办, 调整) go out from the next day on: render everything due by then.
    assert compose_drafts(engine, settings, now=at_nine(DAY + timedelta(days=1))) == []
    notices = _bodies(engine)
    assert set(notices) == set(KINDS)
    for kind, listed in notices.items():
        with transaction(engine) as session:
            code = session.get(Task, tasks[kind]).code  # type: ignore[union-attr]
        url = f"{BASE}/tasks/{tasks[kind]}"
        for n in listed:
            assert n.status == "pending", (kind, n.last_error)
            assert f"   办理:{url}\n" in n.body_text, kind
            assert f'<a href="{url}">{code}</a>' in n.body_html, kind
            md_code = code.replace(".", "\\.")  # Markdown text escapes the code's dot
            assert f"[{md_code}]({url})" in n.body_md, kind


@pytest.mark.parametrize("base_url", [None, ""])
def test_without_a_base_url_decision_notices_carry_no_link(
    engine: sa.Engine, database_url: str, tmp_path: Path, base_url: str | None
) -> None:
    _decide_everything(engine, tmp_path / "evidence")
    settings = dataclasses.replace(notify_settings(tmp_path, database_url), base_url=base_url)
    compose_drafts(engine, settings, now=at_nine(DAY + timedelta(days=1)))
    notices = [n for listed in _bodies(engine).values() for n in listed]
    assert {n.kind for n in notices} == set(KINDS)
    for n in notices:
        assert n.body_text and "/tasks/" not in n.body_text + n.body_html + n.body_md
        assert "办理:" not in n.body_text
