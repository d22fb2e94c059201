"""The board's counts agree with ledger.stats, and stay inside the actor's remit."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ledger import lifecycle, stats
from ledger.actors import Actor
from ledger.context import TZ
from ledger.dashboard import dashboard
from ledger.uow import transaction
from models.enums import Role
from models.rules import Rules
from models.tables import Task
from tests.builders import OFFICE, build_sample_round

TODAY = date(2026, 12, 25)
RED_LIST = [("2.2", 46), ("4.1", 5)]
# Both have one red task and 0.00%: the tie goes to the unit registered first.
WORST_UNIT = [("县科技局", 1)]


def test_the_office_board_agrees_with_the_ledger_totals(engine, tmp_path):
    sample = build_sample_round(engine)
    task_id = sample.codes["1.2"]
    with transaction(engine) as session:
        lead = session.get(Task, task_id).lead_unit_id
        lifecycle.submit_for_closure(
            task_id,
            summary="已完成",
            no_evidence_reason="无需佐证",
            session=session,
            actor=Actor(name="陈某", role=Role.unit, unit_id=lead),
            now=datetime(2026, 12, 24, 9, tzinfo=TZ),
            evidence_store=tmp_path / "evidence",
        )
        lifecycle.verify_closure(
            task_id, session=session, actor=OFFICE, now=datetime(2026, 12, 24, 10, tzinfo=TZ)
        )
    with transaction(engine) as session:
        board = dashboard(session=session, actor=OFFICE, today=TODAY, rules=Rules())
        total = stats.totals(session, today=TODAY)
        change = stats.change_between(session, since=TODAY - timedelta(days=7), until=TODAY)
        by_unit = stats.totals_by_lead_unit(session, today=TODAY)
    o = board.overall
    assert (o.tasks, o.closed, o.completion_text) == (total.tasks, total.closed, "14.29%")
    assert o.red == total.overdue == 2
    assert (o.newly_closed, o.newly_overdue) == (change.newly_closed, change.newly_overdue)
    assert {u.label: (u.tasks, u.closed) for u in board.units} == {
        name: (t.tasks, t.closed) for name, t in by_unit.items()
    }
    # Longest overdue first.
    assert [(r.code, r.days_overdue) for r in board.red_list] == RED_LIST


def test_a_leader_board_holds_only_their_remit_and_units_are_cut_worst_first(engine):
    build_sample_round(engine)
    leader = Actor(name="李局长", role=Role.leader)
    with transaction(engine) as session:
        board = dashboard(session=session, actor=leader, today=TODAY, rules=Rules())
        cut = dashboard(session=session, actor=OFFICE, today=TODAY, rules=Rules(), unit_limit=1)
    assert board.read_only and board.overall.tasks == 5
    assert {u.label for u in board.units} == {"县科技局", "局办公室"}
    assert [(u.label, u.red) for u in cut.units] == WORST_UNIT
    assert cut.unit_total == 2 and cut.units_truncated


def test_a_withdrawn_task_leaves_the_board_and_its_red_list(engine):
    from ledger.corrections import withdraw_task

    sample = build_sample_round(engine)
    with transaction(engine) as session:
        withdraw_task(
            sample.codes["4.1"],
            reason="录入错误",
            session=session,
            actor=OFFICE,
            now=datetime(2026, 12, 24, 9, tzinfo=TZ),
        )
    with transaction(engine) as session:
        board = dashboard(session=session, actor=OFFICE, today=TODAY, rules=Rules())
        total = stats.totals(session, today=TODAY)
    assert board.overall.tasks == total.tasks == 6
    assert [r.code for r in board.red_list] == ["2.2"]
