"""The ledger services on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from ledger import lifecycle, registry
from ledger.actors import LOCAL_OPERATOR, Actor, resolve_actor
from ledger.errors import ForbiddenError, InvalidInputError, LifecycleError, NotFoundError
from ledger.history import task_history
from ledger.inputs import TaskCreate, UserCreate
from ledger.queries import TaskFilter, task_views
from ledger.uow import transaction
from models.enums import Light, Role, TaskKind, TaskStatus
from models.rules import Rules, light_of
from models.tables import Evidence, HistoryEntry, Task
from models.workdays import WorkCalendar
from tests.builders import NOW, OFFICE, build_sample_round

UNIT_USER = Actor(name="陈某", role=Role.unit, unit_id=None, unit_name="县科技局")


def unit_actor(engine: sa.Engine, name: str, unit: str) -> Actor:
    with transaction(engine) as s:
        registry.add_user(
            UserCreate(name=name, role=Role.unit, unit=unit), session=s, actor=OFFICE, now=NOW
        )
    with transaction(engine) as s:
        return resolve_actor(s, name)


def evidence_file(
    tmp_path: Path, name: str = "台账.pdf", content: bytes = b"%PDF-1.4 evidence"
) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_the_sample_round_registers_with_codes_units_and_deadlines(engine):
    sample = build_sample_round(engine)
    with transaction(engine) as s:
        views = task_views(
            s,
            today=date(2026, 11, 2),
            rules=Rules(),
            where=TaskFilter(inspection_id=sample.inspection_id),
            actor=OFFICE,
        )
    assert [v.code for v in views] == ["1.1", "1.2", "2.1", "2.2", "3.1", "4.1", "4.2"]
    assert views[0].co_units == ["财务股"] and views[5].co_units == ["县委组织部"]
    immediate = views[3]
    assert immediate.kind is TaskKind.immediate
    # 立行立改: due 5 working days after registration on Monday 2026-11-02.
    assert immediate.deadline == date(2026, 11, 9)
    assert views[4].light is Light.blue and views[4].deadline is None


def test_the_whole_lifecycle_writes_history_for_every_change(engine, tmp_path):
    sample = build_sample_round(engine)
    task_id = sample.task_ids[0]
    store = tmp_path / "evidence"
    worker = unit_actor(engine, "陈某", "县科技局")
    with transaction(engine) as s:
        lifecycle.report_progress(
            task_id,
            text="已建立拨付台账初稿",
            session=s,
            actor=worker,
            now=NOW,
            evidence_store=store,
        )
    with transaction(engine) as s:
        lifecycle.submit_for_closure(
            task_id,
            summary="台账已建立并逐项核查",
            open_parts_reason="配合单位的部分由牵头单位统筹",
            evidence=[evidence_file(tmp_path)],
            session=s,
            actor=worker,
            now=NOW + timedelta(days=1),
            evidence_store=store,
        )
    with transaction(engine) as s:
        lifecycle.return_for_rework(
            task_id, reason="缺少核查记录", session=s, actor=OFFICE, now=NOW + timedelta(days=2)
        )
    with transaction(engine) as s:
        lifecycle.submit_for_closure(
            task_id,
            summary="补充核查记录",
            open_parts_reason="配合单位的部分由牵头单位统筹",
            evidence=[evidence_file(tmp_path, "核查记录.pdf", b"more")],
            session=s,
            actor=worker,
            now=NOW + timedelta(days=3),
            evidence_store=store,
        )
    with transaction(engine) as s:
        lifecycle.verify_closure(task_id, session=s, actor=OFFICE, now=NOW + timedelta(days=4))
    with transaction(engine) as s:
        task = s.get(Task, task_id)
        history = task_history(s, task_id)
    assert task is not None and task.status == TaskStatus.closed and task.closed_at is not None
    statuses = [
        (h.actor, h.action, h.old_value, h.new_value) for h in history if h.field == "status"
    ]
    assert statuses == [
        ("陈某", "progress", "待整改", "整改中"),
        ("陈某", "submit", "整改中", "待销号"),
        ("整改办", "return", "待销号", "整改中"),
        ("陈某", "submit", "整改中", "待销号"),
        ("整改办", "verify", "待销号", "已销号"),
    ]
    returned = next(h for h in history if h.action == "return")
    assert returned.note == "缺少核查记录"


def test_the_same_evidence_file_twice_is_stored_once(engine, tmp_path):
    sample = build_sample_round(engine)
    store = tmp_path / "evidence"
    same = evidence_file(tmp_path)
    for task_id in sample.task_ids[:2]:
        with transaction(engine) as s:
            lifecycle.report_progress(
                task_id,
                text="进展",
                evidence=[same],
                session=s,
                actor=OFFICE,
                now=NOW,
                evidence_store=store,
            )
    with transaction(engine) as s:
        rows = list(s.exec(select(Evidence)))
    assert (
        len(rows) == 2
        and rows[0].sha256 == rows[1].sha256
        and rows[0].size == len(b"%PDF-1.4 evidence")
    )
    assert [p.name for p in store.rglob("*") if p.is_file()] == [rows[0].sha256]


def test_a_missing_evidence_file_refuses_the_request_and_writes_nothing(engine, tmp_path):
    sample = build_sample_round(engine)
    with pytest.raises(InvalidInputError, match="不存在"), transaction(engine) as s:
        lifecycle.submit_for_closure(
            sample.task_ids[0],
            summary="完成",
            open_parts_reason="配合单位的部分由牵头单位统筹",
            evidence=[tmp_path / "nope.pdf"],
            session=s,
            actor=OFFICE,
            now=NOW,
            evidence_store=tmp_path,
        )
    with transaction(engine) as s:
        task = s.get(Task, sample.task_ids[0])
        assert task is not None and task.status == TaskStatus.pending
        assert not [h for h in task_history(s, sample.task_ids[0]) if h.action == "submit"]


def test_a_unit_acts_only_on_tasks_where_it_is_lead_or_co_unit(engine, tmp_path):
    sample = build_sample_round(engine)
    co_worker = unit_actor(engine, "钱某", "县人社局")  # co-unit of task 2.1 only
    with transaction(engine) as s:
        lifecycle.report_progress(
            sample.task_ids[2],
            text="配合修订考核办法",
            session=s,
            actor=co_worker,
            now=NOW,
            evidence_store=tmp_path,
        )
    # Another unit's task is "not found" for this unit, as when it reads it.
    with pytest.raises(NotFoundError, match="县人社局"), transaction(engine) as s:
        lifecycle.report_progress(
            sample.task_ids[0],
            text="越权填报",
            session=s,
            actor=co_worker,
            now=NOW,
            evidence_store=tmp_path,
        )
    with pytest.raises(ForbiddenError, match="仅限整改办"), transaction(engine) as s:
        lifecycle.verify_closure(sample.task_ids[2], session=s, actor=co_worker, now=NOW)


def test_a_leader_reads_tasks_in_their_remit_and_changes_nothing(engine, tmp_path):
    sample = build_sample_round(engine)
    with transaction(engine) as s:
        registry.add_user(
            UserCreate(name="王副局长", role=Role.leader), session=s, actor=OFFICE, now=NOW
        )
    with transaction(engine) as s:
        leader = resolve_actor(s, "王副局长")
        mine = task_views(s, today=date(2026, 11, 2), rules=Rules(), actor=leader)
    assert [v.code for v in mine] == ["1.1", "1.2"]
    with pytest.raises(ForbiddenError, match="只能查看"), transaction(engine) as s:
        lifecycle.report_progress(
            sample.task_ids[0], text="x", session=s, actor=leader, now=NOW, evidence_store=tmp_path
        )


def test_once_users_exist_an_unknown_actor_is_refused(engine):
    with transaction(engine) as s:
        assert (
            resolve_actor(s, None).name == LOCAL_OPERATOR
        )  # fresh install: the operator is the office
        registry.add_user(
            UserCreate(name="周主任", role=Role.office), session=s, actor=OFFICE, now=NOW
        )
    with pytest.raises(NotFoundError, match="张三"), transaction(engine) as s:
        resolve_actor(s, "张三")
    with pytest.raises(ForbiddenError, match="须说明操作人") as refused, transaction(engine) as s:
        resolve_actor(s, None)
    assert refused.value.field == "actor"


def test_an_approved_extension_moves_the_deadline_and_keeps_the_original(engine):
    sample = build_sample_round(engine)
    task_id = sample.task_ids[0]
    with transaction(engine) as s:
        ext = lifecycle.request_extension(
            task_id,
            new_deadline=date(2027, 3, 31),
            reason="需跨年度核查",
            session=s,
            actor=OFFICE,
            now=NOW,
            today=date(2026, 12, 1),
        )
    with pytest.raises(LifecycleError, match="待审批"), transaction(engine) as s:
        lifecycle.request_extension(
            task_id,
            new_deadline=date(2027, 4, 30),
            reason="再延",
            session=s,
            actor=OFFICE,
            now=NOW,
            today=date(2026, 12, 1),
        )
    with transaction(engine) as s:
        lifecycle.decide_extension(
            ext.id, approve=True, reason="同意", session=s, actor=OFFICE, now=NOW
        )  # type: ignore[arg-type]
    with transaction(engine) as s:
        task = s.get(Task, task_id)
        assert (
            task is not None
            and task.deadline == date(2027, 3, 31)
            and task.original_deadline == date(2026, 12, 31)
        )
        changes = [
            (h.field, h.old_value, h.new_value)
            for h in task_history(s, task_id)
            if h.entity == "task" and h.field == "deadline"
        ]
    assert changes == [("deadline", "2026-12-31", "2027-03-31")]


def test_an_extension_after_the_deadline_is_refused(engine):
    sample = build_sample_round(engine)
    with pytest.raises(LifecycleError, match="已过"), transaction(engine) as s:
        lifecycle.request_extension(
            sample.task_ids[5],
            new_deadline=date(2027, 1, 31),
            reason="来不及",
            session=s,
            actor=OFFICE,
            now=NOW,
            today=date(2026, 12, 21),
        )


def test_a_deadline_before_the_feedback_date_is_refused(engine):
    sample = build_sample_round(engine)
    with transaction(engine) as s:
        problem_id = s.get(Task, sample.task_ids[0]).problem_id  # type: ignore[union-attr]
    with pytest.raises(InvalidInputError, match="早于反馈日期"), transaction(engine) as s:
        registry.add_task(
            TaskCreate(
                problem_id=problem_id,
                measure="补登",
                lead_unit="县科技局",
                deadline=date(2026, 9, 1),
            ),
            session=s,
            actor=OFFICE,
            now=NOW,
            today=date(2026, 11, 2),
            rules=Rules(),
            calendar=WorkCalendar(),
        )


def test_an_unknown_unit_is_refused_when_adding_a_task_by_hand(engine):
    sample = build_sample_round(engine)
    with transaction(engine) as s:
        problem_id = s.get(Task, sample.task_ids[0]).problem_id  # type: ignore[union-attr]
        before = s.exec(select(sa.func.count()).select_from(HistoryEntry)).one()
    with pytest.raises(NotFoundError, match="县水利局"), transaction(engine) as s:
        registry.add_task(
            TaskCreate(
                problem_id=problem_id,
                measure="补登",
                lead_unit="县水利局",
                deadline=date(2026, 12, 1),
            ),
            session=s,
            actor=OFFICE,
            now=NOW,
            today=date(2026, 11, 2),
            rules=Rules(),
            calendar=WorkCalendar(),
        )
    with transaction(engine) as s:
        assert s.exec(select(sa.func.count()).select_from(HistoryEntry)).one() == before


@pytest.mark.parametrize(
    "as_of", [date(2026, 11, 2), date(2026, 12, 15), date(2026, 12, 25), date(2027, 2, 1)]
)
def test_the_light_in_sql_agrees_with_the_rule_in_python(engine, as_of):
    build_sample_round(engine)
    with transaction(engine) as s:
        views = task_views(s, today=as_of, rules=Rules(), where=TaskFilter(), actor=OFFICE)
        for light in Light:
            filtered = task_views(
                s, today=as_of, rules=Rules(), where=TaskFilter(light=light), actor=OFFICE
            )
            assert {v.id for v in filtered} == {v.id for v in views if v.light is light}
    for v in views:
        assert v.light is light_of(
            kind=v.kind, status=v.status, deadline=v.deadline, today=as_of, rules=Rules()
        )


def test_foreign_keys_are_enforced(engine):
    with pytest.raises(sa.exc.IntegrityError), transaction(engine) as s:
        s.add(
            Task(
                inspection_id=999,
                problem_id=999,
                code="9.9",
                measure="x",
                lead_unit_id=999,
                kind=TaskKind.dated,
                created_at=datetime.now(UTC),
                updated_at=datetime.now(UTC),
            )
        )
