"""单位考核: each lead unit's score of a period, computed from the tasks and their history.

Nothing here is entered by hand. Set-based queries gather the facts of a period (the live
tasks registered by its end, their status spans, the 退回 / 督办 / 销号 rows, the reports
owed and made) and count them; models.scoring holds the rule and its arithmetic. An open
period is recomputed on every read (the office board's ranking is kept per state of the
ledger in score_cache, see compute_board); a closed one (`close_period`, the office only, in history) is
read back from its snapshot (models.score_tables.ScoreSnapshot), so a later 退回 or correction
leaves a closed period's ranking as it was published.

Who is scored: the lead unit (牵头单位) of each task; a co-unit's part is not scored here.
"Missed report": a task on a 报送周期 (its own, its round's or rectify.toml's; models.cadence)
misses a report for each period whose due day is over, falls in the 考核 period, and passed
with the task registered, still 待整改 / 整改中 at the day's end, and no report of the lead
unit's from the period's first day to the due day (a co-unit's report on its part is not
the lead's; an imported one carries the import's date). A 长期坚持 task on no cadence misses
one when it goes the ongoing rule's silence (Rules.ongoing_silence_days) without a report,
once per full silence, as the 长期坚持提醒 counts it. A 长期坚持 task on a cadence is counted
by its cadence only: the silence rule would count the same silence again.

Who reads: the office and the leaders every unit; a unit its own row (with its rank).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
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
from models.cadence import NONE, parse_cadence
from models.cadence import period_of as cadence_period_of
from models.enums import STATUS_LABELS, ReportKind, Role, TaskKind, TaskStatus
from models.rules import RuleError, Rules
from models.score_tables import ScoreCache, ScoreSnapshot
from models.tables import HistoryEntry, ProgressReport, Task, UTCDateTime

log = logging.getLogger(__name__)

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
    # How many items the unit has: len(items), or more on a board that lists the items of
    # its first units only (ScoreBoard.detail).
    item_count: int | None = None

    @property
    def items_total(self) -> int:
        return len(self.items) if self.item_count is None else self.item_count

    def causes_text(self, limit: int = 5) -> str:
        """The largest items in a line: [1.1]逾期6个工作日(…) -3;…等6项."""
        shown = ";".join(f"[{i.task_code}]{i.what} {i.points:+g}" for i in self.items[:limit])
        more = f"等{self.items_total}项" if self.items_total > limit else ""
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
            "item_count": self.items_total,
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
            item_count=data.get("item_count"),
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
    detail: int | None = None  # only the first `detail` units carry their items; None: all

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


# ---- The facts of a period, in SQL ------------------------------------------------------
#
# Measured at 100,000 tasks / 2,000 units on SQLite (benchmarks --only score): the ranking
# read every task as an ORM-typed row, turned each timestamp into a Shanghai date in Python
# (105k astimezone calls) and walked each task's spans in Python: 2.3 s. Now the per-task
# overdue working days are one statement (status spans from the history with window
# functions, working days from a calendar of the period's days sent with the query), the
# 退回 / 督办 / 提前完成 counts are aggregates, and only the tasks that owe reports
# (长期坚持, or a 报送周期) are walked in Python. Days are compared as ordinals: a
# timestamp's Shanghai day is (unix seconds + the zone's offset) // 86400, the offset read
# once per period (Asia/Shanghai has had one offset since 1991). The ranking aggregates per
# unit; only the units shown get their items (`detail`).

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_KNOWN = sorted(_STATUS_OF)
_WORKING_TEXT = sorted(k for k, v in _STATUS_OF.items() if v in S.WORKING)
_WORKING_VALUES = sorted(s.value for s in S.WORKING)


@dataclass(frozen=True)
class _Window:
    """A period's counted days [first, last] as the SQL sees them."""

    first: date
    last: date
    offset: int  # seconds east of UTC, Asia/Shanghai
    # W(day): the working days in [first, day] for every day from first - 1 to last, each
    # written in three digits, so SQL reads W(d) as substr(wtab, 3 * (d - (first - 1)) + 1, 3).
    wtab: str
    silence: int  # Rules.ongoing_silence_days
    default_spec: str  # Rules.report_cadence as a spec (weekly:1, none)

    @classmethod
    def of(cls, first: date, last: date, calendar: S.Calendar, rules: Rules) -> _Window:
        start = datetime.combine(first, time.min, TZ).utcoffset()
        end = datetime.combine(last, time.max, TZ).utcoffset()
        assert start is not None and start == end, "a zone offset change inside a period"
        before = first - timedelta(days=1)
        wtab = "".join(
            f"{calendar.workdays_between(before, before + timedelta(days=i)):03d}"
            for i in range((last - before).days + 1)
        )
        return cls(
            first,
            last,
            int(start.total_seconds()),
            wtab,
            rules.ongoing_silence_days,
            parse_cadence(rules.report_cadence).spec,
        )

    @property
    def params(self) -> dict[str, Any]:
        return {
            "first_start": datetime.combine(self.first, time.min, TZ),
            "bound": _utc_bound(self.last),
            "first": self.first,
            "last": self.last,
            "first_d": self.first.toordinal(),
            "before_d": self.first.toordinal() - 1,
            "last_d": self.last.toordinal(),
            "off": self.offset,
            "known": _KNOWN,
            "working": _WORKING_TEXT,
            "working_values": _WORKING_VALUES,
            "wtab": self.wtab,
            "silence": self.silence,
            "default_spec": self.default_spec,
        }


class _Sql:
    """The dialect's spelling of a Shanghai day ordinal and of max / min of two values."""

    def __init__(self, session: Session) -> None:
        self.pg = session.get_bind().dialect.name == "postgresql"
        self.live = str(
            live_tasks().compile(
                dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
            )
        )

    def day(self, ts: str) -> str:
        if self.pg:
            return f"(CAST(floor((extract(epoch FROM {ts}) + :off) / 86400) AS INTEGER) + {_EPOCH_ORDINAL})"
        return f"((unixepoch({ts}) + :off) / 86400 + {_EPOCH_ORDINAL})"

    def date_day(self, d: str) -> str:
        if self.pg:
            return f"(({d} - DATE '1970-01-01') + {_EPOCH_ORDINAL})"
        return f"(unixepoch({d}) / 86400 + {_EPOCH_ORDINAL})"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.pg else f"max({a}, {b})"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})" if self.pg else f"min({a}, {b})"


def _binds() -> dict[str, sa.BindParameter[Any]]:
    return {
        "first_start": sa.bindparam("first_start", type_=UTCDateTime()),
        "bound": sa.bindparam("bound", type_=UTCDateTime()),
        "first": sa.bindparam("first", type_=sa.Date()),
        "last": sa.bindparam("last", type_=sa.Date()),
        "known": sa.bindparam("known", expanding=True),
        "working": sa.bindparam("working", expanding=True),
        "working_values": sa.bindparam("working_values", expanding=True),
        "units": sa.bindparam("units", expanding=True),
    }


def _unit_filter(units: list[int] | None, column: str = "task.lead_unit_id") -> str:
    return "" if units is None else f" AND {column} IN :units"


def _run(session: Session, sql: str, w: _Window, units: list[int] | None) -> Iterable[Any]:
    params = {k: v for k, v in w.params.items() if re.search(f":{k}\\b", sql)}
    if units is not None:
        params["units"] = units
    binds = [b for k, b in _binds().items() if k in params]
    return session.execute(sa.text(sql).bindparams(*binds), params)


def _overdue_sql(q: _Sql, units: list[int] | None) -> str:
    """Per dated task (of the lead units asked): its overdue working days in [first, last],
    the SQL form of models.scoring.overdue_workdays over the task's status spans.

    A task's first span runs from its registration to its first status change (in the
    status the change left); each change day starts a span to the next one. A change before
    the period counts as on its eve: only the status it leaves matters. The working days of
    a span [a, b] are W(b) - W(a - 1), W read from the period's calendar string."""

    def w(x: str) -> str:
        return f"CAST(substr(:wtab, 3 * (({x}) - :before_d) + 1, 3) AS INTEGER)"

    return f"""
WITH scored AS (
  SELECT task.id AS id, task.lead_unit_id AS unit_id, task.status AS status,
         CASE WHEN task.created_at < :first_start THEN :before_d
              ELSE {q.day("task.created_at")} END AS created_d,
         CASE WHEN task.deadline < :first THEN :first_d
              ELSE {q.date_day("task.deadline")} + 1 END AS lo
  FROM task
  WHERE {q.live} AND task.created_at < :bound AND task.kind <> 'ongoing'
    AND task.deadline IS NOT NULL AND task.deadline < :last{_unit_filter(units)}
),
ranked AS (
  SELECT c.*,
         ROW_NUMBER() OVER (PARTITION BY task_id, d ORDER BY at DESC, id DESC) AS last_of_day,
         ROW_NUMBER() OVER (PARTITION BY task_id ORDER BY at, id) AS nth
  FROM (
    SELECT h.task_id, h.id, h.at, h.old_value, h.new_value, s.lo,
           CASE WHEN h.at < :first_start THEN :before_d ELSE {q.day("h.at")} END AS d
    FROM history h JOIN scored s ON s.id = h.task_id
    WHERE h.field = 'status' AND h.new_value IN :known AND h.at < :bound
  ) c
),
change_spans AS (
  SELECT task_id, {q.greatest("lo", "d")} AS a,
         COALESCE(LEAD(d) OVER (PARTITION BY task_id ORDER BY d) - 1, :last_d) AS b,
         CASE WHEN new_value IN :working THEN 1 ELSE 0 END AS working
  FROM ranked WHERE last_of_day = 1
),
change_days AS (
  SELECT task_id, SUM({w("b")} - {w("a - 1")}) AS days
  FROM change_spans WHERE working = 1 AND a <= b GROUP BY task_id
),
first_span AS (
  SELECT s.id, s.unit_id, {q.greatest("s.lo", "s.created_d")} AS a,
         COALESCE(r.d - 1, :last_d) AS b,
         CASE WHEN r.task_id IS NULL THEN
                CASE WHEN s.status IN :working_values THEN 1 ELSE 0 END
              WHEN r.old_value IS NULL OR r.old_value NOT IN :known
                   OR r.old_value IN :working THEN 1
              ELSE 0 END AS working
  FROM scored s LEFT JOIN ranked r ON r.task_id = s.id AND r.nth = 1
)
SELECT f.id AS task_id, f.unit_id AS unit_id,
       CASE WHEN f.working = 1 AND f.a <= f.b THEN {w("f.b")} - {w("f.a - 1")} ELSE 0 END
       + COALESCE(cd.days, 0) AS days
FROM first_span f LEFT JOIN change_days cd ON cd.task_id = f.id
"""


def _spans_sql(q: _Sql, tasks: str) -> str:
    """CTEs of the status spans of the tasks in the CTE `tasks` (id, status, created_d):
    `spans(task_id, a, b, working)`, days as ordinals, changes before the period on its eve.
    The same spans as _TaskFacts.spans: registration to the first change in the status that
    change left, then from each change day (the day's last change) to the next."""
    return f"""
ranked AS (
  SELECT c.*,
         ROW_NUMBER() OVER (PARTITION BY task_id, d ORDER BY at DESC, id DESC) AS last_of_day,
         ROW_NUMBER() OVER (PARTITION BY task_id ORDER BY at, id) AS nth
  FROM (
    SELECT h.task_id, h.id, h.at, h.old_value, h.new_value,
           CASE WHEN h.at < :first_start THEN :before_d ELSE {q.day("h.at")} END AS d
    FROM history h JOIN {tasks} t ON t.id = h.task_id
    WHERE h.field = 'status' AND h.new_value IN :known AND h.at < :bound
  ) c
),
-- MATERIALIZED: computed once. PostgreSQL, which estimates the tasks at one row, would
-- otherwise inline the spans into a nested loop and compute them again for every task.
spans AS MATERIALIZED (
  SELECT task_id, d AS a,
         COALESCE(LEAD(d) OVER (PARTITION BY task_id ORDER BY d) - 1, :last_d) AS b,
         CASE WHEN new_value IN :working THEN 1 ELSE 0 END AS working
  FROM ranked WHERE last_of_day = 1
  UNION ALL
  SELECT t.id, t.created_d, COALESCE(r.d - 1, :last_d),
         CASE WHEN r.task_id IS NULL THEN
                CASE WHEN t.status IN :working_values THEN 1 ELSE 0 END
              WHEN r.old_value IS NULL OR r.old_value NOT IN :known
                   OR r.old_value IN :working THEN 1
              ELSE 0 END
  FROM {tasks} t LEFT JOIN ranked r ON r.task_id = t.id AND r.nth = 1
)"""


def _cadence_of(q: _Sql) -> str:
    """A task's 报送周期 spec in SQL: its own, else its round's, else the configured one."""
    return (
        "COALESCE(NULLIF(task.report_cadence, ''), (SELECT NULLIF(i.report_cadence, '')"
        " FROM inspection i WHERE i.id = task.inspection_id), :default_spec)"
    )


def _silent(q: _Sql) -> str:
    """Tasks counted by the 长期坚持 silence rule: 长期坚持 (or without a deadline) and on no
    报送周期. A task on a cadence owes the cadence's reports instead (_cadence_sql), so one
    missed report is never deducted twice."""
    return f"(task.kind = 'ongoing' OR task.deadline IS NULL) AND {_cadence_of(q)} = '{NONE}'"


def _cadence_sql(q: _Sql, dues: list[tuple[str, int, int]], units: list[int] | None) -> str:
    """Per task on a 报送周期 and per period due in the window (`dues`: spec, the period's
    first day, its due day, as ordinals; specs as :c0, :c1 ... binds): a report missed. The
    task was registered by the due day, the unit had it (待整改 / 整改中) at the day's end,
    and the lead unit reported nothing on it from the period's first day to the due day
    (models.cadence.is_reported_late; a co-unit's report on its part is not the lead's)."""
    specs = sorted({spec for spec, _, _ in dues})
    rows = ", ".join(f"(:c{specs.index(spec)}, {a}, {b})" for spec, a, b in dues)
    reported = q.day("r.reported_at")
    return f"""
WITH dues(spec, pstart, due) AS (VALUES {rows}),
tasks AS (
  SELECT task.id AS id, task.lead_unit_id AS unit_id, task.code AS code,
         task.status AS status, {q.day("task.created_at")} AS created_d,
         COALESCE(NULLIF(task.report_cadence, ''), NULLIF(i.report_cadence, ''),
                  :default_spec) AS spec
  FROM task JOIN inspection i ON i.id = task.inspection_id
  WHERE {q.live} AND task.created_at < :bound{_unit_filter(units)}
),
owed AS (
  SELECT t.id, t.unit_id, t.code, t.status, t.created_d, t.spec, d.pstart, d.due
  FROM tasks t JOIN dues d ON d.spec = t.spec WHERE t.created_d <= d.due
),
owers AS (SELECT DISTINCT id, status, created_d FROM owed),
{_spans_sql(q, "owers")}
-- A task's spans do not overlap: at most one holds the due day.
SELECT o.unit_id, o.id, o.code, o.spec, o.pstart, o.due
FROM owed o JOIN spans s ON s.task_id = o.id AND s.working = 1
  AND s.a <= o.due AND o.due <= s.b
WHERE NOT EXISTS (SELECT 1 FROM progressreport r WHERE r.task_id = o.id
                    AND r.unit_id IS NULL AND r.kind <> '{ReportKind.imported.value}'
                    AND r.reported_at < :bound
                    AND {reported} >= o.pstart AND {reported} <= o.due)
"""


def _dues(
    session: Session, q: _Sql, w: _Window, *, today: date, calendar: S.Calendar
) -> list[tuple[str, int, int]]:
    """(spec, period start, due day) of every cadence in use whose due day falls in [first,
    last] and is over by `today` (a report due today may still come today)."""
    used = {w.default_spec}
    used |= set(
        session.execute(sa.text("SELECT DISTINCT report_cadence FROM inspection")).scalars()
    )
    used |= set(
        session.execute(
            sa.text("SELECT DISTINCT report_cadence FROM task WHERE report_cadence IS NOT NULL")
        ).scalars()
    )
    dues = []
    for spec in sorted(x for x in used if x and x != NONE):
        try:
            cadence = parse_cadence(spec)
        except RuleError:
            continue  # not a spec (the forms store specs only): no rhythm to count
        day = w.first
        while day <= w.last:
            p = cadence_period_of(cadence, day, calendar)
            assert p is not None
            if p.due is not None and w.first <= p.due <= w.last and p.due < today:
                dues.append((spec, p.start.toordinal(), p.due.toordinal()))
            day = p.end + timedelta(days=1)
    return dues


def _silence_sql(q: _Sql, units: list[int] | None) -> str:
    """Per 长期坚持 task (or one without a deadline): how many reports it missed in [first,
    last], the SQL form of models.scoring.missed_report_days. From each activity day (the
    registration, each report) a report falls due every :silence days until the next one;
    a due day counts when it lies in the period and in a span the unit had the task. Tasks
    on a 报送周期 are kept (their units are ranked) but count nothing here (_silent); the
    cadence is a column, not a filter, so PostgreSQL's estimate of `owing` stays sane (a
    filter on it estimated one row and re-ran the spans for every gap: seconds, not ms)."""
    return f"""
WITH owing AS (
  SELECT task.id AS id, task.lead_unit_id AS unit_id, task.status AS status,
         {q.day("task.created_at")} AS created_d, {_cadence_of(q)} AS spec
  FROM task
  WHERE {q.live} AND task.created_at < :bound
    AND (task.kind = 'ongoing' OR task.deadline IS NULL){_unit_filter(units)}
),
{_spans_sql(q, "owing")},
acts AS (
  SELECT id AS task_id, created_d AS d FROM owing
  UNION ALL  -- a day twice makes an empty gap (x > y) before the right one
  SELECT r.task_id, {q.day("r.reported_at")} FROM progressreport r JOIN owing o ON o.id = r.task_id
  WHERE r.kind <> '{ReportKind.imported.value}' AND r.reported_at < :bound
),
gaps AS (
  SELECT task_id, d AS since,
         {q.greatest(":first_d", "d + 1")} AS x,
         {q.least(":last_d", "COALESCE(LEAD(d) OVER (PARTITION BY task_id ORDER BY d) - 1, :last_d)")} AS y
  FROM acts
),
hits AS MATERIALIZED (
  SELECT g.task_id, g.since, {q.greatest("g.x", "s.a")} AS lo, {q.least("g.y", "s.b")} AS hi
  FROM gaps g JOIN spans s ON s.task_id = g.task_id AND s.working = 1
  WHERE g.x <= g.y
)
SELECT o.unit_id, o.id AS task_id,
       COALESCE(SUM((h.hi - h.since) / :silence - (h.lo - 1 - h.since) / :silence), 0) AS n
FROM owing o LEFT JOIN hits h ON h.task_id = o.id AND h.lo <= h.hi AND o.spec = '{NONE}'
GROUP BY o.unit_id, o.id
"""


def _events_sql(q: _Sql, units: list[int] | None) -> str:
    """退回 and 督办 rows of the period on live tasks (every row counts, as it always did)."""
    return f"""
SELECT task.lead_unit_id, task.id, task.code, h.action, h.at
FROM history h JOIN task ON task.id = h.task_id
WHERE {q.live} AND task.created_at < :bound AND h.action IN ('return', 'supervise')
  AND h.at >= :first_start AND h.at < :bound{_unit_filter(units)}
"""


def _early_sql(q: _Sql, units: list[int] | None) -> str:
    """Tasks closed now whose 销号 in the period fell before the deadline (the latest one)."""
    return f"""
SELECT task.lead_unit_id, task.id, task.code, task.deadline, max(h.at)
FROM history h JOIN task ON task.id = h.task_id
WHERE {q.live} AND task.created_at < :bound AND task.status = 'closed'
  AND task.deadline IS NOT NULL AND h.action = 'verify' AND h.field = 'status'
  AND h.at >= :first_start AND h.at < :bound
  AND {q.day("h.at")} < {q.date_day("task.deadline")}{_unit_filter(units)}
GROUP BY task.lead_unit_id, task.id, task.code, task.deadline
"""


def _owing_sql(q: _Sql, units: list[int] | None) -> str:
    """Live tasks that owe reports on silence: 长期坚持 (or without a deadline)."""
    return f"""
SELECT task.id, task.lead_unit_id, task.code, task.kind, task.deadline, task.status,
       {q.day("task.created_at")}
FROM task
WHERE {q.live} AND task.created_at < :bound
  AND {_silent(q)}{_unit_filter(units)}
"""


def _report_facts(
    session: Session, q: _Sql, w: _Window, units: list[int] | None
) -> dict[int, _TaskFacts]:
    """The tasks that owe reports, with their report days and status changes (few rows)."""
    facts: dict[int, _TaskFacts] = {}
    for tid, unit_id, code, kind, deadline, status, created in _run(
        session, _owing_sql(q, units), w, units
    ):
        facts[tid] = _TaskFacts(
            id=tid,
            code=code,
            unit_id=unit_id,
            kind=TaskKind(kind),
            deadline=_as_date(deadline),
            created=date.fromordinal(int(created)),
            status=TaskStatus(status),
        )
    if not facts:
        return facts
    owing = f"SELECT task.id FROM task WHERE {q.live} AND task.created_at < :bound" + (
        f" AND {_silent(q)}" + _unit_filter(units)
    )
    changes = f"""
SELECT h.task_id, {q.day("h.at")}, h.old_value, h.new_value FROM history h
WHERE h.task_id IN ({owing}) AND h.field = 'status' AND h.new_value IN :known
  AND h.at < :bound
ORDER BY h.at, h.id
"""
    for tid, day, old, new in _run(session, changes, w, units):
        task = facts.get(tid)
        if task is not None:
            task.changes.append(
                (date.fromordinal(int(day)), _STATUS_OF.get(old or ""), _STATUS_OF[new])
            )
    # An imported report carries the import's date, not the unit's (as the reminders).
    reports = f"""
SELECT r.task_id, {q.day("r.reported_at")} FROM progressreport r
WHERE r.task_id IN ({owing}) AND r.kind <> '{ReportKind.imported.value}'
  AND r.reported_at < :bound
"""
    for tid, day in _run(session, reports, w, units):
        task = facts.get(tid)
        if task is not None:
            task.reports.append(date.fromordinal(int(day)))
    return facts


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _as_utc(value: Any) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass
class _TaskFacts:
    """A task that owes reports: its registration, reports and status changes."""

    id: int
    code: str
    unit_id: int
    kind: TaskKind
    deadline: date | None
    created: date
    status: TaskStatus
    changes: list[tuple[date, TaskStatus | None, TaskStatus]] = field(default_factory=list)
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


def _report_items(
    task: _TaskFacts, period: S.Period, last: date, *, scoring: S.ScoringRules, rules: Rules
) -> list[ScoreItem]:
    missed = S.missed_report_days(
        activity=[task.created, *task.reports],
        spans=task.spans(),
        silence_days=rules.ongoing_silence_days,
        first=period.start,
        last=last,
    )
    return [
        ScoreItem(
            task.id,
            task.code,
            "missed_report",
            f"长期坚持任务连续{rules.ongoing_silence_days}天未报送进展(至{cn_date(day)})",
            S.points(-scoring.missed_report),
        )
        for day in missed
        if S.points(-scoring.missed_report)
    ]


@dataclass
class _Tally:
    """A unit's items of the period, or only their points where the items are not shown."""

    points: list[float] = field(default_factory=list)
    items: list[ScoreItem] = field(default_factory=list)

    def add(self, value: float, count: int = 1) -> None:
        self.points.extend([value] * count)

    def add_item(self, item: ScoreItem) -> None:
        self.items.append(item)
        self.points.append(item.points)


def _tallies(
    session: Session,
    period: S.Period,
    last: date,
    *,
    scoring: S.ScoringRules,
    rules: Rules,
    calendar: S.Calendar,
    today: date,
    units: list[int] | None,
    itemised: bool,
) -> tuple[dict[int, _Tally], set[int]]:
    """Each lead unit's points of the period (of `units`, or of every unit): with their
    items when `itemised` (the report owers walked in Python), else aggregated in SQL. When
    aggregated, also every lead unit of a live task registered by `last` (the units ranked);
    itemised, an empty set."""
    seen: set[int] = set()
    q = _Sql(session)
    w = _Window.of(period.start, last, calendar, rules)
    tally: dict[int, _Tally] = defaultdict(_Tally)

    def add(unit_id: int, task_id: int, code: str, cause: str, what: str, pts: float) -> None:
        value = S.points(pts)
        if value:
            tally[unit_id].add_item(ScoreItem(task_id, code, cause, what, value))

    overdue = _overdue_sql(q, units)
    if itemised:
        rows = _run(
            session,
            f"SELECT o.unit_id, o.task_id, o.days, task.code, task.deadline FROM ({overdue}) o"
            " JOIN task ON task.id = o.task_id WHERE o.days > 0",
            w,
            units,
        )
        for unit_id, tid, days, code, deadline in rows:
            due = _as_date(deadline)
            assert due is not None
            add(
                unit_id,
                tid,
                code,
                "overdue",
                f"逾期{days}个工作日(整改时限{cn_date(due)})",
                -days * scoring.overdue_workday,
            )
        for unit_id, tid, code, action, at in _run(session, _events_sql(q, units), w, units):
            day = cn_date(_local_day(_as_utc(at)))
            if action == "return":
                add(unit_id, tid, code, "returned", f"销号申请被退回({day})", -scoring.returned)
            else:
                add(unit_id, tid, code, "supervised", f"被督办({day})", -scoring.supervised)
        for unit_id, tid, code, deadline, at in _run(session, _early_sql(q, units), w, units):
            due = _as_date(deadline)
            assert due is not None
            add(
                unit_id,
                tid,
                code,
                "early_close",
                f"提前完成:{cn_date(_local_day(_as_utc(at)))}销号,早于整改时限{cn_date(due)}",
                scoring.early_close,
            )
    else:
        # Only the tasks due by `last` (the units ranked come from _unit_names: a second
        # scan of the covering index is cheaper than carrying every dated task through the
        # spans, 28 ms against 55 ms at 100,000 tasks).
        every = _overdue_sql(q, units)
        grouped = f"SELECT o.unit_id, o.days, count(*) FROM ({every}) o GROUP BY o.unit_id, o.days"
        for unit_id, days, n in _run(session, grouped, w, units):
            seen.add(unit_id)
            value = S.points(-days * scoring.overdue_workday)
            if value:
                tally[unit_id].add(value, n)
        events = f"SELECT e.lead_unit_id, e.action, count(*) FROM ({_events_sql(q, units)}) e GROUP BY e.lead_unit_id, e.action"
        for unit_id, action, n in _run(session, events, w, units):
            value = S.points(-(scoring.returned if action == "return" else scoring.supervised))
            if value:
                tally[unit_id].add(value, n)
        early = f"SELECT e.lead_unit_id, count(*) FROM ({_early_sql(q, units)}) e GROUP BY e.lead_unit_id"
        for unit_id, n in _run(session, early, w, units):
            value = S.points(scoring.early_close)
            if value:
                tally[unit_id].add(value, n)
    dues = _dues(session, q, w, today=today, calendar=calendar)
    specs = sorted({spec for spec, _, _ in dues})
    cadence_sql = _cadence_sql(q, dues, units) if dues else ""
    missed_value = S.points(-scoring.missed_report)

    def run_cadence(sql: str) -> Iterable[Any]:
        params = {k: v for k, v in w.params.items() if re.search(f":{k}\\b", sql)}
        params |= {f"c{i}": spec for i, spec in enumerate(specs)}
        if units is not None:
            params["units"] = units
        binds = [b for k, b in _binds().items() if k in params]
        return session.execute(sa.text(sql).bindparams(*binds), params)

    if itemised and cadence_sql:
        labels: dict[tuple[str, int], str] = {}
        for unit_id, tid, code, spec, _start, due in run_cadence(cadence_sql):
            if (spec, due) not in labels:
                cadence = parse_cadence(spec)
                owed = cadence_period_of(cadence, date.fromordinal(due), calendar)
                assert owed is not None
                labels[(spec, due)] = (
                    f"未按{cadence.label}报送进展({owed.label},"
                    f"应于{cn_date(date.fromordinal(due))}前报送)"
                )
            add(unit_id, tid, code, "missed_report", labels[(spec, due)], -scoring.missed_report)
    elif cadence_sql and missed_value:
        grouped_late = f"SELECT m.unit_id, count(*) FROM ({cadence_sql}) m GROUP BY m.unit_id"
        for unit_id, n in run_cadence(grouped_late):
            tally[unit_id].add(missed_value, n)
    if itemised:
        for task in _report_facts(session, q, w, units).values():
            for item in _report_items(task, period, last, scoring=scoring, rules=rules):
                tally[task.unit_id].add_item(item)
    else:
        missed = f"SELECT m.unit_id, sum(m.n) FROM ({_silence_sql(q, units)}) m GROUP BY m.unit_id"
        value = S.points(-scoring.missed_report)
        for unit_id, n in _run(session, missed, w, units):
            seen.add(unit_id)
            if value and n:
                tally[unit_id].add(value, int(n))
    return tally, seen


def _unit_names(session: Session, last: date) -> dict[int, str]:
    """Every lead unit of a live task registered by `last`: the units ranked."""
    q = _Sql(session)
    sql = (
        "SELECT unit.id, unit.name FROM unit WHERE unit.id IN"
        f" (SELECT task.lead_unit_id FROM task WHERE {q.live} AND task.created_at < :bound)"
    )
    rows = session.execute(
        sa.text(sql).bindparams(sa.bindparam("bound", type_=UTCDateTime())),
        {"bound": _utc_bound(last)},
    )
    return {uid: name for uid, name in rows}


def _item_key(item: ScoreItem) -> tuple[float, tuple[int | str, ...]]:
    return (item.points, _code_key(item.task_code))


def _unit_score(
    scoring: S.ScoringRules, unit_id: int, name: str, tally: _Tally, *, itemised: bool
) -> UnitScore:
    # The sums run over the points in the order the items are listed (largest deduction
    # first), so an aggregated and an itemised board agree to the last bit.
    points = sorted(tally.points)
    items = sorted(tally.items, key=_item_key) if itemised else []
    return UnitScore(
        unit_id=unit_id,
        unit=name,
        rank=0,
        score=S.final_score(scoring, points),
        deducted=S.points(-sum(p for p in points if p < 0)),
        bonus=S.points(sum(p for p in points if p > 0)),
        items=items,
        item_count=len(points),
    )


def compute_board(
    session: Session,
    period: S.Period,
    *,
    today: date,
    scoring: S.ScoringRules,
    rules: Rules,
    calendar: S.Calendar,
    detail: int | None = None,
) -> ScoreBoard:
    """Every lead unit's score of `period`, counted up to `today` (or the period's end).

    `detail`: only the first `detail` units of the ranking carry their items (the office's
    board lists ten); the others carry their totals and `item_count`. None: every unit's.
    A ranking with `detail` is kept in score_cache for the ledger's state (_state) and read
    back while that state holds."""
    last = min(period.end, today)
    if detail is None or last < period.start:
        return _computed(
            session,
            period,
            last,
            scoring=scoring,
            rules=rules,
            calendar=calendar,
            today=today,
            detail=detail,
        )
    state = _state(session, period, last, scoring=scoring, rules=rules, calendar=calendar)
    # A due day counts once it is over: the same last day reads otherwise the day after.
    state += f":d{detail}:{'over' if today > last else 'open'}"
    kept = session.execute(
        sa.select(col(ScoreCache.board)).where(
            col(ScoreCache.period) == period.key,
            col(ScoreCache.as_of) == last,
            col(ScoreCache.state) == state,
        )
    ).first()
    if kept is not None:
        return replace(ScoreBoard.of(kept[0]), detail=detail)
    board = _computed(
        session,
        period,
        last,
        scoring=scoring,
        rules=rules,
        calendar=calendar,
        today=today,
        detail=detail,
    )
    _keep(session, period, last, state, board)
    return board


# How far back the state looks for rows committed out of id order (PostgreSQL hands out
# ids at insert, so a slow transaction can commit a lower id after a higher one).
_RECENT_IDS = 10_000


def _state(
    session: Session,
    period: S.Period,
    last: date,
    *,
    scoring: S.ScoringRules,
    rules: Rules,
    calendar: S.Calendar,
) -> str:
    """The ledger's state a ranking depends on, read before the ranking is computed (so a
    kept ranking is never older than its state): every change is in history (its highest
    id, and how many of the latest ids are taken), tasks and reports by count and highest
    id; and the rule, the silence and the period's working days, as a digest."""
    top = session.execute(sa.select(sa.func.max(col(HistoryEntry.id)))).scalar() or 0
    recent = session.execute(
        sa.select(sa.func.count()).where(col(HistoryEntry.id) > top - _RECENT_IDS)
    ).scalar()
    tasks, top_task = session.execute(sa.select(sa.func.count(), sa.func.max(col(Task.id)))).one()
    top_report = session.execute(sa.select(sa.func.max(col(ProgressReport.id)))).scalar()
    w = _Window.of(period.start, last, calendar, rules)
    rule = json.dumps(
        [scoring.as_json(), w.silence, w.default_spec, w.wtab, w.offset], sort_keys=True
    )
    digest = hashlib.sha256(rule.encode()).hexdigest()[:16]
    return f"h{top}.{recent}:t{tasks}.{top_task}:r{top_report}:{digest}"


def _keep(session: Session, period: S.Period, last: date, state: str, board: ScoreBoard) -> None:
    """Store a ranking for its state on a connection of its own, committed at once (the page
    reading it stays a read): the period's older rows go, and of two web processes storing
    the same state one row stays. Failing to store costs a recomputation, nothing else."""
    table: sa.Table = ScoreCache.__table__  # type: ignore[attr-defined]
    bind = session.get_bind()
    insert = postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert
    row = {"period": period.key, "as_of": last, "state": state, "board": board.as_json()}
    try:
        with bind.engine.connect() if isinstance(bind, sa.Connection) else bind.connect() as conn:
            conn.execute(
                table.delete().where(
                    table.c.period == period.key,
                    sa.or_(table.c.as_of != last, table.c.state != state),
                )
            )
            conn.execute(insert(table).values(row).on_conflict_do_nothing())
            conn.commit()
    except sa.exc.OperationalError as exc:  # busy: another writer holds the database
        log.info("单位考核排名未缓存(数据库忙):%s", exc)


def _computed(
    session: Session,
    period: S.Period,
    last: date,
    *,
    scoring: S.ScoringRules,
    rules: Rules,
    calendar: S.Calendar,
    today: date,
    detail: int | None,
) -> ScoreBoard:
    tallies: dict[int, _Tally] = {}
    names: dict[int, str] = {}
    if last >= period.start:
        tallies, _ = _tallies(
            session,
            period,
            last,
            scoring=scoring,
            rules=rules,
            calendar=calendar,
            today=today,
            units=None,
            itemised=detail is None,
        )
        names = _unit_names(session, last)
    scored = [
        _unit_score(scoring, uid, name, tallies.get(uid, _Tally()), itemised=detail is None)
        for uid, name in names.items()
    ]
    scored.sort(key=lambda u: (-u.score, u.unit))
    if detail is not None and scored[:detail]:
        shown = [u.unit_id for u in scored[:detail]]
        items, _ = _tallies(
            session,
            period,
            last,
            scoring=scoring,
            rules=rules,
            calendar=calendar,
            today=today,
            units=shown,
            itemised=True,
        )
        scored[:detail] = [
            _unit_score(scoring, u.unit_id, u.unit, items.get(u.unit_id, _Tally()), itemised=True)
            for u in scored[:detail]
        ]
    ranks = S.competition_ranks([u.score for u in scored])
    units = [replace(u, rank=rank) for rank, u in zip(ranks, scored, strict=True)]
    return ScoreBoard(
        period=period.key,
        label=period.label,
        start=period.start,
        end=period.end,
        as_of=max(last, period.start - timedelta(days=1)),
        rules=scoring.as_json(),
        units=units,
        detail=detail,
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
    detail: int | None = None,
) -> ScoreBoard:
    """The 考核 ranking of a period for the actor: frozen if the period is closed.
    `detail`: the items of the first `detail` units only (compute_board)."""
    board = period_board(
        period,
        session=session,
        today=today,
        scoring=scoring,
        rules=rules,
        calendar=calendar,
        detail=detail,
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
    detail: int | None = None,
) -> ScoreBoard:
    """Every unit's row of a period (its snapshot once closed), for readers of every unit:
    the weekly summary, which goes to the office and the leaders."""
    p = resolve_period(period, today=today, scoring=scoring)
    snap = _snapshot(session, p.key)
    if snap is not None:
        return ScoreBoard.of(snap.board)
    return compute_board(
        session, p, today=today, scoring=scoring, rules=rules, calendar=calendar, detail=detail
    )


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
