"""What an import would do: compare the parsed ledger with the round in the database.

Reads only (a handful of set-based queries, whatever the size), so `--dry-run` shows
exactly what the real import writes.

Matching a re-imported ledger: a problem is the same when its text is the same once
punctuation, spaces and a leading serial are ignored (`rows.normalise_text`); a task is
the same when its problem and its measure text match that way. A task whose measure was
reworded is therefore a new task, and the old one is reported as not in the ledger
(never deleted: deleting tracked work is the office's decision, not an import's).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.importing.rows import ParsedLedger, ParsedProblem, ParsedTask, normalise_text
from ledger.registry import resolve_deadline
from models import rules as R
from models.enums import STATUS_LABELS, TaskKind, TaskStatus
from models.rules import Rules, next_task_code
from models.tables import Problem, ProgressReport, Task, TaskCoUnit, Unit
from models.workdays import WorkCalendar

_STATUS_WORDS = {label: status for status, label in STATUS_LABELS.items()}


@dataclass
class ExistingTask:
    id: int
    problem_id: int
    code: str
    measure: str
    lead_unit: str
    co_units: list[str]
    leader: str
    person: str
    kind: TaskKind
    deadline: date | None
    original_deadline: date | None
    status: TaskStatus
    version: int
    note: str
    latest_report: str | None
    withdrawn: bool = False
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class NewTask:
    parsed: ParsedTask
    problem_key: str
    code: str
    deadline: date | None
    status: TaskStatus


@dataclass
class ChangedTask:
    parsed: ParsedTask
    existing: ExistingTask
    changes: list[tuple[str, Any, Any]]  # field, old, new
    status: TaskStatus  # after the import (pending → in_progress with a first report)
    add_report: bool


@dataclass
class ChangedProblem:
    id: int
    parsed: ParsedProblem
    changes: list[tuple[str, Any, Any]]


@dataclass
class ImportPlan:
    new_problems: list[tuple[ParsedProblem, int]] = field(default_factory=list)  # with seq
    changed_problems: list[ChangedProblem] = field(default_factory=list)
    problem_ids: dict[str, int] = field(default_factory=dict)  # key → id of existing problems
    new_tasks: list[NewTask] = field(default_factory=list)
    changed_tasks: list[ChangedTask] = field(default_factory=list)
    unchanged_tasks: list[tuple[ParsedTask, ExistingTask]] = field(default_factory=list)
    # Rows matching a task the office withdrew: left alone (restoring it is the office's call).
    withdrawn_tasks: list[tuple[ParsedTask, ExistingTask]] = field(default_factory=list)
    new_units: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)  # reported, not applied
    not_in_ledger: list[str] = field(default_factory=list)  # codes of tasks the file left out
    filled_on: date | None = None  # the ledger's 填报时间: the date its progress column speaks for

    @property
    def report_count(self) -> int:
        return sum(bool(t.parsed.progress or t.parsed.completion) for t in self.new_tasks) + sum(
            t.add_report for t in self.changed_tasks
        )


def report_text(task: ParsedTask) -> str:
    """The imported progress report's text: the progress column, else the completion column."""
    return task.progress or task.completion


def _existing(session: Session, inspection_id: int) -> tuple[list[Problem], list[ExistingTask]]:
    problems = list(
        session.exec(
            select(Problem).where(Problem.inspection_id == inspection_id).order_by(col(Problem.seq))
        )
    )
    rows = session.exec(
        select(Task, Unit.name)  # type: ignore[call-overload]
        .join(Unit, col(Unit.id) == Task.lead_unit_id)
        .where(Task.inspection_id == inspection_id)
        .order_by(col(Task.id))
    ).all()
    co: dict[int, list[str]] = defaultdict(list)
    for task_id, name in session.exec(
        select(TaskCoUnit.task_id, Unit.name)
        .join(Unit, col(Unit.id) == TaskCoUnit.unit_id)
        .join(Task, col(Task.id) == TaskCoUnit.task_id)
        .where(Task.inspection_id == inspection_id)
        .order_by(col(TaskCoUnit.task_id), col(TaskCoUnit.position))
    ).all():
        co[task_id].append(name)
    ranked = (
        select(
            ProgressReport.task_id,
            ProgressReport.text,
            sa.func.row_number()
            .over(
                partition_by=col(ProgressReport.task_id),
                order_by=(col(ProgressReport.reported_at).desc(), col(ProgressReport.id).desc()),
            )
            .label("rank"),
        )
        .join(Task, col(Task.id) == ProgressReport.task_id)
        .where(Task.inspection_id == inspection_id)
        .subquery()
    )
    latest = dict(
        session.execute(sa.select(ranked.c.task_id, ranked.c.text).where(ranked.c.rank == 1)).all()
    )
    tasks = [
        ExistingTask(
            id=t.id,  # type: ignore[arg-type]
            problem_id=t.problem_id,
            code=t.code,
            measure=t.measure,
            lead_unit=lead,
            co_units=co.get(t.id, []),  # type: ignore[arg-type]
            leader=t.leader,
            person=t.person,
            kind=TaskKind(t.kind),
            deadline=t.deadline,
            original_deadline=t.original_deadline,
            status=TaskStatus(t.status),
            version=t.version,
            note=t.note,
            latest_report=latest.get(t.id),  # type: ignore[arg-type]
            withdrawn=t.withdrawn_at is not None,
            extra=dict(t.extra or {}),
        )
        for t, lead in rows
    ]
    return problems, tasks


def _known_units(session: Session, names: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(names), 5_000):
        chunk = names[start : start + 5_000]
        known.update(session.exec(select(Unit.name).where(col(Unit.name).in_(chunk))).all())
    return known


def make_plan(
    ledger: ParsedLedger,
    *,
    session: Session,
    inspection_id: int | None,
    today: date,
    rules: Rules,
    calendar: WorkCalendar,
    filled_on: date | None = None,
) -> ImportPlan:
    """`today` is the import day. Where a rule counts from registration (立行立改 without a
    date), a ledger's 填报时间 is its registration: the tasks were entered when it was filled
    in, and a 2018 ledger imported today is not given 2026 deadlines."""
    plan = ImportPlan(filled_on=filled_on)
    names = list(dict.fromkeys(n for t in ledger.tasks for n in (t.lead_unit, *t.co_units)))
    known = _known_units(session, names)
    plan.new_units = [n for n in names if n not in known]
    problems, tasks = _existing(session, inspection_id) if inspection_id else ([], [])
    # The rule registration applies: 立行立改 without a date is due a few working days after.
    immediate_due = resolve_deadline(
        TaskKind.immediate,
        None,
        registered_on=filled_on or today,
        feedback_date=None,
        rules=rules,
        calendar=calendar,
    )
    assert immediate_due is not None

    by_key = {normalise_text(p.description): p for p in problems}
    next_seq = max((p.seq for p in problems), default=0) + 1
    present = ledger.present
    for parsed_problem in ledger.problems:
        found = by_key.get(parsed_problem.key)
        if found is None:
            plan.new_problems.append((parsed_problem, next_seq))
            next_seq += 1
            continue
        assert found.id is not None
        plan.problem_ids[parsed_problem.key] = found.id
        changes = [("description", found.description, parsed_problem.description)]
        for f in ("serial", "category", "goal"):
            new = getattr(parsed_problem, f)
            if (f in present or (f == "category" and new)) and new:
                changes.append((f, getattr(found, f), new))
        changes = [c for c in changes if c[1] != c[2]]
        if changes:
            plan.changed_problems.append(ChangedProblem(found.id, parsed_problem, changes))

    seq_of = {p.key: seq for p, seq in plan.new_problems}
    seq_of.update({normalise_text(p.description): p.seq for p in problems})
    codes_of: dict[int, list[str]] = defaultdict(list)  # problem number → its measures' codes
    problem_of_id = {p.id: p for p in problems}
    existing_by_key: dict[tuple[str, str], ExistingTask] = {}
    for t in tasks:
        problem = problem_of_id[t.problem_id]
        existing_by_key[(normalise_text(problem.description), normalise_text(t.measure))] = t
        codes_of[problem.seq].append(t.code)
    seen: set[int] = set()
    for parsed in ledger.tasks:
        match = existing_by_key.get(parsed.key)
        has_report = bool(report_text(parsed))
        if match is None:
            seq = seq_of[parsed.problem_key]
            # Numbered as registration numbers a measure (models.rules.next_task_code).
            code = next_task_code(seq, codes_of[seq])
            codes_of[seq].append(code)
            deadline = parsed.deadline
            if parsed.kind is TaskKind.immediate and deadline is None:
                deadline = immediate_due
            plan.new_tasks.append(
                NewTask(
                    parsed=parsed,
                    problem_key=parsed.problem_key,
                    code=code,
                    deadline=deadline,
                    # A first progress report moves 待整改 to 整改中, as a report made here does.
                    status=R.after_progress(TaskStatus.pending)
                    if has_report
                    else TaskStatus.pending,
                )
            )
            continue
        seen.add(match.id)
        if match.withdrawn:
            plan.withdrawn_tasks.append((parsed, match))
            plan.differences.append(
                f"第{parsed.row}行与已撤销的任务 {match.code} 相同,未导入;如需恢复,请恢复该任务"
            )
            continue
        _compare(plan, parsed, match, present, immediate_due)
    plan.not_in_ledger = [t.code for t in tasks if t.id not in seen and not t.withdrawn]
    return plan


def _compare(
    plan: ImportPlan,
    parsed: ParsedTask,
    match: ExistingTask,
    present: frozenset[str],
    immediate_due: date,
) -> None:
    changes: list[tuple[str, Any, Any]] = [
        ("measure", match.measure, parsed.measure),
        ("lead_unit", match.lead_unit, parsed.lead_unit),
        ("kind", match.kind.value, parsed.kind.value),
    ]
    for f in ("leader", "person", "note"):
        if f in present:
            changes.append((f, getattr(match, f), getattr(parsed, f)))
    if "co_units" in present or parsed.co_units:
        changes.append(("co_units", match.co_units, parsed.co_units))
    if parsed.extra or match.extra:
        changes.append(("extra", match.extra, parsed.extra))
    deadline = parsed.deadline
    if parsed.kind is TaskKind.immediate and deadline is None:
        # 立行立改 without a date keeps the date it got at registration.
        deadline = match.deadline if match.kind is TaskKind.immediate else immediate_due
    extended = match.deadline != match.original_deadline
    if deadline != match.deadline and extended and deadline is not None:
        plan.differences.append(
            f"第{parsed.row}行「整改时限」为{deadline.isoformat()},任务 {match.code} 已批准延期至"
            f"{match.deadline.isoformat() if match.deadline else '—'},时限以延期审批为准,未修改"
        )
    elif deadline != match.deadline:
        changes.append(("deadline", match.deadline, deadline))
    changes = [c for c in changes if c[1] != c[2]]

    status = match.status
    text = report_text(parsed)
    add_report = bool(text) and text != (match.latest_report or "")
    if add_report and status in (TaskStatus.submitted, TaskStatus.closed):
        plan.differences.append(
            f"第{parsed.row}行的进展与系统不同,任务 {match.code} 当前为“{status.label}”,不能再填报进展,未导入该进展"
        )
        add_report = False
    if add_report:
        status = R.after_progress(status)
    sheet_status = _STATUS_WORDS.get(parsed.status_text.strip())
    if sheet_status is not None and sheet_status is not match.status:
        plan.differences.append(
            f"第{parsed.row}行「状态」为“{parsed.status_text}”,任务 {match.code} 在系统中为“{match.status.label}”;"
            "状态只随填报、申请销号和整改办审核变化,导入不修改"
        )
    if changes or add_report:
        plan.changed_tasks.append(ChangedTask(parsed, match, changes, status, add_report))
    else:
        plan.unchanged_tasks.append((parsed, match))
