"""单位考核's "per missed report" on a 报送周期: a hand-written October 2026 on 每周一,
across the National Day holiday, counted by hand.

The round (市委第二巡察组) reports 每周一. October 2026's weeks and their due days:
  week of Mon 5 Oct: 5-7 Oct are public holidays, so the report is due Thu 8 Oct
  week of Mon 12 Oct: due 12 Oct;  week of 19 Oct: due 19 Oct;  week of 26 Oct: due 26 Oct
(the week of Mon 28 Sep is due on 28 Sep, in September). A report is on time when the lead
unit makes it between the week's Monday and the due day; a missed one costs 1 point in the
period holding the due day. Every task is due 31 Dec (never overdue in October).

丙局 leads, registered Thu 24 Sep unless said:
  A (co-unit 丁局): 丙局 reports 8 Oct (on time: the due day moved to 8 Oct), 13 Oct (late
      for the week due 12 Oct: missed), 19 Oct (on time); in the week due 26 Oct only 丁局
      reports its part, which is not the lead unit's report: missed.          2 missed
  B: reports Fri 9 Oct (late for the week due 8 Oct: missed), 12 Oct (on time), submitted
      14 Oct and 销号 16 Oct: closed, it owes nothing after; closed before its deadline +1.
                                                                             1 missed
  C: registered Tue 20 Oct, never reports: owes only the week due 26 Oct.   1 missed
  D 长期坚持 on the same cadence, never reports: 8, 12, 19 and 26 Oct.     4 missed
      (The 长期坚持 silence rule would also count 24 Oct, 30 days after registration; on a
      cadence the cadence's reports are what is owed, so that miss is not counted twice.)
  → 100 - 2 - 1 - 1 - 4 + 1 = 93
戊局 leads E in a round on no cadence (不定期报送), never reports: nothing owed → 100.
丁局 leads nothing and is not ranked.

Counted on 26 Oct (the due day itself is not over): 8, 12 and 19 Oct only: A misses 12 Oct,
B misses 8 Oct, C nothing yet, D misses 8, 12, 19 Oct → 100 - 1 - 1 - 3 + 1 = 96.

The golden November ledger (tests/fixtures/scoring.py) has no cadence: its 91 / 101 stand.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
import sqlalchemy as sa

from ledger import lifecycle, registry
from ledger.actors import Actor, resolve_actor
from ledger.inputs import InspectionCreate, ProblemCreate, TaskCreate, UserCreate
from ledger.scoring import compute_board
from ledger.uow import transaction
from models.enums import Role, TaskKind
from models.scoring import parse_period
from tests.builders import OFFICE
from tests.fixtures.scoring import _NOWHERE, CALENDAR, RULES, SCORING, TZ


def at(month: int, day: int) -> datetime:
    return datetime.combine(date(2026, month, day), time(9, 0), TZ)


@pytest.fixture
def cadence_ledger(engine: sa.Engine) -> dict[str, int]:
    """The tasks by the names the docstring counts them under."""
    ids: dict[str, int] = {}

    def task(s, name, problem_id, unit, *, kind=TaskKind.dated, co=(), when=at(9, 24)):  # type: ignore[no-untyped-def]
        t = registry.add_task(
            TaskCreate(
                problem_id=problem_id,
                measure=f"{unit}的整改措施",
                lead_unit=unit,
                co_units=list(co),
                kind=kind,
                deadline=None if kind is TaskKind.ongoing else date(2026, 12, 31),
            ),
            session=s,
            actor=OFFICE,
            now=when,
            today=when.date(),
            rules=RULES,
            calendar=CALENDAR,
            create_units=True,
        )
        assert t.id is not None
        ids[name] = t.id

    with transaction(engine) as s:
        weekly = _round(s, "市委第二巡察组", "每周一")
        plain = _round(s, "市委第三巡察组", None)
        task(s, "A", weekly, "丙局", co=("丁局",))
        task(s, "B", weekly, "丙局")
        task(s, "D", weekly, "丙局", kind=TaskKind.ongoing)
        task(s, "E", plain, "戊局")
        for name, unit in (("丙局王某", "丙局"), ("丁局赵某", "丁局")):
            registry.add_user(
                UserCreate(name=name, role=Role.unit, unit=unit),
                session=s,
                actor=OFFICE,
                now=at(9, 24),
            )
    with transaction(engine) as s:
        task(s, "C", weekly, "丙局", when=at(10, 20))
    bing, ding = _as(engine, "丙局王某"), _as(engine, "丁局赵某")
    steps = [  # (day, what) in the order they happened
        (at(10, 8), lambda s, now: _report(s, ids["A"], bing, now)),
        (at(10, 9), lambda s, now: _report(s, ids["B"], bing, now)),
        (at(10, 12), lambda s, now: _report(s, ids["B"], bing, now)),
        (at(10, 13), lambda s, now: _report(s, ids["A"], bing, now)),
        (at(10, 14), lambda s, now: _submit(s, ids["B"], bing, now)),
        (
            at(10, 16),
            lambda s, now: lifecycle.verify_closure(ids["B"], session=s, actor=OFFICE, now=now),
        ),
        (at(10, 19), lambda s, now: _report(s, ids["A"], bing, now)),
        (at(10, 26), lambda s, now: _report(s, ids["A"], ding, now)),
    ]
    for now, step in steps:
        with transaction(engine) as s:
            step(s, now)
    return ids


def _round(s, body: str, cadence: str | None) -> int:  # type: ignore[no-untyped-def]
    rnd = registry.add_inspection(
        InspectionCreate(
            body=body, subject="营商环境", feedback_date=date(2026, 9, 20), report_cadence=cadence
        ),
        session=s,
        actor=OFFICE,
        now=at(9, 24),
    )
    assert rnd.id is not None
    p = registry.add_problem(
        ProblemCreate(inspection_id=rnd.id, description="问题一"),
        session=s,
        actor=OFFICE,
        now=at(9, 24),
    )
    assert p.id is not None
    return p.id


def _as(engine: sa.Engine, name: str) -> Actor:
    with transaction(engine) as s:
        return resolve_actor(s, name)


def _report(s, task_id, actor, now):  # type: ignore[no-untyped-def]
    lifecycle.report_progress(
        task_id, text="本周推进情况", session=s, actor=actor, now=now, evidence_store=_NOWHERE
    )


def _submit(s, task_id, actor, now):  # type: ignore[no-untyped-def]
    lifecycle.submit_for_closure(
        task_id,
        summary="已整改到位",
        no_evidence_reason="制度文件已公开",
        session=s,
        actor=actor,
        now=now,
        evidence_store=_NOWHERE,
    )


def _board(engine: sa.Engine, today: date, detail: int | None = None):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return compute_board(
            s,
            parse_period("2026-10"),
            today=today,
            scoring=SCORING,
            rules=RULES,
            calendar=CALENDAR,
            detail=detail,
        )


def test_each_week_whose_due_day_passed_without_the_lead_units_report_costs_a_point(
    engine: sa.Engine, cadence_ledger: dict[str, int]
) -> None:
    board = _board(engine, date(2026, 11, 2))
    assert [(u.rank, u.unit, u.score) for u in board.units] == [
        (1, "戊局", 100.0),
        (2, "丙局", 93.0),
    ]
    bing = board.units[1]
    names = {v: k for k, v in cadence_ledger.items()}
    missed = sorted((names[i.task_id], i.what) for i in bing.items if i.cause == "missed_report")
    assert missed == [
        ("A", "未按每周一报送进展(2026年第42周,应于2026年10月12日前报送)"),
        ("A", "未按每周一报送进展(2026年第44周,应于2026年10月26日前报送)"),
        ("B", "未按每周一报送进展(2026年第41周,应于2026年10月8日前报送)"),
        ("C", "未按每周一报送进展(2026年第44周,应于2026年10月26日前报送)"),
        ("D", "未按每周一报送进展(2026年第41周,应于2026年10月8日前报送)"),
        ("D", "未按每周一报送进展(2026年第42周,应于2026年10月12日前报送)"),
        ("D", "未按每周一报送进展(2026年第43周,应于2026年10月19日前报送)"),
        ("D", "未按每周一报送进展(2026年第44周,应于2026年10月26日前报送)"),
    ]
    assert [(names[i.task_id], i.cause) for i in bing.items if i.points > 0] == [
        ("B", "early_close")
    ]
    # The office board's ranking (aggregated in SQL) reads the same.
    ranked = _board(engine, date(2026, 11, 2), detail=1)
    assert [(u.unit, u.score, u.items_total) for u in ranked.units] == [
        (u.unit, u.score, u.items_total) for u in board.units
    ]


def test_on_the_due_day_itself_that_weeks_report_is_not_missed_yet(
    engine: sa.Engine, cadence_ledger: dict[str, int]
) -> None:
    for detail in (None, 1):
        board = _board(engine, date(2026, 10, 26), detail)
        assert [(u.unit, u.score) for u in board.units] == [("戊局", 100.0), ("丙局", 96.0)]
