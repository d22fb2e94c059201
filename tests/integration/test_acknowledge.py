"""签收: who may sign for a task, what signing records, and which units wait to sign after a
registration, an import or a change of the task's units (both backends)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger import registry
from ledger.acknowledge import acknowledge, unacknowledged_by_unit
from ledger.actors import resolve_actor
from ledger.corrections import TaskEdit, edit_task, withdraw_task
from ledger.dashboard import dashboard
from ledger.errors import ForbiddenError, LifecycleError, NotFoundError
from ledger.history import visible_history
from ledger.inputs import UserCreate
from ledger.lifecycle import report_progress, submit_for_closure, verify_closure
from ledger.task_detail import task_detail
from ledger.uow import transaction
from ledger.worklist import work_list
from models.enums import Role
from models.rules import Rules
from models.tables import Acknowledgement, Unit
from models.workdays import WorkCalendar
from tests.builders import NOW, OFFICE, build_sample_round
from tests.fixtures.ledger_io import LedgerSpec, write_csv
from tests.integration.test_import_ledger import ROUND, run_import

LATER = NOW + timedelta(hours=2)
TODAY = date(2026, 11, 2)
# name → unit: a user of the lead unit of 1.1, of its co-unit, of a unit not on it.
UNIT_USERS = {"陈某": "县科技局", "钱某": "财务股", "赵某": "局办公室"}


@pytest.fixture
def world(engine: sa.Engine) -> dict[str, int]:
    sample = build_sample_round(engine)
    with transaction(engine) as session:
        for name, unit in UNIT_USERS.items():
            registry.add_user(
                UserCreate(name=name, role=Role.unit, unit=unit),
                session=session,
                actor=OFFICE,
                now=NOW,
            )
        registry.add_user(
            UserCreate(name="周主任", role=Role.office), session=session, actor=OFFICE, now=NOW
        )
        registry.add_user(
            UserCreate(name="王副局长", role=Role.leader), session=session, actor=OFFICE, now=NOW
        )
    return sample.codes


def sign(engine: sa.Engine, task_id: int, name: str, *, now: datetime = LATER):  # type: ignore[no-untyped-def]
    with transaction(engine) as session:
        return acknowledge(task_id, session=session, actor=resolve_actor(session, name), now=now)


def states(engine: sa.Engine, task_id: int) -> dict[str, str | None]:
    """unit → who signed (None: not signed)."""
    with Session(engine) as s:
        rows = s.exec(
            select(Unit.name, Acknowledgement.acknowledged_by)
            .join(Unit, col(Unit.id) == Acknowledgement.unit_id)
            .where(Acknowledgement.task_id == task_id)
        ).all()
    return dict(rows)


def test_a_registered_task_waits_for_its_lead_unit_and_each_co_unit(engine, world):
    assert states(engine, world["1.1"]) == {"县科技局": None, "财务股": None}
    assert states(engine, world["1.2"]) == {"县科技局": None}


def test_the_lead_unit_signs_for_itself_and_history_says_签收(engine, world):
    result = sign(engine, world["1.1"], "陈某")
    assert not result.already and result.message == "县科技局已签收任务 1.1"
    assert states(engine, world["1.1"]) == {"县科技局": "陈某", "财务股": None}
    with transaction(engine) as session:
        history = visible_history(
            world["1.1"], session=session, actor=resolve_actor(session, "陈某")
        )
    signed = [h for h in history if h.action == "acknowledge"]
    assert [(h.actor, h.action_label, h.new, h.note) for h in signed] == [
        ("陈某", "签收", "县科技局", "县科技局签收")
    ]


def test_signing_again_changes_nothing_and_says_when_it_was_signed(engine, world):
    sign(engine, world["1.1"], "陈某")
    again = sign(engine, world["1.1"], "陈某", now=LATER + timedelta(days=1))
    assert again.already and again.acknowledged_by == "陈某"
    assert "已于2026年11月2日签收任务 1.1" in again.message and "无需重复签收" in again.message
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT count(*) FROM history WHERE action = 'acknowledge'")
        ).scalar_one()
    assert rows == 1


def test_a_co_unit_signs_for_its_own_unit_only(engine, world):
    sign(engine, world["1.1"], "钱某")
    assert states(engine, world["1.1"]) == {"县科技局": None, "财务股": "钱某"}


@pytest.mark.parametrize(
    ("name", "error", "words"),
    [
        ("赵某", NotFoundError, "不是任务 1.1 的牵头或配合单位"),
        ("周主任", ForbiddenError, "不能代责任单位签收"),
        ("王副局长", ForbiddenError, "只能查看,不能签收"),
    ],
)
def test_another_unit_the_office_and_a_leader_may_not_sign(engine, world, name, error, words):
    with pytest.raises(error, match=words):
        sign(engine, world["1.1"], name)
    assert states(engine, world["1.1"]) == {"县科技局": None, "财务股": None}


def test_a_withdrawn_or_closed_task_takes_no_signature(engine, world, tmp_path: Path):
    with transaction(engine) as session:
        withdraw_task(world["1.2"], reason="重复录入", session=session, actor=OFFICE, now=NOW)
        submit_for_closure(
            world["2.1"],
            summary="办法已修订",
            no_evidence_reason="文件已公开",
            open_parts_reason="配合单位的部分由牵头单位统筹",  # a co-unit's part may be open
            session=session,
            actor=OFFICE,
            now=NOW,
            evidence_store=tmp_path,
        )
        verify_closure(world["2.1"], session=session, actor=OFFICE, now=NOW)
    with pytest.raises(LifecycleError, match="已撤销"):
        sign(engine, world["1.2"], "陈某")
    with pytest.raises(LifecycleError, match="已销号,无需签收"):
        sign(engine, world["2.1"], "陈某")


def test_a_new_lead_unit_and_a_new_co_unit_wait_to_sign_and_a_unit_taken_off_does_not(
    engine, world
):
    sign(engine, world["1.1"], "陈某")
    with transaction(engine) as session:
        edit_task(
            world["1.1"],
            TaskEdit(lead_unit="局办公室", co_units=["县科技局", "县人社局"]),
            reason="分工调整",
            session=session,
            actor=OFFICE,
            now=LATER,
            rules=Rules(),
            calendar=WorkCalendar(),
        )
    # 县科技局 signed before and stays on the task; 财务股 left it.
    assert states(engine, world["1.1"]) == {"局办公室": None, "县科技局": "陈某", "县人社局": None}
    sign(engine, world["1.1"], "赵某")
    assert states(engine, world["1.1"])["局办公室"] == "赵某"
    with pytest.raises(NotFoundError):
        sign(engine, world["1.1"], "钱某")


def test_an_edit_that_leaves_the_units_alone_asks_nobody_to_sign_again(engine, world):
    sign(engine, world["1.2"], "陈某")
    with transaction(engine) as session:
        edit_task(
            world["1.2"],
            TaskEdit(person="李某"),
            reason="责任人调整",
            session=session,
            actor=OFFICE,
            now=LATER,
            rules=Rules(),
            calendar=WorkCalendar(),
        )
    assert states(engine, world["1.2"]) == {"县科技局": "陈某"}


def test_an_import_leaves_every_unit_of_a_new_task_to_sign_and_a_moved_task_its_new_unit(
    engine, tmp_path
):
    spec = LedgerSpec()
    first = run_import(engine, write_csv(tmp_path / "v1.csv", spec), round_fields=ROUND)
    with engine.connect() as conn:
        pending = conn.execute(
            sa.text("SELECT count(*) FROM acknowledgement WHERE acknowledged_at IS NULL")
        ).scalar_one()
        units_on_tasks = conn.execute(
            sa.text("SELECT (SELECT count(*) FROM task) + (SELECT count(*) FROM taskcounit)")
        ).scalar_one()
    assert pending == units_on_tasks == 10
    spec.rows[1][4] = "县财政局"  # 1.2 moves from 县科技局 to 县财政局
    run_import(engine, write_csv(tmp_path / "v2.csv", spec), inspection_id=first.inspection_id)
    with engine.connect() as conn:
        task_id = conn.execute(sa.text("SELECT id FROM task WHERE code = '1.2'")).scalar_one()
    assert states(engine, task_id) == {"县财政局": None}


def test_my_tasks_and_the_board_count_what_is_not_signed(engine, world):
    sign(engine, world["1.1"], "陈某")
    with transaction(engine) as session:
        unit = resolve_actor(session, "陈某")
        mine = work_list(session=session, actor=unit, today=TODAY, rules=Rules())
        detail = task_detail(world["1.1"], session=session, actor=unit, today=TODAY, rules=Rules())
        board = dashboard(session=session, actor=OFFICE, today=TODAY, rules=Rules())
        own = unacknowledged_by_unit(session, actor=unit)
    # 县科技局 leads 1.1, 1.2, 2.1 and 2.2 and has signed 1.1 only.
    assert mine.unacknowledged == {world[c] for c in ("1.2", "2.1", "2.2")}
    assert detail.acknowledged is False and detail.may_acknowledge is False
    assert [(a.unit, a.role, a.acknowledged) for a in detail.acknowledgements] == [
        ("县科技局", "lead", True),
        ("财务股", "co", False),
    ]
    assert [(u.unit, u.tasks) for u in board.unacknowledged] == [
        ("县科技局", 3),
        ("局办公室", 3),
        ("县人社局", 1),
        ("县委组织部", 1),
        ("财务股", 1),
    ]
    # A unit's board is its remit: the tasks it is on, every unit of them.
    assert {u.unit for u in own} == {"县科技局", "财务股", "县人社局"}


def test_the_office_reads_no_unsigned_badge_of_its_own(engine, world):
    with transaction(engine) as session:
        mine = work_list(session=session, actor=OFFICE, today=TODAY, rules=Rules())
        leader = resolve_actor(session, "王副局长")
        detail = task_detail(
            world["1.1"], session=session, actor=leader, today=TODAY, rules=Rules()
        )
    assert mine.unacknowledged == frozenset() and detail.may_acknowledge is False


def test_two_users_of_a_unit_signing_at_once_sign_once(engine, world):
    with transaction(engine) as session:
        registry.add_user(
            UserCreate(name="陈二", role=Role.unit, unit="县科技局"),
            session=session,
            actor=OFFICE,
            now=NOW,
        )
    first = sign(engine, world["2.2"], "陈某")
    second = sign(engine, world["2.2"], "陈二")
    assert (first.already, second.already, second.acknowledged_by) == (False, True, "陈某")


def test_the_actor_of_a_signature_is_recorded_with_its_channel(engine, world):
    with transaction(engine) as session:
        actor = resolve_actor(session, "陈某", channel="web")
        acknowledge(world["1.1"], session=session, actor=actor, now=LATER)
    with engine.connect() as conn:
        channel = conn.execute(
            sa.text("SELECT channel FROM history WHERE action = 'acknowledge'")
        ).scalar_one()
    assert channel == "web"


def _report(engine: sa.Engine, task_id: int, name: str, *, now: datetime = LATER) -> None:
    with transaction(engine) as session:
        report_progress(
            task_id,
            text="已完成排查",
            session=session,
            actor=resolve_actor(session, name),
            now=now,
            evidence_store=Path("/nonexistent-evidence-store"),
        )


def test_a_unit_that_reports_progress_without_signing_is_signed_at_that_moment(engine, world):
    # 财务股 (co-unit of 1.1) reports on its part before signing: signed then, in history.
    _report(engine, world["1.1"], "钱某")
    assert states(engine, world["1.1"]) == {"县科技局": None, "财务股": "钱某"}
    with Session(engine) as s:
        notes = [
            h.note
            for h in visible_history(world["1.1"], session=s, actor=OFFICE)
            if h.action == "acknowledge"
        ]
    assert notes == ["财务股填报进展,视同签收"]
    # Signed already: a later 签收 says so, a later report signs nothing again.
    assert sign(engine, world["1.1"], "钱某").already
    _report(engine, world["1.1"], "钱某", now=LATER + timedelta(hours=1))
    # The office's report on the task signs no unit; the lead unit's own report signs it.
    _report(engine, world["1.1"], "周主任")
    assert states(engine, world["1.1"])["县科技局"] is None
    _report(engine, world["1.1"], "陈某")
    assert states(engine, world["1.1"]) == {"县科技局": "陈某", "财务股": "钱某"}
    with Session(engine) as s:
        signed = [
            h.note
            for h in visible_history(world["1.1"], session=s, actor=OFFICE)
            if h.action == "acknowledge"
        ]
    assert signed == ["财务股填报进展,视同签收", "县科技局填报进展,视同签收"]


def test_asking_for_closure_without_signing_signs_the_lead_unit(engine, world):
    with transaction(engine) as session:
        submit_for_closure(
            world["1.2"],
            summary="已整改到位",
            no_evidence_reason="制度文件已公开",
            session=session,
            actor=resolve_actor(session, "陈某"),
            now=LATER,
            evidence_store=Path("/nonexistent-evidence-store"),
        )
    assert states(engine, world["1.2"]) == {"县科技局": "陈某"}
