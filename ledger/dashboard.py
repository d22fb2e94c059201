"""挂图作战: the office's (or a leader's) board of the ledger, per round and per lead unit.

One grouped query over (round, lead unit) gives every count on the board; rounds, units and
the overall line are sums of its rows, so they always agree. Only tasks that count are on
it (ledger.queries.live_tasks: nothing withdrawn). What an actor sees is their remit
(ledger.actors.remit_clause): the office everything, a leader the tasks they lead or their
unit's, a unit its own tasks. The light is the one of ledger.queries.light_case, and
the week's change uses the conditions of ledger.stats.change_between, within the remit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.actors import Actor, remit_clause
from ledger.errors import NotFoundError
from ledger.queries import light_case, live_tasks
from ledger.scoring import ScoreBoard, unit_scores
from ledger.stats import percent_text
from ledger.wording import cn_date
from models.enums import Light, Role, TaskKind, TaskStatus
from models.rules import Rules
from models.scoring import Calendar, ScoringRules
from models.tables import Inspection, Task, Unit

TZ = ZoneInfo("Asia/Shanghai")

# A board lists every round, but 2,000 units would bury the ones that need attention: the
# units are ordered worst first (most red, then lowest 完成率) and cut at this many.
UNIT_LIMIT = 100
RED_LIMIT = 50


@dataclass(frozen=True)
class Tally:
    """应整改 / 已销号 / 完成率 / 红灯 / 黄灯 of one line of the board."""

    key: int
    label: str
    tasks: int  # 应整改
    closed: int  # 已销号
    red: int
    yellow: int
    newly_closed: int = 0  # in (since, as_of]
    newly_overdue: int = 0

    @property
    def completion_rate(self) -> float:
        return 100.0 * self.closed / self.tasks if self.tasks else 0.0

    @property
    def completion_text(self) -> str:
        return percent_text(self.closed, self.tasks)

    @property
    def rate_last_week(self) -> float:
        """完成率 a week ago: the tasks closed since then taken out again."""
        return 100.0 * (self.closed - self.newly_closed) / self.tasks if self.tasks else 0.0

    @property
    def rate_change_text(self) -> str:
        """+3.20 个百分点 (or 持平)."""
        delta = self.completion_rate - self.rate_last_week
        return "持平" if abs(delta) < 0.005 else f"{delta:+.2f} 个百分点"


@dataclass(frozen=True)
class RedTask:
    task_id: int
    code: str
    inspection: str
    measure: str
    lead_unit: str
    lead_unit_id: int
    leader: str
    deadline: date
    days_overdue: int


@dataclass(frozen=True)
class Board:
    as_of: date
    as_of_text: str
    since_text: str  # the week compared is (since, as_of]
    read_only: bool  # a leader reads the board; only the office acts from it
    inspection: Tally | None  # the round the board is narrowed to, if any
    overall: Tally
    rounds: list[Tally]
    units: list[Tally]  # worst first, at most unit_limit
    unit_total: int
    red_list: list[RedTask]  # longest overdue first, at most red_limit
    # 单位考核 of the current period (ledger.scoring), on the office's board of every round:
    # a leader's board stays their remit (they read every unit's score on its own page).
    scores: ScoreBoard | None = None

    @property
    def units_truncated(self) -> bool:
        return len(self.units) < self.unit_total

    @property
    def red_truncated(self) -> bool:
        return len(self.red_list) < self.overall.red


def _count(cond: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)


def dashboard(
    *,
    session: Session,
    actor: Actor,
    today: date,
    rules: Rules,
    inspection_id: int | None = None,
    unit_limit: int = UNIT_LIMIT,
    red_limit: int = RED_LIMIT,
    scoring: ScoringRules | None = None,
    calendar: Calendar | None = None,
) -> Board:
    """The board as of `today` for the actor's remit, of every round or of one."""
    since = today - timedelta(days=7)
    start = datetime.combine(since, time.max, TZ)
    end = datetime.combine(today, time.max, TZ)
    light = light_case(today, rules)
    status, kind, deadline = col(Task.status), col(Task.kind), col(Task.deadline)
    remit = remit_clause(actor)

    narrowed: Inspection | None = None
    if inspection_id is not None:
        narrowed = session.get(Inspection, inspection_id)
        if narrowed is None:
            raise NotFoundError(f"整改轮次 {inspection_id} 不存在", field="inspection_id")

    stmt: Any = (
        select(  # type: ignore[call-overload]
            col(Task.inspection_id),
            col(Task.lead_unit_id),
            sa.func.count(col(Task.id)),
            _count(status == TaskStatus.closed.value),
            _count(light == Light.red.value),
            _count(light == Light.yellow.value),
            _count(sa.and_(col(Task.closed_at) > start, col(Task.closed_at) <= end)),
            _count(
                sa.and_(
                    status != TaskStatus.closed.value,
                    kind != TaskKind.ongoing.value,
                    deadline >= since,
                    deadline < today,
                )
            ),
        )
        .where(live_tasks())
        .group_by(col(Task.inspection_id), col(Task.lead_unit_id))
    )
    if remit is not None:
        stmt = stmt.where(remit)
    if inspection_id is not None:
        stmt = stmt.where(col(Task.inspection_id) == inspection_id)
    rows = [tuple(int(v) for v in row) for row in session.exec(stmt).all()]

    by_round: dict[int, list[int]] = {}
    by_unit: dict[int, list[int]] = {}
    overall = [0] * 6
    for round_id, unit_id, *counts in rows:
        for bucket in (
            by_round.setdefault(round_id, [0] * 6),
            by_unit.setdefault(unit_id, [0] * 6),
            overall,
        ):
            for i, n in enumerate(counts):
                bucket[i] += n

    round_query: Any = select(
        col(Inspection.id), col(Inspection.title), col(Inspection.feedback_date)
    ).where(col(Inspection.id).in_(list(by_round)))
    # A round whose feedback date is unknown sorts first; rounds are in the order they came.
    round_rows: list[tuple[int, str, date | None]] = list(session.exec(round_query).all())
    rounds = [
        Tally(round_id, title, *by_round[round_id])
        for round_id, title, _ in sorted(round_rows, key=lambda r: (r[2] or date.min, r[0]))
    ]

    worst_first = sorted(
        by_unit.items(),
        key=lambda item: (-item[1][2], item[1][1] / item[1][0] if item[1][0] else 1.0, item[0]),
    )[:unit_limit]
    names = dict(
        session.exec(
            select(Unit.id, Unit.name).where(col(Unit.id).in_([u for u, _ in worst_first]))
        ).all()
    )
    units = [Tally(unit_id, names[unit_id], *counts) for unit_id, counts in worst_first]

    return Board(
        as_of=today,
        as_of_text=cn_date(today),
        since_text=cn_date(since),
        read_only=actor.role is not Role.office,
        inspection=Tally(narrowed.id or 0, narrowed.title, *overall) if narrowed else None,
        overall=Tally(0, "总体", *overall),
        rounds=rounds,
        units=units,
        unit_total=len(by_unit),
        red_list=_red_list(session, today, remit, inspection_id, red_limit),
        scores=(
            unit_scores(
                None,
                session=session,
                actor=actor,
                today=today,
                scoring=scoring,
                rules=rules,
                calendar=calendar,
            )
            if scoring is not None
            and calendar is not None
            and inspection_id is None
            and actor.is_office
            else None
        ),
    )


def _red_list(
    session: Session,
    today: date,
    remit: sa.ColumnElement[bool] | None,
    inspection_id: int | None,
    limit: int,
) -> list[RedTask]:
    # Red is light_case's branch: open, dated, not 长期坚持, past the deadline.
    stmt: Any = (
        select(  # type: ignore[call-overload]
            Task.id,
            Task.code,
            Inspection.title,
            Task.measure,
            Unit.name,
            Task.lead_unit_id,
            Task.leader,
            Task.deadline,
        )
        .join(Inspection, col(Inspection.id) == Task.inspection_id)
        .join(Unit, col(Unit.id) == Task.lead_unit_id)
        .where(
            live_tasks(),
            col(Task.status) != TaskStatus.closed.value,
            col(Task.kind) != TaskKind.ongoing.value,
            col(Task.deadline).is_not(None),
            col(Task.deadline) < today,
        )
        .order_by(col(Task.deadline), col(Task.inspection_id), col(Task.id))
        .limit(limit)
    )
    if remit is not None:
        stmt = stmt.where(remit)
    if inspection_id is not None:
        stmt = stmt.where(col(Task.inspection_id) == inspection_id)
    return [
        RedTask(
            task_id=task_id,
            code=code,
            inspection=title,
            measure=measure,
            lead_unit=unit,
            lead_unit_id=unit_id,
            leader=leader,
            deadline=due,
            days_overdue=(today - due).days,
        )
        for task_id, code, title, measure, unit, unit_id, leader, due in session.exec(stmt).all()
    ]
