"""The data of the 整改周报: every number and label a renderer needs, already formatted.

Counts come from ledger.stats only (never computed a second way here); this module adds
the lists (per-unit ranking, red list, failed notices) and the Chinese wording, so the
e-mail, the Markdown digest and the .docx report all say the same thing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from ledger import stats
from ledger.queries import live_tasks
from ledger.report_due import reports_late
from ledger.scoring import ScoreBoard, period_board
from ledger.stats import Totals
from ledger.wording import cn_date, feedback_date_text
from models.enums import NOTICE_KIND_LABELS, TaskKind, TaskStatus
from models.office import TZ
from models.outbox import Notice
from models.rules import Rules
from models.scoring import ScoringRules
from models.tables import Inspection, Task, Unit
from models.workdays import WorkCalendar


def iso_week(day: date) -> str:
    """The period key of a weekly notice, e.g. 2026-W49."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """一, 十二, 九十九: the numerals of 一、二、 section headings (1-99)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


@dataclass(frozen=True)
class Counts:
    """One line of counts (overall, a round or a unit) with its formatted sentence."""

    label: str
    tasks: int
    closed: int  # 已销号
    submitted: int  # 待销号
    in_progress: int  # 整改中
    pending: int  # 待整改
    overdue: int  # 逾期
    ongoing: int  # 长期坚持
    problems: int
    completion_rate: float  # 0-100, only 已销号 counts
    completion_text: str  # 27.27%, or — when there are no tasks
    problems_done: int = 0  # 完成整改: every measure 已销号
    problems_nearly: int = 0  # 基本完成: the rest 待销号
    problem_completion_text: str = "—"  # only 完成整改 counts
    rebounded: int = 0  # 反弹 found at 回头看

    @property
    def problems_open(self) -> int:
        """未完成."""
        return self.problems - self.problems_done - self.problems_nearly

    @property
    def problems_line(self) -> str:
        """反馈问题4个,已完成整改1个,基本完成1个,未完成2个,总体完成率25.00%"""
        return (
            f"反馈问题{self.problems}个,已完成整改{self.problems_done}个,"
            f"基本完成{self.problems_nearly}个,未完成{self.problems_open}个,"
            f"总体完成率{self.problem_completion_text}"
        )

    @property
    def open(self) -> int:
        return self.tasks - self.closed

    @property
    def brief(self) -> str:
        """共11项,已销号3项,完成率27.3% (style.md's form)."""
        return f"共{self.tasks}项,已销号{self.closed}项,完成率{self.completion_text}"

    @property
    def headline(self) -> str:
        """Problems, then measures: 反馈问题4个,已完成整改1个,…,总体完成率25.00%;
        整改措施共11项,已销号3项,待销号1项,整改中4项,待整改3项,逾期2项,长期坚持1项,
        措施完成率27.27%"""
        return (
            f"{self.problems_line};"
            f"整改措施共{self.tasks}项,已销号{self.closed}项,待销号{self.submitted}项,"
            f"整改中{self.in_progress}项,待整改{self.pending}项,逾期{self.overdue}项,"
            f"长期坚持{self.ongoing}项,措施完成率{self.completion_text}"
            + (f";回头看发现反弹{self.rebounded}项" if self.rebounded else "")
        )

    @classmethod
    def of(cls, label: str, totals: Totals) -> Counts:
        return cls(
            label=label,
            tasks=totals.tasks,
            closed=totals.closed,
            submitted=totals.submitted,
            in_progress=totals.in_progress,
            pending=totals.pending,
            overdue=totals.overdue,
            ongoing=totals.ongoing,
            problems=totals.problems,
            completion_rate=round(totals.completion_rate, 2),
            completion_text=totals.completion_text,
            problems_done=totals.problems_done,
            problems_nearly=totals.problems_nearly,
            problem_completion_text=totals.problem_completion_text,
            rebounded=totals.rebounded,
        )


@dataclass(frozen=True)
class WeekChange:
    """本周新销号 / 本周新逾期, (since, as_of]."""

    newly_closed: int
    newly_overdue: int

    @property
    def text(self) -> str:
        return f"本周新销号{self.newly_closed}项,新增逾期{self.newly_overdue}项"


@dataclass(frozen=True)
class RoundSummary:
    serial: str  # (一)
    inspection_id: int
    title: str
    body: str  # 省委第八巡视组
    feedback_date: date | None
    feedback_date_text: str  # 未填写 while not known
    counts: Counts
    change: WeekChange


@dataclass(frozen=True)
class UnitRow:
    """A line of the per-unit table, ranked by 完成率 (high first), then fewer overdue."""

    rank: int
    unit: str
    tasks: int
    closed: int
    open: int
    overdue: int
    completion_rate: float
    completion_text: str
    # Notices the unit received in the period (delivered), and by kind: "3份(催办2份、提醒1份)".
    notices: int = 0
    notices_text: str = "0份"


def notices_text(by_kind: dict[str, int]) -> str:
    """ "3份(催办2份、提醒1份)", most urgent kind first, the labels of NOTICE_KIND_LABELS."""
    total = sum(by_kind.values())
    if not total:
        return "0份"
    order = ["supervise", "escalate", "urge", "remind", "ongoing", *NOTICE_KIND_LABELS]
    kinds = sorted(by_kind, key=lambda k: (order.index(k) if k in order else len(order), k))
    parts = "、".join(f"{NOTICE_KIND_LABELS.get(k, k)}{by_kind[k]}份" for k in kinds)
    return f"{total}份({parts})"


@dataclass(frozen=True)
class RedItem:
    """A task on the red list (逾期未销号), longest overdue first."""

    task_id: int
    code: str
    inspection: str
    measure: str
    lead_unit: str
    leader: str
    person: str
    deadline: date
    deadline_text: str
    days_overdue: int  # calendar days
    workdays_overdue: int  # working days in (deadline, as_of]


# The undelivered statuses the section 五、未能送达的通知 lists, in the words the office reads.
UNDELIVERED = {"failed": "发送失败", "waiting": "未配置通知渠道"}


@dataclass(frozen=True)
class FailedNotice:
    """A notice nobody received: failed (a channel refused it) or waiting (no channel yet)."""

    notice_id: int
    kind: str
    kind_label: str
    recipient: str
    period: str
    attempts: int
    last_error: str  # masked before it was stored
    created_text: str
    status: str = "failed"  # failed / waiting
    status_label: str = "发送失败"


@dataclass(frozen=True)
class LateReport:
    """A task that did not report on its 报送周期 in its latest elapsed period (未按时报送)."""

    task_id: int
    code: str
    inspection: str
    measure: str
    lead_unit: str
    cadence: str  # 每周一
    period: str  # 2026年第49周
    due_text: str  # the period's due day, 2026年11月30日
    last_report_text: str  # the latest report's day, or 尚未报送


@dataclass(frozen=True)
class LateUnit:
    unit: str
    tasks: int


@dataclass(frozen=True)
class WeeklySummary:
    as_of: date
    as_of_text: str
    since: date  # the Sunday before the ISO week: changes count over (since, as_of]
    since_text: str
    period_text: str  # 2026年11月30日至2026年12月1日: as_of's ISO week, Monday to as_of
    week: str  # 2026-W49
    week_label: str  # 2026年第49周
    title: str
    overall: Counts
    change: WeekChange
    rounds: list[RoundSummary]
    units: list[UnitRow]
    red_list: list[RedItem]
    red_total: int  # every overdue task; red_list may be the longest-overdue part of it
    failed_notices: list[FailedNotice]  # failed and waiting, the oldest-waiting last
    failed_total: int  # failed only
    generated_text: str = ""
    waiting_total: int = 0  # waiting for a channel (no attempt spent)
    late_reports: list[LateReport] = field(default_factory=list)  # unit by unit

    @property
    def late_units(self) -> list[LateUnit]:
        """未按时报送的单位, in the list's order, with their number of tasks."""
        counts: dict[str, int] = {}
        for item in self.late_reports:
            counts[item.lead_unit] = counts.get(item.lead_unit, 0) + 1
        return [LateUnit(unit, n) for unit, n in counts.items()]

    extra: dict[str, Any] = field(default_factory=dict)
    # 单位考核 of the period holding as_of (ledger.scoring), when a scoring rule is given.
    scores: ScoreBoard | None = None

    @property
    def red_list_truncated(self) -> bool:
        return len(self.red_list) < self.red_total

    @property
    def undelivered_total(self) -> int:
        return self.failed_total + self.waiting_total

    @property
    def failed_truncated(self) -> bool:
        return len(self.failed_notices) < self.undelivered_total

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        data["scores"] = self.scores.as_json() if self.scores is not None else None
        data["overall"]["headline"] = self.overall.headline
        data["overall"]["problems_open"] = self.overall.problems_open
        data["change"]["text"] = self.change.text
        data["undelivered_total"] = self.undelivered_total
        data["late_units"] = [asdict(u) for u in self.late_units]
        for round_data, round_ in zip(data["rounds"], self.rounds, strict=True):
            round_data["counts"]["headline"] = round_.counts.headline
            round_data["counts"]["problems_open"] = round_.counts.problems_open
        return data


def rank_units(by_unit: dict[str, Totals]) -> list[UnitRow]:
    """Best first: higher 完成率, then fewer overdue, then more tasks, then name."""
    ordered = sorted(
        by_unit.items(),
        key=lambda item: (-item[1].completion_rate, item[1].overdue, -item[1].tasks, item[0]),
    )
    return [
        UnitRow(
            rank=i,
            unit=name,
            tasks=t.tasks,
            closed=t.closed,
            open=t.open,
            overdue=t.overdue,
            completion_rate=round(t.completion_rate, 2),
            completion_text=t.completion_text,
        )
        for i, (name, t) in enumerate(ordered, start=1)
    ]


def _red_list(
    session: Session, *, as_of: date, calendar: WorkCalendar, limit: int | None
) -> list[RedItem]:
    # Same condition as ledger.stats' "overdue" count, so the list and the count agree.
    stmt = (
        select(  # type: ignore[call-overload]
            Task.id,
            Task.code,
            Inspection.title,
            Task.measure,
            Unit.name,
            Task.leader,
            Task.person,
            Task.deadline,
        )
        .join(Inspection, col(Inspection.id) == Task.inspection_id)
        .join(Unit, col(Unit.id) == Task.lead_unit_id)
        .where(
            live_tasks(),
            col(Task.status) != TaskStatus.closed.value,
            col(Task.kind) != TaskKind.ongoing.value,
            col(Task.deadline) < as_of,
        )
        .order_by(col(Task.deadline), col(Task.inspection_id), col(Task.id))
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    items = []
    for task_id, code, round_title, measure, unit, leader, person, deadline in session.exec(stmt):
        items.append(
            RedItem(
                task_id=task_id,
                code=code,
                inspection=round_title,
                measure=measure,
                lead_unit=unit,
                leader=leader,
                person=person,
                deadline=deadline,
                deadline_text=cn_date(deadline),
                days_overdue=(as_of - deadline).days,
                workdays_overdue=calendar.workdays_between(deadline, as_of),
            )
        )
    return items


def _failed_notices(session: Session, *, limit: int | None) -> list[FailedNotice]:
    stmt = (
        select(Notice)
        .where(col(Notice.status).in_(list(UNDELIVERED)))
        .order_by(col(Notice.created_at).desc(), col(Notice.id).desc())
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    result = []
    for notice in session.exec(stmt):
        assert notice.id is not None
        result.append(
            FailedNotice(
                notice_id=notice.id,
                kind=notice.kind,
                kind_label=NOTICE_KIND_LABELS.get(notice.kind, notice.kind),
                recipient=notice.recipient,
                period=notice.period,
                attempts=notice.attempts,
                last_error=notice.last_error,
                created_text=cn_date(notice.created_at.astimezone(TZ).date()),
                status=notice.status,
                status_label=UNDELIVERED[notice.status],
            )
        )
    return result


def weekly_summary(
    session: Session,
    *,
    as_of: date,
    rules: Rules,
    calendar: WorkCalendar | None = None,
    now: datetime | None = None,
    red_list_limit: int | None = 200,
    failed_limit: int | None = 50,
    scoring: ScoringRules | None = None,
) -> WeeklySummary:
    """The 整改周报 as of `as_of`; the week is as_of's ISO week, from its Monday to as_of
    (to its Sunday when as_of is one): a summary made on a Tuesday covers that Monday and
    Tuesday, and never names a later day nobody has reported on yet.

    Statuses are those in the database now; overdue is judged against `as_of`. The red
    list holds the `red_list_limit` longest-overdue tasks (None: all); `red_total` says
    how many there are in all. `rules` gives the default 报送周期 of the 未按时报送 list.
    """
    calendar = calendar or WorkCalendar()
    monday = as_of - timedelta(days=as_of.weekday())
    since = monday - timedelta(days=1)  # changes are counted over (since, as_of]
    overall = stats.totals(session, today=as_of)
    change = stats.change_between(session, since=since, until=as_of)
    by_round = stats.totals_by_inspection(session, today=as_of)
    change_by_round = stats.change_by_inspection(session, since=since, until=as_of)
    inspections = session.exec(
        select(Inspection).where(col(Inspection.id).in_(list(by_round)))
    ).all()
    rounds = [
        RoundSummary(
            serial=f"({cn_number(i)})",
            inspection_id=ins.id,
            title=ins.title,
            body=ins.body,
            feedback_date=ins.feedback_date,
            feedback_date_text=feedback_date_text(ins.feedback_date),
            counts=Counts.of(ins.title, by_round[ins.id]),
            change=_week_change(change_by_round.get(ins.id)),
        )
        for i, ins in enumerate(
            sorted(inspections, key=lambda r: (r.feedback_date or date.max, r.id or 0)), start=1
        )
        if ins.id is not None
    ]
    year, week, _ = as_of.isocalendar()
    return WeeklySummary(
        as_of=as_of,
        as_of_text=cn_date(as_of),
        since=since,
        since_text=cn_date(since),
        period_text=f"{cn_date(monday)}至{cn_date(as_of)}",
        week=iso_week(as_of),
        week_label=f"{year}年第{week}周",
        title=f"整改工作周报({year}年第{week}周)",
        overall=Counts.of("总体", overall),
        change=_week_change(change),
        rounds=rounds,
        units=_with_notices(
            rank_units(stats.totals_by_lead_unit(session, today=as_of)),
            stats.notices_by_unit(session, since=since, until=as_of),
        ),
        red_list=_red_list(session, as_of=as_of, calendar=calendar, limit=red_list_limit),
        red_total=overall.overdue,
        failed_notices=_failed_notices(session, limit=failed_limit),
        failed_total=stats.failed_notice_count(session),
        waiting_total=stats.waiting_notice_count(session),
        late_reports=_late_reports(session, as_of=as_of, calendar=calendar, rules=rules),
        # The 落款 is the as-of day: a summary as of 12-22, made on 12-23, is dated 12-22.
        generated_text=cn_date(as_of),
        scores=(
            period_board(
                None, session=session, today=as_of, scoring=scoring, rules=rules, calendar=calendar
            )
            if scoring is not None
            else None
        ),
    )


def _late_reports(
    session: Session, *, as_of: date, calendar: WorkCalendar, rules: Rules
) -> list[LateReport]:
    return [
        LateReport(
            task_id=o.task_id,
            code=o.code,
            inspection=o.inspection,
            measure=o.measure,
            lead_unit=o.lead_unit,
            cadence=o.cadence.label,
            period=o.period.label,
            due_text=cn_date(o.period.due) if o.period.due else "",
            last_report_text=cn_date(o.last_report_on) if o.last_report_on else "尚未报送",
        )
        for o in reports_late(session, as_of=as_of, calendar=calendar, default=rules.report_cadence)
    ]


def _with_notices(units: list[UnitRow], received: dict[str, dict[str, int]]) -> list[UnitRow]:
    return [
        replace(
            u,
            notices=sum(received.get(u.unit, {}).values()),
            notices_text=notices_text(received.get(u.unit, {})),
        )
        for u in units
    ]


def _week_change(change: stats.Change | None) -> WeekChange:
    if change is None:
        return WeekChange(newly_closed=0, newly_overdue=0)
    return WeekChange(newly_closed=change.newly_closed, newly_overdue=change.newly_overdue)
