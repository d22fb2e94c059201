"""Builds small ledgers through the real services, for tests of every area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa

from ledger import registry
from ledger.actors import Actor
from ledger.inputs import InspectionCreate, ProblemCreate, TaskCreate
from ledger.uow import transaction
from models.enums import Role, TaskKind
from models.rules import Rules
from models.workdays import WorkCalendar

OFFICE = Actor(name="整改办", role=Role.office)
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

# The sample ledger's content (../shared/samples/ledger-sample.csv), as rows of
# (problem, measure, leader, lead unit, co-units, person, kind, deadline).
SAMPLE_ROWS = [
    (
        "科技项目资金管理不规范,部分项目资金拨付滞后",
        "建立科技项目资金拨付台账,逐项核查拨付进度",
        "王副局长",
        "县科技局",
        ["财务股"],
        "陈某",
        TaskKind.dated,
        date(2026, 12, 31),
    ),
    (
        "科技项目资金管理不规范,部分项目资金拨付滞后",
        "对滞后项目逐一约谈承担单位,限期拨付到位",
        "王副局长",
        "县科技局",
        [],
        "陈某",
        TaskKind.dated,
        date(2027, 1, 15),
    ),
    (
        "科技特派员服务基层流于形式",
        "修订科技特派员考核办法,把服务实绩作为考核主要依据",
        "李局长",
        "县科技局",
        ["县人社局"],
        "刘某",
        TaskKind.dated,
        date(2027, 3, 31),
    ),
    (
        "科技特派员服务基层流于形式",
        "建立科技特派员服务日志制度",
        "李局长",
        "县科技局",
        [],
        "刘某",
        TaskKind.immediate,
        None,
    ),
    (
        "意识形态工作责任制落实不到位",
        "每季度专题研究意识形态工作",
        "李局长",
        "局办公室",
        [],
        "赵某",
        TaskKind.ongoing,
        None,
    ),
    (
        "选人用人程序不规范",
        "对2024年以来干部选拔任用情况开展自查",
        "李局长",
        "局办公室",
        ["县委组织部"],
        "赵某",
        TaskKind.dated,
        date(2026, 12, 20),
    ),
    (
        "选人用人程序不规范",
        "完善干部选拔任用全程纪实制度",
        "李局长",
        "局办公室",
        [],
        "赵某",
        TaskKind.dated,
        date(2027, 2, 28),
    ),
]


@dataclass
class SampleRound:
    inspection_id: int
    task_ids: list[int]
    codes: dict[str, int]  # code → task id


def build_sample_round(
    engine: sa.Engine,
    *,
    feedback_date: date = date(2026, 10, 15),
    today: date = date(2026, 11, 2),
    now: datetime = NOW,
) -> SampleRound:
    """The sample ledger registered through the services, in one transaction."""
    with transaction(engine) as session:
        inspection = registry.add_inspection(
            InspectionCreate(
                body="省委第八巡视组",
                subject="科技工作",
                inspected_org="县科技局",
                feedback_date=feedback_date,
                plan_doc_no="县科发〔2026〕12号",
            ),
            session=session,
            actor=OFFICE,
            now=now,
        )
        assert inspection.id is not None
        problems: dict[str, int] = {}
        task_ids = []
        codes: dict[str, int] = {}
        for problem_text, measure, leader, lead, co, person, kind, deadline in SAMPLE_ROWS:
            if problem_text not in problems:
                p = registry.add_problem(
                    ProblemCreate(inspection_id=inspection.id, description=problem_text),
                    session=session,
                    actor=OFFICE,
                    now=now,
                )
                assert p.id is not None
                problems[problem_text] = p.id
            task = registry.add_task(
                TaskCreate(
                    problem_id=problems[problem_text],
                    measure=measure,
                    lead_unit=lead,
                    co_units=co,
                    leader=leader,
                    person=person,
                    kind=kind,
                    deadline=deadline,
                ),
                session=session,
                actor=OFFICE,
                now=now,
                today=today,
                rules=Rules(),
                calendar=WorkCalendar(),
                create_units=True,
            )
            assert task.id is not None
            task_ids.append(task.id)
            codes[task.code] = task.id
        return SampleRound(inspection.id, task_ids, codes)


def settle_decision_notices(engine: sa.Engine) -> int:
    """Counts the decision notices written so far (新任务交办 of the registration, 销号 ...)
    as delivered when they were written.

    Building a ledger through the services writes those notices (ledger.decision_notices);
    the tests of the reminder ladder and the weekly summary are about what follows, so they
    start with the units already told. tests/e2e/test_decision_notices.py delivers them for
    real. Returns the notices settled."""
    from models.outbox import Notice

    table = Notice.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        return conn.execute(
            sa.update(table)
            .where(table.c.status == "draft")
            .values(status="sent", sent_at=table.c.created_at, attempts=1)
        ).rowcount


def settle_acknowledgements(engine: sa.Engine, *, at: datetime) -> int:
    """Signs (签收) every task for every unit waiting to sign, at `at`, as 测试已签收.

    The tests of the reminder ladder are about deadlines: like the decision notices above,
    they start with the 签收 done, so a 签收提醒 (tests/integration/test_acknowledge_walk.py
    walks those) is not mixed into the ladder's notices. Returns the rows signed."""
    from models.tables import Acknowledgement

    table = Acknowledgement.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        return conn.execute(
            sa.update(table)
            .where(table.c.acknowledged_at.is_(None))
            .values(acknowledged_at=at, acknowledged_by="测试已签收")
        ).rowcount
