"""Ledger rows → problems and tasks, with every row error found (not only the first).

Pure: works on the grid and the header, no database. Conventions of real ledgers:
- a problem cell merged down over its measures, or left blank below the first measure,
  or repeated on every measure row, all mean the same problem;
- a row naming only one thing (一、政治建设方面) is a category heading;
- a row with a problem but no measure opens a problem whose measures follow;
- rows after 备注 / 填报说明 / 注: are notes, not tasks; 合计 / 小计 rows are skipped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ledger.importing.deadlines import DeadlinePhraseError, parse_deadline, parse_kind
from ledger.importing.header import Header
from ledger.importing.reading import Grid
from ledger.inputs import responsible_units, split_units
from ledger.wording import cn_date
from models.enums import TaskKind
from models.rules import is_before_feedback

_STOP = re.compile(r"^(备\s*注|填[报表]\s*说\s*明|说\s*明|注\s*[::\d1１一])")
_SKIP = re.compile(r"^(合\s*计|总\s*计|小\s*计)")
_DONE_WORDS = (
    "已完成",
    "已整改到位",
    "已整改完成",
    "整改完成",
    "完成整改",
    "已办结",
    "已销号",
    "已整改",
)
_NOT_DONE_WORDS = ("未完成", "尚未完成", "没有完成", "未整改", "正在", "推进中", "整改中")
_SERIAL_PREFIX = re.compile(r"^\s*[((]?[一二三四五六七八九十百\d]+(?:\.\d+)*[))]?[、.．]?\s*")
_LIMITS = {"serial": 40, "category": 200, "leader": 100, "person": 100}
UNIT_NAME_MAX = 200


@dataclass
class RowError:
    row: int  # Excel row number (1-based)
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class ParsedProblem:
    key: str
    serial: str
    category: str
    description: str
    goal: str
    row: int


@dataclass
class ParsedTask:
    row: int
    problem_key: str
    key: tuple[str, str]
    measure: str
    lead_unit: str
    co_units: list[str]
    leader: str
    person: str
    kind: TaskKind
    deadline: date | None  # None for 长期坚持, and for 立行立改 written without a date
    deadline_text: str
    progress: str
    completion: str
    note: str
    status_text: str
    marked_done: bool
    extra: dict[str, str] = field(default_factory=dict)  # the ledger's other columns


@dataclass
class ParsedLedger:
    problems: list[ParsedProblem] = field(default_factory=list)
    tasks: list[ParsedTask] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped_rows: list[int] = field(default_factory=list)  # 合计 / notes, 1-based
    present: frozenset[str] = frozenset()  # fields the ledger has a column for


def normalise_text(text: str) -> str:
    """The matching key of a problem or a measure: letters and digits only, half-width.

    Re-importing a corrected ledger must find the same task even when someone retyped a
    comma as ",", added a space or a line break, or dropped the 1、 in front.
    """
    nfkc = unicodedata.normalize("NFKC", text)
    key = re.sub(r"[\W_]+", "", _SERIAL_PREFIX.sub("", nfkc, count=1))
    return key or re.sub(r"\s+", "", nfkc)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\x00", "").strip()


def _serial(value: Any) -> str:
    text = _text(value)
    return unicodedata.normalize("NFKC", text).strip().rstrip("、.") if text else ""


def is_marked_done(*texts: str) -> bool:
    joined = " ".join(texts)
    return any(w in joined for w in _DONE_WORDS) and not any(w in joined for w in _NOT_DONE_WORDS)


class _Reader:
    def __init__(
        self, grid: Grid, header: Header, feedback_date: date | None, anchor: date
    ) -> None:
        self.grid, self.header, self.feedback_date = grid, header, feedback_date
        self.anchor = anchor
        self.out = ParsedLedger()
        self.problems: dict[str, ParsedProblem] = {}
        self.task_rows: dict[tuple[str, str], int] = {}
        self.current_problem: ParsedProblem | None = None
        self.category = ""

    def cell(self, r: int, f: str) -> Any:
        c = self.header.columns.get(f)
        row = self.grid.values[r]
        return row[c] if c is not None and c < len(row) else None

    def label(self, f: str) -> str:
        from ledger.importing.header import FIELD_LABELS

        return self.header.labels.get(f, FIELD_LABELS[f])

    def error(self, r: int, message: str) -> None:
        self.out.errors.append(RowError(r + 1, f"第{r + 1}行{message}"))

    def run(self) -> ParsedLedger:
        for r in range(self.header.last_row + 1, len(self.grid.values)):
            values = [v for v in self.grid.values[r] if v is not None]
            if not values:
                continue
            first = _text(values[0])
            if _STOP.match(first) and self.cell(r, "lead_unit") in (None, values[0]):
                self.out.skipped_rows.extend(range(r + 1, len(self.grid.values) + 1))
                break
            if _SKIP.match(first):
                self.out.skipped_rows.append(r + 1)
                continue
            self.row(r, values)
        return self.out

    def row(self, r: int, values: list[Any]) -> None:
        problem_text = _text(self.cell(r, "problem"))
        per_problem = "measure" not in self.header.columns
        if per_problem:
            # One row per problem: the problem is its own single measure (its 整改要求 /
            # 整改目标 where the ledger gives one).
            measure = _text(self.cell(r, "goal")) or problem_text
        else:
            measure = _text(self.cell(r, "measure"))
        units = _text(self.cell(r, "lead_unit"))
        deadline = self.cell(r, "deadline")
        nothing_of_a_task = not measure and not units and deadline is None
        if per_problem:
            nothing_of_a_task = not units and deadline is None
        heading_only = nothing_of_a_task and (not problem_text or problem_text.endswith("方面"))
        if values.count(values[0]) == len(values) and (len(values) > 1 or heading_only):
            # One thing named across the row or in a side column: 一、政治建设方面.
            self.category = _SERIAL_PREFIX.sub("", _text(values[0]))[:200]
            return
        if nothing_of_a_task and problem_text and not per_problem:
            # A problem whose measures follow in the rows below.
            self.current_problem = self.problem(r, problem_text)
            return
        mc = self.header.columns.get("measure")
        if mc is not None and (r, mc) in self.grid.continued and self.out.tasks:
            self._continued_measure(r, units)
            return
        if problem_text:
            self.current_problem = self.problem(r, problem_text)
        problem = self.current_problem
        ok = True
        if problem is None:
            self.error(r, f"「{self.label('problem')}」为空,且上方没有可归属的问题,请填写问题")
            ok = False
        if not measure:
            self.error(r, f"「{self.label('measure')}」为空,请填写整改措施")
            ok = False
        unit_names = responsible_units(units, _text(self.cell(r, "co_units")))
        if not unit_names:
            self.error(r, f"「{self.label('lead_unit')}」为空,请填写牵头单位")
            ok = False
        for name in unit_names:
            if len(name) > UNIT_NAME_MAX:
                self.error(r, f"单位名称“{name[:20]}…”超过{UNIT_NAME_MAX}字,请检查是否填错了列")
                ok = False
        texts = {f: _text(self.cell(r, f)) for f in ("leader", "person", "serial")}
        for f, limit in _LIMITS.items():
            if f in texts and len(texts[f]) > limit:
                self.error(r, f"「{self.label(f)}」超过{limit}字,请检查是否填错了列")
                ok = False
        kind_deadline = self.deadline(r, deadline)
        if kind_deadline is None:
            ok = False
        if not ok or problem is None or kind_deadline is None:
            return
        key = (problem.key, normalise_text(measure))
        if key in self.task_rows:
            self.error(
                r,
                f"与第{self.task_rows[key]}行的问题和整改措施相同,请删除重复行,或写明两项措施的区别",
            )
            return
        self.task_rows[key] = r + 1
        progress = _text(self.cell(r, "progress"))
        completion = _text(self.cell(r, "completion"))
        status_text = _text(self.cell(r, "status"))
        self.out.tasks.append(
            ParsedTask(
                row=r + 1,
                problem_key=problem.key,
                key=key,
                measure=measure,
                lead_unit=unit_names[0],
                co_units=unit_names[1:],
                leader=texts["leader"],
                person=texts["person"],
                kind=kind_deadline[0],
                deadline=kind_deadline[1],
                deadline_text=_text(deadline),
                progress=progress,
                completion=completion,
                note=_text(self.cell(r, "note")),
                status_text=status_text,
                marked_done=is_marked_done(completion, progress, status_text),
                extra=self.extra(r),
            )
        )

    def extra(self, r: int) -> dict[str, str]:
        row = self.grid.values[r]
        kept = {}
        for c, label in self.header.extra.items():
            text = _text(row[c]) if c < len(row) else ""
            if text:
                kept[label] = text[:2000]
        return kept

    def _continued_measure(self, r: int, units: str) -> None:
        """A measure cell merged over several rows is one task; extra units there join it."""
        task = self.out.tasks[-1]
        for name in split_units(units):
            if name != task.lead_unit and name not in task.co_units:
                task.co_units.append(name)

    def problem(self, r: int, text: str) -> ParsedProblem:
        key = normalise_text(text)
        problem = self.problems.get(key)
        goal = _text(self.cell(r, "goal"))
        if problem is None:
            serial = _serial(self.cell(r, "serial"))
            if re.fullmatch(r"\d+(\.\d+)+", serial):
                serial = serial.split(".")[0]  # 1.2 numbers the measure; the problem is 1
            category = _text(self.cell(r, "category")) or self.category
            problem = ParsedProblem(
                key=key,
                serial=serial[:40],
                category=category[:200],
                description=text,
                goal=goal,
                row=r + 1,
            )
            self.problems[key] = problem
            self.out.problems.append(problem)
        elif goal and not problem.goal:
            problem.goal = goal
        return problem

    def deadline(self, r: int, value: Any) -> tuple[TaskKind, date | None] | None:
        label = self.label("deadline")
        kind_text = _text(self.cell(r, "kind"))
        kind_col = parse_kind(kind_text) if kind_text else None
        if value is None or value == "":
            if kind_col in (TaskKind.ongoing, TaskKind.immediate):
                return kind_col, None
            self.error(r, f"「{label}」为空,请填写日期(如 2026-12-31)、立行立改或长期坚持")
            return None
        try:
            parsed = parse_deadline(value, feedback_date=self.anchor)
        except DeadlinePhraseError as exc:
            shown = _text(value)[:40]
            if str(exc) == "日期不存在":
                self.error(r, f"「{label}」“{shown}”不是有效日期,请核对年月日")
            else:
                self.error(
                    r,
                    f"「{label}」“{shown}”无法识别,请写成 2026-12-31、2026年12月底、立行立改或长期坚持",
                )
            return None
        kind, when = parsed.kind, parsed.date
        kind_label = self.label("kind")
        if kind_col is TaskKind.ongoing and when is not None:
            self.error(
                r, f"「{kind_label}」为长期坚持,但「{label}」填了日期“{_text(value)}”,请二选一"
            )
            return None
        if kind_col is TaskKind.dated and when is None:
            self.error(r, f"「{kind_label}」为限期整改,「{label}」须填写具体日期")
            return None
        if kind_col is TaskKind.immediate and kind is TaskKind.ongoing:
            self.error(r, f"「{kind_label}」为立行立改,「{label}」却写“{_text(value)}”,请二选一")
            return None
        kind = kind_col or kind
        if is_before_feedback(when, self.feedback_date):
            assert self.feedback_date is not None
            self.error(
                r,
                f"「{label}」“{_text(value)}”早于反馈日期{cn_date(self.feedback_date)},请核对",
            )
            return None
        return kind, when


def parse_rows(
    grid: Grid, header: Header, *, feedback_date: date | None, anchor: date | None = None
) -> ParsedLedger:
    """Every problem and task of the sheet, and every row error.

    Deadlines are compared with the feedback date only when it is known (a ledger of a round
    fed back long ago has deadlines in the past: those tasks are simply overdue). A deadline
    written without a year (12月底) is read as the first such date on or after `anchor`:
    the feedback date, else the best date known (the ledger's 填报时间, or today)."""
    start = feedback_date or anchor
    assert start is not None, "a deadline without a year needs a date to count from"
    ledger = _Reader(grid, header, feedback_date, start).run()
    ledger.present = frozenset(header.columns)
    return ledger
