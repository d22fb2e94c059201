"""单位考核: each lead unit's score of a period, computed from the tasks and their history.

Nothing here is entered by hand. Three set-based queries gather the facts of a period (the
live tasks registered by its end, their status changes and 退回 / 督办 / 销号 rows, the
reports of the 长期坚持 tasks); models.scoring turns them into deductions. An open period
is recomputed on every read; a closed one (`close_period`, the office only, in history) is
read back from its snapshot (models.tables.ScoreSnapshot), so a later 退回 or correction
leaves a closed period's ranking as it was published.

Who is scored: the lead unit (牵头单位) of each task; a co-unit's part is not scored here.
"Missed report": the reporting cadence (报送周期) is not in the ledger yet, so a report is
missed when a 长期坚持 task goes the ongoing rule's silence (Rules.ongoing_silence_days)
without one, counted once per full silence, as the 长期坚持提醒 counts it.

Who reads: the office and the leaders every unit; a unit its own row (with its rank).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.actors import Actor, require_office
from ledger.context import TZ
from ledger.downloads import XLSX, Download, new_folder
from ledger.errors import InvalidInputError, LifecycleError
from ledger.files import write_with
from ledger.history import record
from ledger.queries import live_tasks
from ledger.wording import cn_date
from models import scoring as S
from models.enums import STATUS_LABELS, ReportKind, Role, TaskKind, TaskStatus
from models.rules import RuleError, Rules
from models.tables import HistoryEntry, ProgressReport, ScoreSnapshot, Task, Unit

CAUSE_LABELS = {
    "overdue": "逾期",
    "returned": "退回",
    "missed_report": "未按时报送",
    "supervised": "督办",
    "early_close": "提前完成",
}
# A status history row holds the label (待整改) or, from older imports, the value (pending).
_STATUS_OF = {
    **{label: s for s, label in STATUS_LABELS.items()},
    **{s.value: s for s in TaskStatus},
}


@dataclass(frozen=True)
class ScoreItem:
    """One deduction (negative points) or bonus (positive), with its cause."""

    task_id: int
    task_code: str
    cause: str  # overdue / returned / missed_report / supervised / early_close
    what: str  # the cause in words, e.g. 逾期3个工作日(整改时限2026年11月20日)
    points: float

    @property
    def cause_label(self) -> str:
        return CAUSE_LABELS.get(self.cause, self.cause)

    def as_json(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "task_code": self.task_code,
            "cause": self.cause,
            "what": self.what,
            "points": self.points,
        }

    @classmethod
    def of(cls, data: dict[str, Any]) -> ScoreItem:
        return cls(
            task_id=int(data["task_id"]),
            task_code=str(data["task_code"]),
            cause=str(data["cause"]),
            what=str(data["what"]),
            points=float(data["points"]),
        )


@dataclass(frozen=True)
class UnitScore:
    unit_id: int
    unit: str
    rank: int
    score: float
    deducted: float  # the sum of deductions, as a positive number
    bonus: float
    items: list[ScoreItem] = field(default_factory=list)

    def causes_text(self, limit: int = 5) -> str:
        """The largest items in a line: [1.1]逾期6个工作日(…) -3;…等6项."""
        shown = ";".join(f"[{i.task_code}]{i.what} {i.points:+g}" for i in self.items[:limit])
        more = f"等{len(self.items)}项" if len(self.items) > limit else ""
        return shown + more

    def as_json(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit_id,
            "unit": self.unit,
            "rank": self.rank,
            "score": self.score,
            "deducted": self.deducted,
            "bonus": self.bonus,
            "items": [i.as_json() for i in self.items],
        }

    @classmethod
    def of(cls, data: dict[str, Any]) -> UnitScore:
        return cls(
            unit_id=int(data["unit_id"]),
            unit=str(data["unit"]),
            rank=int(data["rank"]),
            score=float(data["score"]),
            deducted=float(data["deducted"]),
            bonus=float(data["bonus"]),
            items=[ScoreItem.of(i) for i in data["items"]],
        )


@dataclass(frozen=True)
class ScoreBoard:
    """The ranking of one period: computed as of a day, or frozen when the period closed."""

    period: str
    label: str
    start: date
    end: date
    as_of: date  # the last day counted (the period's end once it is over)
    rules: dict[str, Any]
    units: list[UnitScore]
    closed_at: datetime | None = None
    closed_by: str | None = None

    @property
    def frozen(self) -> bool:
        return self.closed_at is not None

    @property
    def status_text(self) -> str:
        if self.closed_at is not None:
            return f"已关账({cn_date(self.closed_at.astimezone(TZ).date())},{self.closed_by})"
        if self.as_of < self.end:
            return f"进行中(计至{cn_date(self.as_of)})"
        return "已结束,待关账"

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "label": self.label,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "frozen": self.frozen,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "closed_by": self.closed_by,
            "rules": self.rules,
            "units": [u.as_json() for u in self.units],
        }

    @classmethod
    def of(cls, data: dict[str, Any]) -> ScoreBoard:
        closed = data.get("closed_at")
        return cls(
            period=str(data["period"]),
            label=str(data["label"]),
            start=date.fromisoformat(data["start"]),
            end=date.fromisoformat(data["end"]),
            as_of=date.fromisoformat(data["as_of"]),
            rules=dict(data["rules"]),
            units=[UnitScore.of(u) for u in data["units"]],
            closed_at=datetime.fromisoformat(closed) if closed else None,
            closed_by=data.get("closed_by"),
        )

    def seen_by(self, actor: Actor) -> ScoreBoard:
        """The office and leaders read every unit; a unit reads its own row only."""
        if actor.role is Role.unit:
            own = [u for u in self.units if u.unit_id == actor.unit_id]
            return ScoreBoard(**{**self.__dict__, "units": own})
        return self


def _local_day(at: datetime) -> date:
    return at.astimezone(TZ).date()


def _utc_bound(day: date) -> datetime:
    """The first instant after `day` ends, in Shanghai."""
    return datetime.combine(day + timedelta(days=1), time.min, TZ)


def _fmt(value: float) -> str:
    return f"{value:g}"


@dataclass
class _TaskFacts:
    id: int
    code: str
    unit_id: int
    kind: TaskKind
    deadline: date | None
    created: date
    status: TaskStatus
    changes: list[tuple[date, TaskStatus | None, TaskStatus]] = field(default_factory=list)
    returns: list[date] = field(default_factory=list)
    supervisions: list[date] = field(default_factory=list)
    verified: list[date] = field(default_factory=list)
    reports: list[date] = field(default_factory=list)

    def spans(self) -> list[S.StatusSpan]:
        if not self.changes:
            return [S.StatusSpan(self.created, self.status)]
        first_old = self.changes[0][1]
        spans = [S.StatusSpan(self.created, first_old or TaskStatus.pending)]
        for day, _old, new in self.changes:
            # Several changes on one day: the last of them is the status at the day's end.
            if spans and spans[-1].since == day:
                spans[-1] = S.StatusSpan(day, new)
            else:
                spans.append(S.StatusSpan(day, new))
        return spans


def _gather(session: Session, last: date) -> tuple[dict[int, _TaskFacts], dict[int, str]]:
    """The facts of every live task registered by `last`: three queries, whatever the size."""
    bound = _utc_bound(last)
    tasks_q = (
        sa.select(
            col(Task.id),
            col(Task.code),
            col(Task.lead_unit_id),
            col(Task.kind),
            col(Task.deadline),
            col(Task.created_at),
            col(Task.status),
        )
        .where(live_tasks(), col(Task.created_at) < bound)
        .order_by(col(Task.id))
    )
    facts: dict[int, _TaskFacts] = {}
    for tid, code, unit_id, kind, deadline, created, status in session.execute(tasks_q):
        facts[tid] = _TaskFacts(
            id=tid,
            code=code,
            unit_id=unit_id,
            kind=TaskKind(kind),
            deadline=deadline,
            created=_local_day(created),
            status=TaskStatus(status),
        )
    scored = sa.select(col(Task.id)).where(live_tasks(), col(Task.created_at) < bound)
    history_q = (
        sa.select(
            col(HistoryEntry.task_id),
            col(HistoryEntry.at),
            col(HistoryEntry.action),
            col(HistoryEntry.field),
            col(HistoryEntry.old_value),
            col(HistoryEntry.new_value),
        )
        .where(
            col(HistoryEntry.task_id).in_(scored),
            col(HistoryEntry.at) < bound,
            sa.or_(
                col(HistoryEntry.field) == "status",
                col(HistoryEntry.action).in_(("return", "supervise", "verify")),
            ),
        )
        .order_by(col(HistoryEntry.at), col(HistoryEntry.id))
    )
    for tid, at, action, fld, old, new in session.execute(history_q):
        task = facts.get(tid)
        if task is None:
            continue
        day = _local_day(at)
        if fld == "status" and new in _STATUS_OF:
            task.changes.append((day, _STATUS_OF.get(old or ""), _STATUS_OF[new]))
        if action == "return":
            task.returns.append(day)
        elif action == "supervise":
            task.supervisions.append(day)
        elif action == "verify" and fld == "status":
            task.verified.append(day)
    ongoing = sa.or_(col(Task.kind) == TaskKind.ongoing.value, col(Task.deadline).is_(None))
    reports_q = sa.select(col(ProgressReport.task_id), col(ProgressReport.reported_at)).where(
        col(ProgressReport.task_id).in_(scored.where(ongoing)),
        # An imported report carries the import's date, not the unit's (as the reminders).
        col(ProgressReport.kind) != ReportKind.imported.value,
        col(ProgressReport.reported_at) < bound,
    )
    for tid, at in session.execute(reports_q):
        if tid in facts:
            facts[tid].reports.append(_local_day(at))
    unit_ids = {t.unit_id for t in facts.values()}
    names: dict[int, str] = {
        uid: name
        for uid, name in session.execute(
            sa.select(col(Unit.id), col(Unit.name)).where(col(Unit.id).in_(unit_ids))
        )
    }
    return facts, names


def _items_of(
    task: _TaskFacts,
    period: S.Period,
    last: date,
    *,
    scoring: S.ScoringRules,
    rules: Rules,
    calendar: S.Calendar,
) -> list[ScoreItem]:
    spans = task.spans()
    items: list[ScoreItem] = []

    def add(cause: str, what: str, pts: float) -> None:
        if pts:
            items.append(ScoreItem(task.id, task.code, cause, what, S.points(pts)))

    is_ongoing = task.kind is TaskKind.ongoing or task.deadline is None
    if not is_ongoing and task.deadline is not None:
        days = S.overdue_workdays(
            deadline=task.deadline,
            spans=spans,
            first=period.start,
            last=last,
            calendar=calendar,
        )
        add(
            "overdue",
            f"逾期{days}个工作日(整改时限{cn_date(task.deadline)})",
            -days * scoring.overdue_workday,
        )
    for day in task.returns:
        if period.start <= day <= last:
            add("returned", f"销号申请被退回({cn_date(day)})", -scoring.returned)
    for day in task.supervisions:
        if period.start <= day <= last:
            add("supervised", f"被督办({cn_date(day)})", -scoring.supervised)
    if is_ongoing:
        missed = S.missed_report_days(
            activity=[task.created, *task.reports],
            spans=spans,
            silence_days=rules.ongoing_silence_days,
            first=period.start,
            last=last,
        )
        for day in missed:
            add(
                "missed_report",
                f"长期坚持任务连续{rules.ongoing_silence_days}天未报送进展(至{cn_date(day)})",
                -scoring.missed_report,
            )
    early = [
        d
        for d in task.verified
        if period.start <= d <= last and task.deadline and d < task.deadline
    ]
    if early and task.status is TaskStatus.closed and task.deadline is not None:
        add(
            "early_close",
            f"提前完成:{cn_date(early[-1])}销号,早于整改时限{cn_date(task.deadline)}",
            scoring.early_close,
        )
    return items


def compute_board(
    session: Session,
    period: S.Period,
    *,
    today: date,
    scoring: S.ScoringRules,
    rules: Rules,
    calendar: S.Calendar,
) -> ScoreBoard:
    """Every lead unit's score of `period`, counted up to `today` (or the period's end)."""
    last = min(period.end, today)
    facts, names = _gather(session, last) if last >= period.start else ({}, {})
    by_unit: dict[int, list[ScoreItem]] = defaultdict(list)
    for task in facts.values():
        by_unit[task.unit_id].extend(
            _items_of(task, period, last, scoring=scoring, rules=rules, calendar=calendar)
        )
    scored = []
    for unit_id, name in names.items():
        items = sorted(by_unit[unit_id], key=lambda i: (i.points, _code_key(i.task_code)))
        scored.append((S.final_score(scoring, (i.points for i in items)), name, unit_id, items))
    scored.sort(key=lambda s: (-s[0], s[1]))
    ranks = S.competition_ranks([s[0] for s in scored])
    units = [
        UnitScore(
            unit_id=unit_id,
            unit=name,
            rank=rank,
            score=score,
            deducted=S.points(-sum(i.points for i in items if i.points < 0)),
            bonus=S.points(sum(i.points for i in items if i.points > 0)),
            items=items,
        )
        for rank, (score, name, unit_id, items) in zip(ranks, scored, strict=True)
    ]
    return ScoreBoard(
        period=period.key,
        label=period.label,
        start=period.start,
        end=period.end,
        as_of=max(last, period.start - timedelta(days=1)),
        rules=scoring.as_json(),
        units=units,
    )


def _code_key(code: str) -> tuple[int | str, ...]:
    return tuple(int(p) if p.isdigit() else p for p in code.split("."))


def resolve_period(text: str | None, *, today: date, scoring: S.ScoringRules) -> S.Period:
    if not text:
        return S.period_of(today, scoring.period)
    try:
        return S.parse_period(text)
    except RuleError as exc:
        raise InvalidInputError(str(exc), field="period") from None


def _snapshot(session: Session, key: str) -> ScoreSnapshot | None:
    return session.exec(select(ScoreSnapshot).where(ScoreSnapshot.period == key)).first()


def unit_scores(
    period: str | None = None,
    *,
    session: Session,
    actor: Actor,
    today: date,
    scoring: S.ScoringRules,
    rules: Rules,
    calendar: S.Calendar,
) -> ScoreBoard:
    """The 考核 ranking of a period for the actor: frozen if the period is closed."""
    board = period_board(
        period, session=session, today=today, scoring=scoring, rules=rules, calendar=calendar
    )
    return board.seen_by(actor)


def period_board(
    period: str | None,
    *,
    session: Session,
    today: date,
    scoring: S.ScoringRules,
    rules: Rules,
    calendar: S.Calendar,
) -> ScoreBoard:
    """Every unit's row of a period (its snapshot once closed), for readers of every unit:
    the weekly summary, which goes to the office and the leaders."""
    p = resolve_period(period, today=today, scoring=scoring)
    snap = _snapshot(session, p.key)
    if snap is not None:
        return ScoreBoard.of(snap.board)
    return compute_board(session, p, today=today, scoring=scoring, rules=rules, calendar=calendar)


def close_period(
    period: str,
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    scoring: S.ScoringRules,
    rules: Rules,
    calendar: S.Calendar,
) -> ScoreBoard:
    """关账: freeze a period that has ended; the office only, once, in history."""
    require_office(actor, "关闭考核周期")
    p = resolve_period(period, today=now.astimezone(TZ).date(), scoring=scoring)
    today = now.astimezone(TZ).date()
    if today <= p.end:
        raise LifecycleError(
            f"考核周期 {p.key}({p.label})到 {cn_date(p.end)} 才结束,结束后才能关账",
            field="period",
        )
    if _snapshot(session, p.key) is not None:
        raise LifecycleError(f"考核周期 {p.key}({p.label})已关账,结果不再变动", field="period")
    computed = compute_board(
        session, p, today=today, scoring=scoring, rules=rules, calendar=calendar
    )
    board = ScoreBoard(**{**computed.__dict__, "closed_at": now, "closed_by": actor.name})
    snap = ScoreSnapshot(period=p.key, closed_at=now, closed_by=actor.name, board=board.as_json())
    session.add(snap)
    session.flush()
    assert snap.id is not None
    record(
        session,
        actor=actor,
        action="score_close",
        entity="score_period",
        entity_id=snap.id,
        now=now,
        field="period",
        new=p.key,
        note="、".join(f"{u.rank}.{u.unit} {_fmt(u.score)}分" for u in board.units),
    )
    return board


# The xlsx export: one sheet of the ranking, one of the causes. Every cell is text (like
# ledger.exporting), so a unit name or cause starting with "=" is never a formula.
RANK_HEADER = ["名次", "单位", "得分", "扣分", "加分", "明细项数"]
ITEM_HEADER = ["单位", "任务编号", "类别", "事由", "分值"]


def board_rows(board: ScoreBoard) -> tuple[list[list[str]], list[list[str]]]:
    ranking = [
        [str(u.rank), u.unit, _fmt(u.score), _fmt(u.deducted), _fmt(u.bonus), str(len(u.items))]
        for u in board.units
    ]
    items = [
        [u.unit, i.task_code, i.cause_label, i.what, _fmt(i.points)]
        for u in board.units
        for i in u.items
    ]
    return ranking, items


def write_board_xlsx(board: ScoreBoard, target: Path) -> None:
    """Write the board as an xlsx under a temporary name, renamed when complete."""
    from openpyxl import Workbook

    ranking, items = board_rows(board)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "考核排名"
    _text_rows(ws, [[f"单位考核 {board.label}({board.status_text})"], RANK_HEADER, *ranking])
    detail = wb.create_sheet("扣分明细")
    _text_rows(detail, [ITEM_HEADER, *items])
    for sheet, widths in ((ws, (6, 30, 10, 10, 10, 10)), (detail, (30, 10, 12, 60, 8))):
        for i, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + i)].width = width
    write_with(target, wb.save)


def _text_rows(ws: Any, rows: Iterable[list[str]]) -> None:
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            cell.value = value
            cell.data_type = "s"


def score_download(
    period: str | None,
    *,
    session: Session,
    actor: Actor,
    today: date,
    scoring: S.ScoringRules,
    rules: Rules,
    calendar: S.Calendar,
    root: Path,
) -> Download:
    """The board as an xlsx for the web to send: the same reads as `unit_scores`."""
    board = unit_scores(
        period,
        session=session,
        actor=actor,
        today=today,
        scoring=scoring,
        rules=rules,
        calendar=calendar,
    )
    folder = new_folder(root)
    name = f"单位考核-{board.period}.xlsx"
    write_board_xlsx(board, folder / name)
    return Download(folder / name, folder, name, XLSX)
