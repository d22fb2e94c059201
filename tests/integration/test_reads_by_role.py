"""Who reads what, decided in ledger/: every read service × every kind of actor.

The sample round's task 1.1 is led by 县科技局 with 财务股 as co-unit and 王副局长 as its
leader; 李局长 leads problems 2-4 and not 1; 县审计局 has no task at all.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from ledger import lifecycle, registry
from ledger.actors import Actor, resolve_actor
from ledger.directory import list_inspections, list_problems, list_units, list_users
from ledger.errors import ForbiddenError, NotFoundError
from ledger.extensions import list_extensions
from ledger.history import visible_history
from ledger.inputs import UserCreate
from ledger.task_detail import task_detail
from ledger.uow import transaction
from models.enums import ExtensionStatus, Role
from models.rules import Rules
from tests.builders import NOW, OFFICE, SampleRound, build_sample_round

TODAY = date(2026, 11, 2)
USERS = [
    ("周主任", Role.office, None),
    ("陈某", Role.unit, "县科技局"),  # lead unit of 1.1
    ("孙某", Role.unit, "财务股"),  # co-unit of 1.1
    ("吴某", Role.unit, "县审计局"),  # another unit, no task
    ("王副局长", Role.leader, None),  # leader of 1.1
    ("李局长", Role.leader, None),  # leader of problems 2-4, not of 1.1
]
ROLES = ["周主任", "陈某", "孙某", "吴某", "王副局长", "李局长"]


@pytest.fixture
def ledger(engine: sa.Engine) -> SampleRound:
    sample = build_sample_round(engine)
    with transaction(engine) as s:
        registry.add_unit("县审计局", session=s, actor=OFFICE, now=NOW)
        for name, role, unit in USERS:
            registry.add_user(
                UserCreate(name=name, role=role, unit=unit), session=s, actor=OFFICE, now=NOW
            )
    with transaction(engine) as s:
        chen = resolve_actor(s, "陈某")
        for code, to in (("1.1", date(2027, 1, 31)), ("2.1", date(2027, 4, 30))):
            lifecycle.request_extension(
                sample.codes[code],
                new_deadline=to,
                reason="需跨年度核查",
                session=s,
                actor=chen,
                now=NOW,
                today=TODAY,
            )
    return sample


def _as(engine: sa.Engine, name: str) -> Actor:
    with transaction(engine) as s:
        return resolve_actor(s, name)


SEES_TASK_1_1 = {
    "周主任": True,
    "陈某": True,
    "孙某": True,
    "吴某": False,
    "王副局长": True,
    "李局长": False,
}


@pytest.mark.parametrize("name", ROLES)
def test_task_detail_and_history_are_read_only_within_the_remit(
    engine: sa.Engine, ledger: SampleRound, name: str
) -> None:
    actor = _as(engine, name)
    task_id = ledger.codes["1.1"]
    with transaction(engine) as s:
        if SEES_TASK_1_1[name]:
            detail = task_detail(task_id, session=s, actor=actor, today=TODAY, rules=Rules())
            history = visible_history(task_id, session=s, actor=actor)
            assert detail.view.code == "1.1" and detail.view.co_units == ["财务股"]
            assert [h.action_label for h in history] == ["登记", "申请延期"]
            assert history[1].field_label == "整改时限" and history[1].new == "2027-01-31"
        else:
            with pytest.raises(NotFoundError) as hidden:
                task_detail(task_id, session=s, actor=actor, today=TODAY, rules=Rules())
            with pytest.raises(NotFoundError):
                visible_history(task_id, session=s, actor=actor)
            # Outside the remit reads exactly like a task that does not exist.
            with pytest.raises(NotFoundError) as missing:
                task_detail(9999, session=s, actor=actor, today=TODAY, rules=Rules())
            assert hidden.value.message == missing.value.message.replace("9999", str(task_id))
            assert hidden.value.field == "task_id"


PROBLEMS = {
    "周主任": [1, 2, 3, 4],
    "陈某": [1, 2],
    "孙某": [1],
    "吴某": [],
    "王副局长": [1],
    "李局长": [2, 3, 4],
}


@pytest.mark.parametrize("name", ROLES)
def test_rounds_and_problems_are_those_holding_a_task_in_the_remit(
    engine: sa.Engine, ledger: SampleRound, name: str
) -> None:
    actor = _as(engine, name)
    with transaction(engine) as s:
        rounds = list_inspections(session=s, actor=actor)
        problems = list_problems(session=s, actor=actor, inspection_id=ledger.inspection_id)
    assert [p.seq for p in problems] == PROBLEMS[name]
    assert [r.id for r in rounds] == ([ledger.inspection_id] if PROBLEMS[name] else [])


@pytest.mark.parametrize("name", ROLES)
def test_every_actor_reads_the_units_and_only_the_office_the_users(
    engine: sa.Engine, ledger: SampleRound, name: str
) -> None:
    actor = _as(engine, name)
    with transaction(engine) as s:
        units = list_units(session=s, actor=actor)
        assert "县审计局" in [u.name for u in units] and len(units) == 6
        if actor.is_office:
            users = list_users(session=s, actor=actor)
            assert [(u.name, u.role_label, u.unit) for u in users][:2] == [
                ("周主任", "整改办", None),
                ("陈某", "责任单位", "县科技局"),
            ]
            assert all("password" not in u.model_dump() for u in users)
        else:
            with pytest.raises(ForbiddenError, match="无权查看用户名单"):
                list_users(session=s, actor=actor)


EXTENSIONS = {
    "周主任": ["1.1", "2.1"],
    "陈某": ["1.1", "2.1"],
    "孙某": ["1.1"],
    "吴某": [],
    "王副局长": ["1.1"],
    "李局长": ["2.1"],
}


@pytest.mark.parametrize("name", ROLES)
def test_extensions_are_listed_within_the_remit(
    engine: sa.Engine, ledger: SampleRound, name: str
) -> None:
    actor = _as(engine, name)
    with transaction(engine) as s:
        pending = list_extensions(session=s, actor=actor, status=ExtensionStatus.pending)
        decided = list_extensions(session=s, actor=actor, status=ExtensionStatus.approved)
    assert [x.task_code for x in pending] == EXTENSIONS[name]
    assert all(x.status_label == "待审批" and x.requested_by == "陈某" for x in pending)
    assert decided == []


def test_an_unknown_user_reads_nothing(engine: sa.Engine, ledger: SampleRound) -> None:
    with pytest.raises(NotFoundError) as unknown, transaction(engine) as s:
        resolve_actor(s, "张三")
    assert unknown.value.field == "actor" and "“张三”未登记" in unknown.value.message
