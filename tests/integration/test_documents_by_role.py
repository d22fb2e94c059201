"""Who may have which document, decided in ledger/: every document × every kind of actor.

The round-wide documents (整改情况报告, 整改周报, the ledger export, the 整改档案) speak for
every unit, so they are the office's: anyone else is refused (ForbiddenError). The documents
of one task (its 督办通知单, its 销号审批表) are for whoever may read the task; for anyone
else the task does not exist (NotFoundError), as in its detail and on the web.

The sample round's task 1.1 is led by 县科技局 with 财务股 as co-unit and 王副局长 as its
leader; 李局长 leads problems 2-4 and not 1; 县审计局 has no task at all.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger import registry
from ledger.actors import Actor, resolve_actor
from ledger.archive import build_archive
from ledger.documents.closure import closure_form
from ledger.documents.report_data import rectification_report
from ledger.documents.supervision import latest_order_id, supervision_order_data
from ledger.documents.weekly import weekly_report_data
from ledger.errors import ForbiddenError, NotFoundError
from ledger.exporting import export_ledger
from ledger.inputs import UserCreate
from ledger.uow import transaction
from models.enums import Role
from models.outbox import SupervisionOrder
from models.rules import Rules
from models.workdays import WorkCalendar
from tests.builders import NOW, OFFICE, SampleRound, build_sample_round

TODAY = date(2026, 12, 28)
USERS = [
    ("周主任", Role.office, None),
    ("陈某", Role.unit, "县科技局"),  # lead unit of 1.1
    ("孙某", Role.unit, "财务股"),  # co-unit of 1.1
    ("吴某", Role.unit, "县审计局"),  # another unit, no task
    ("王副局长", Role.leader, None),  # leader of 1.1
    ("李局长", Role.leader, None),  # leader of problems 2-4, not of 1.1
]
ROLES = [name for name, _, _ in USERS]
READS_TASK_1_1 = {"周主任", "陈某", "孙某", "王副局长"}


@pytest.fixture
def ledger(engine: sa.Engine) -> tuple[SampleRound, int]:
    """The sample round, its users, and a 督办通知单 issued on task 1.1."""
    sample = build_sample_round(engine)
    with transaction(engine) as s:
        registry.add_unit("县审计局", session=s, actor=OFFICE, now=NOW)
        for name, role, unit in USERS:
            registry.add_user(
                UserCreate(name=name, role=role, unit=unit), session=s, actor=OFFICE, now=NOW
            )
        order = SupervisionOrder(
            year=2026,
            number=9,
            task_id=sample.codes["1.1"],
            issued_on=date(2026, 12, 21),
            deadline=date(2026, 12, 1),
            days_overdue=14,
            reply_due=date(2026, 12, 24),
        )
        s.add(order)
        s.flush()
        assert order.id is not None
        return sample, order.id


def _as(engine: sa.Engine, name: str) -> Actor:
    with transaction(engine) as s:
        return resolve_actor(s, name)


@pytest.mark.parametrize("name", ROLES)
def test_round_documents_are_the_offices_and_refused_to_everyone_else(
    engine: sa.Engine, ledger: tuple[SampleRound, int], name: str, tmp_path: Path
) -> None:
    sample, _ = ledger
    actor = _as(engine, name)
    round_id = sample.inspection_id

    def report() -> object:
        with transaction(engine) as s:
            return rectification_report(s, round_id, actor=actor, as_of=TODAY, rules=Rules())

    def weekly() -> object:
        with transaction(engine) as s:
            return weekly_report_data(
                s, actor=actor, as_of=TODAY, rules=Rules(), calendar=WorkCalendar(), now=NOW
            )

    def export() -> object:
        with transaction(engine) as s:
            return export_ledger(
                tmp_path / f"{name}.xlsx", session=s, actor=actor, today=TODAY, rules=Rules()
            )

    def archive() -> object:
        with transaction(engine) as s:
            return build_archive(
                round_id,
                tmp_path / f"{name}.zip",
                session=s,
                actor=actor,
                as_of=TODAY,
                rules=Rules(),
                evidence_store=tmp_path / "evidence",
            )

    for make in (report, weekly, export, archive):
        if name == "周主任":
            assert make() is not None
        else:
            with pytest.raises(ForbiddenError, match="仅限整改办"):
                make()
    written = {p.name for p in tmp_path.iterdir() if p.suffix in (".xlsx", ".zip")}
    assert written == ({f"{name}.xlsx", f"{name}.zip"} if name == "周主任" else set())


@pytest.mark.parametrize("name", ROLES)
def test_a_tasks_documents_are_for_the_readers_of_the_task_and_absent_for_others(
    engine: sa.Engine, ledger: tuple[SampleRound, int], name: str
) -> None:
    sample, order_id = ledger
    actor = _as(engine, name)
    task_id = sample.codes["1.1"]
    with transaction(engine) as s:
        if name in READS_TASK_1_1:
            assert latest_order_id(s, task_id, actor=actor) == order_id
            order = supervision_order_data(s, order_id, actor=actor)
            assert (order.label, order.lead_unit) == ("督办〔2026〕9号", "县科技局")
            assert closure_form(s, task_id, actor=actor).code == "1.1"
            return
        with pytest.raises(NotFoundError, match=f"任务 {task_id} 不存在,或不在您的查看范围内"):
            latest_order_id(s, task_id, actor=actor)
        with pytest.raises(NotFoundError, match=f"编号 {order_id} 不存在,或不在您的查看范围内"):
            supervision_order_data(s, order_id, actor=actor)
        with pytest.raises(NotFoundError, match="不在您的查看范围内"):
            closure_form(s, task_id, actor=actor)


def test_an_order_outside_the_remit_reads_like_an_order_that_does_not_exist(
    engine: sa.Engine, ledger: tuple[SampleRound, int]
) -> None:
    _, order_id = ledger
    stranger = _as(engine, "吴某")
    with transaction(engine) as s:
        with pytest.raises(NotFoundError) as outside:
            supervision_order_data(s, order_id, actor=stranger)
        with pytest.raises(NotFoundError) as missing:
            supervision_order_data(s, order_id + 100, actor=stranger)
    assert str(outside.value).replace(str(order_id), "N") == str(missing.value).replace(
        str(order_id + 100), "N"
    )


def test_an_unknown_user_gets_no_document(
    engine: sa.Engine, ledger: tuple[SampleRound, int]
) -> None:
    with pytest.raises(NotFoundError, match="操作人“路人甲”未登记"):
        _as(engine, "路人甲")
