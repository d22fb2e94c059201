"""Counts of the ledger, computed once in SQL and shared by every summary and document.

The weekly summary, the 整改情况报告 and the command line all take their numbers from
here, so a count is never computed twice in two places.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.queries import live_tasks
from models.enums import FollowUpStatus, TaskKind, TaskStatus
from models.followups import FollowUp
from models.office import TZ
from models.outbox import Notice
from models.rules import completion_rate as completion_rate
from models.rules import percent_text as percent_text
from models.tables import Inspection, Problem, Task, Unit


@dataclass(frozen=True)
class Totals:
    """Counts at both levels offices report.

    Measures: 共X项,已销号Y项,完成率Z% (完成率 counts only 已销号).
    Problems: 完成整改 when every measure is 已销号, 基本完成 when the rest are 待销号 (done,
    awaiting the office's acceptance), otherwise 未完成 (a problem without measures too).
    The problems' 完成率 counts only 完成整改: 基本完成 is printed beside it, never inside it.
    """

    tasks: int = 0
    closed: int = 0  # 已销号
    submitted: int = 0  # 待销号
    in_progress: int = 0  # 整改中
    pending: int = 0  # 待整改
    overdue: int = 0  # open, dated, past the deadline
    ongoing: int = 0  # 长期坚持, open
    problems: int = 0
    problems_done: int = 0  # 完成整改
    problems_nearly: int = 0  # 基本完成
    rebounded: int = 0  # 反弹: tasks reopened at their 回头看 (each reopening counts)

    @property
    def problems_open(self) -> int:
        """未完成."""
        return self.problems - self.problems_done - self.problems_nearly

    @property
    def problem_completion_rate(self) -> float:
        """Percentage, 0-100, of problems 完成整改."""
        return completion_rate(self.problems_done, self.problems)

    @property
    def problem_completion_text(self) -> str:
        return percent_text(self.problems_done, self.problems)

    @property
    def open(self) -> int:
        return self.tasks - self.closed

    @property
    def advancing(self) -> int:
        """正在推进: open and not 长期坚持 (so 已销号 + 正在推进 + 长期坚持 = all tasks)."""
        return self.open - self.ongoing

    @property
    def completion_rate(self) -> float:
        """Percentage, 0-100, of tasks 已销号."""
        return completion_rate(self.closed, self.tasks)

    @property
    def completion_text(self) -> str:
        return percent_text(self.closed, self.tasks)

    def as_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "open": self.open,
            "completion_rate": round(self.completion_rate, 2),
            "problems_open": self.problems_open,
            "problem_completion_rate": round(self.problem_completion_rate, 2),
        }


def _count_columns(today: date) -> list[sa.Label[Any]]:
    status, kind, deadline = col(Task.status), col(Task.kind), col(Task.deadline)
    is_open = status != TaskStatus.closed.value

    def count_if(cond: sa.ColumnElement[bool], name: str) -> sa.Label[Any]:
        return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0).label(name)

    return [
        sa.func.count(col(Task.id)).label("tasks"),
        count_if(status == TaskStatus.closed.value, "closed"),
        count_if(status == TaskStatus.submitted.value, "submitted"),
        count_if(status == TaskStatus.in_progress.value, "in_progress"),
        count_if(status == TaskStatus.pending.value, "pending"),
        count_if(sa.and_(is_open, kind != TaskKind.ongoing.value, deadline < today), "overdue"),
        count_if(sa.and_(is_open, kind == TaskKind.ongoing.value), "ongoing"),
    ]


@dataclass(frozen=True)
class ProblemLevels:
    """How many problems of a round are 完成整改 / 基本完成 (the rest are 未完成)."""

    problems: int = 0
    problems_done: int = 0
    problems_nearly: int = 0


def problem_levels(
    session: Session, *, inspection_id: int | None = None
) -> dict[int, ProblemLevels]:
    """Per round: one grouped query over the problems joined to their measures' counts."""
    task_status = col(Task.status)
    per_problem: Any = (
        select(
            col(Task.problem_id).label("problem_id"),
            sa.func.count(col(Task.id)).label("n"),
            sa.func.sum(sa.case((task_status == TaskStatus.closed.value, 1), else_=0)).label(
                "closed"
            ),
            sa.func.sum(
                sa.case(
                    (task_status.in_([TaskStatus.closed.value, TaskStatus.submitted.value]), 1),
                    else_=0,
                )
            ).label("accepted_or_done"),
        )
        .where(live_tasks())
        .group_by(col(Task.problem_id))
    )
    if inspection_id is not None:
        per_problem = per_problem.where(Task.inspection_id == inspection_id)
    sub = per_problem.subquery()
    n = sa.func.coalesce(sub.c.n, 0)
    done = sa.and_(n > 0, sub.c.closed == n)
    nearly = sa.and_(n > 0, sub.c.closed < n, sub.c.accepted_or_done == n)
    # The problems of a withdrawn round leave the counts with its tasks.
    withdrawn_rounds = select(col(Inspection.id)).where(col(Inspection.withdrawn_at).is_not(None))
    stmt: Any = (
        select(
            col(Problem.inspection_id),
            sa.func.count(col(Problem.id)),
            sa.func.coalesce(sa.func.sum(sa.case((done, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((nearly, 1), else_=0)), 0),
        )
        .outerjoin(sub, sub.c.problem_id == Problem.id)
        .where(col(Problem.inspection_id).not_in(withdrawn_rounds))
        .group_by(col(Problem.inspection_id))
    )
    if inspection_id is not None:
        stmt = stmt.where(Problem.inspection_id == inspection_id)
    return {
        key: ProblemLevels(int(count), int(done_count), int(nearly_count))
        for key, count, done_count, nearly_count in session.exec(stmt).all()
    }


def rebounds(session: Session, *, inspection_id: int | None = None) -> dict[int, int]:
    """反弹 per round: follow-ups whose task the office reopened (one grouped query)."""
    stmt: Any = (
        select(col(Task.inspection_id), sa.func.count(col(FollowUp.id)))
        .join(Task, col(Task.id) == FollowUp.task_id)
        .where(col(FollowUp.status) == FollowUpStatus.reopened.value, live_tasks())
        .group_by(col(Task.inspection_id))
    )
    if inspection_id is not None:
        stmt = stmt.where(col(Task.inspection_id) == inspection_id)
    return {key: int(n) for key, n in session.exec(stmt).all()}


def _with_levels(data: dict[str, Any], levels: ProblemLevels, rebounded: int = 0) -> Totals:
    return Totals(
        **data,
        problems=levels.problems,
        problems_done=levels.problems_done,
        problems_nearly=levels.problems_nearly,
        rebounded=rebounded,
    )


def totals(session: Session, *, today: date, inspection_id: int | None = None) -> Totals:
    """Overall totals, or those of one round."""
    stmt = select(*_count_columns(today)).where(live_tasks())
    if inspection_id is not None:
        stmt = stmt.where(Task.inspection_id == inspection_id)
    row = session.exec(stmt).one()
    by_round = problem_levels(session, inspection_id=inspection_id).values()
    levels = ProblemLevels(
        problems=sum(r.problems for r in by_round),
        problems_done=sum(r.problems_done for r in by_round),
        problems_nearly=sum(r.problems_nearly for r in by_round),
    )
    rebounded = sum(rebounds(session, inspection_id=inspection_id).values())
    return _with_levels(row._asdict(), levels, rebounded)


def totals_by_inspection(session: Session, *, today: date) -> dict[int, Totals]:
    rows: Any = session.exec(
        select(col(Task.inspection_id).label("key"), *_count_columns(today))
        .where(live_tasks())
        .group_by(col(Task.inspection_id))
    ).all()
    levels = problem_levels(session)
    rebounded = rebounds(session)
    result = {}
    for row in rows:
        data = row._asdict()
        key = data.pop("key")
        result[key] = _with_levels(data, levels.get(key, ProblemLevels()), rebounded.get(key, 0))
    return result


def totals_by_problem(session: Session, *, today: date, inspection_id: int) -> dict[int, Totals]:
    """Per 反馈问题 of one round, keyed by problem id (a problem without tasks is absent)."""
    stmt: Any = (
        select(col(Task.problem_id).label("key"), *_count_columns(today))
        .where(Task.inspection_id == inspection_id, live_tasks())
        .group_by(col(Task.problem_id))
    )
    result = {}
    for row in session.exec(stmt).all():
        data = row._asdict()
        key = data.pop("key")
        tasks, closed, submitted = data["tasks"], data["closed"], data["submitted"]
        result[key] = Totals(
            **data,
            problems=1,
            problems_done=int(tasks > 0 and closed == tasks),
            problems_nearly=int(tasks > 0 and closed < tasks and closed + submitted == tasks),
        )
    return result


def totals_by_lead_unit(
    session: Session, *, today: date, inspection_id: int | None = None
) -> dict[str, Totals]:
    """Per 牵头单位 (a task counts once, under its lead unit)."""
    stmt: Any = (
        select(col(Unit.name).label("key"), *_count_columns(today))
        .join(Unit, col(Unit.id) == Task.lead_unit_id)
        .where(live_tasks())
        .group_by(col(Unit.name))
    )
    if inspection_id is not None:
        stmt = stmt.where(Task.inspection_id == inspection_id)
    result = {}
    for row in session.exec(stmt).all():
        data = row._asdict()
        key = data.pop("key")
        result[key] = Totals(**data)
    return result


@dataclass(frozen=True)
class Change:
    """What changed in a period (since, until]: 本周新销号 / 本周新逾期."""

    newly_closed: int
    newly_overdue: int


def change_between(
    session: Session, *, since: date, until: date, inspection_id: int | None = None
) -> Change:
    """Newly closed: closed_at within the period. Newly overdue: the deadline passed within
    the period and the task is still open (the day after the deadline is the first overdue day)."""
    start = datetime.combine(since, time.max, TZ)
    end = datetime.combine(until, time.max, TZ)
    closed = select(sa.func.count(col(Task.id))).where(
        col(Task.closed_at) > start, col(Task.closed_at) <= end, live_tasks()
    )
    overdue = select(sa.func.count(col(Task.id))).where(
        live_tasks(),
        col(Task.status) != TaskStatus.closed.value,
        col(Task.kind) != TaskKind.ongoing.value,
        col(Task.deadline) >= since,
        col(Task.deadline) < until,
    )
    if inspection_id is not None:
        closed = closed.where(Task.inspection_id == inspection_id)
        overdue = overdue.where(Task.inspection_id == inspection_id)
    return Change(
        newly_closed=session.exec(closed).one(), newly_overdue=session.exec(overdue).one()
    )


def change_by_inspection(session: Session, *, since: date, until: date) -> dict[int, Change]:
    """`change_between` for every round at once (two grouped queries, whatever the count)."""
    start = datetime.combine(since, time.max, TZ)
    end = datetime.combine(until, time.max, TZ)
    round_id = col(Task.inspection_id)
    closed = dict(
        session.exec(
            select(round_id, sa.func.count(col(Task.id)))
            .where(col(Task.closed_at) > start, col(Task.closed_at) <= end, live_tasks())
            .group_by(round_id)
        ).all()
    )
    overdue = dict(
        session.exec(
            select(round_id, sa.func.count(col(Task.id)))
            .where(
                live_tasks(),
                col(Task.status) != TaskStatus.closed.value,
                col(Task.kind) != TaskKind.ongoing.value,
                col(Task.deadline) >= since,
                col(Task.deadline) < until,
            )
            .group_by(round_id)
        ).all()
    )
    return {
        key: Change(newly_closed=closed.get(key, 0), newly_overdue=overdue.get(key, 0))
        for key in closed.keys() | overdue.keys()
    }


def waiting_notice_count(session: Session) -> int:
    """Notices waiting for their recipient's channel (status waiting; no attempt spent)."""
    return session.exec(
        select(sa.func.count(col(Notice.id))).where(Notice.status == "waiting")
    ).one()


def notices_by_unit(session: Session, *, since: date, until: date) -> dict[str, dict[str, int]]:
    """Notices each unit received in (since, until], local days: unit -> kind -> count.

    A unit's notices are those addressed to its tag (its own notify tag, else its name, as
    every notice names it) and delivered (sent, or written to the local folder) in the
    period; one GROUP BY over the outbox."""
    unit: sa.Table = Unit.__table__  # type: ignore[attr-defined]
    notice: sa.Table = Notice.__table__  # type: ignore[attr-defined]
    start = datetime.combine(since + timedelta(days=1), time.min, TZ)
    end = datetime.combine(until + timedelta(days=1), time.min, TZ)
    rows = session.execute(
        sa.select(unit.c.name, notice.c.kind, sa.func.count())
        .join(notice, notice.c.recipient == sa.func.coalesce(unit.c.notify_tag, unit.c.name))
        .where(
            notice.c.status.in_(("sent", "local")),
            notice.c.sent_at >= start,
            notice.c.sent_at < end,
        )
        .group_by(unit.c.name, notice.c.kind)
    ).all()
    result: dict[str, dict[str, int]] = {}
    for name, kind, count in rows:
        result.setdefault(name, {})[kind] = count
    return result


def failed_notice_count(session: Session) -> int:
    """Notices given up on after the configured attempts (status failed)."""
    return session.exec(
        select(sa.func.count(col(Notice.id))).where(Notice.status == "failed")
    ).one()
