"""Importing the 整改台账 offices already keep: `import_ledger` is the one entry point.

reading (file → grid) → header (which column is what) → rows (problems, tasks, row
errors) → plan (compare with the round in the database) → apply (bulk writes). All or
nothing: any row error and nothing is written; every error is listed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from ledger.actors import Actor, require_office
from ledger.errors import InvalidInputError
from ledger.importing.apply import apply_plan
from ledger.importing.header import Header, find_header
from ledger.importing.plan import ImportPlan, make_plan
from ledger.importing.reading import Grid, LedgerFileError, read_grid
from ledger.importing.rounds import (
    FEEDBACK_UNKNOWN,
    RoundFields,
    choose_round,
    round_from_title,
    round_title,
    stated_feedback_date,
)
from ledger.importing.rows import ParsedLedger, parse_rows
from ledger.registry import add_inspection
from models.limits import Limits
from models.rules import Rules
from models.workdays import WorkCalendar

__all__ = [
    "FEEDBACK_UNKNOWN",
    "ImportResult",
    "LedgerFileError",
    "LedgerRowsError",
    "RoundFields",
    "import_ledger",
    "read_ledger",
    "round_from_title",
    "round_title",
]


class LedgerRowsError(InvalidInputError):
    """Rows of the ledger that cannot be imported; `errors` lists every one."""

    def __init__(self, file_name: str, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(
            f"台账“{file_name}”有{len(errors)}处需要修改,本次未导入任何内容:\n"
            + "\n".join(f"  {e}" for e in errors)
        )


@dataclass
class ImportResult:
    """What an import did (or, with dry_run, would do): the summary a user reads."""

    dry_run: bool
    file: str
    sheet: str
    inspection_id: int | None
    inspection_title: str
    round_note: str
    feedback_date: date | None  # None: not known (反馈日期未填写)
    filled_on: date | None  # the ledger's 填报时间
    matched: bool  # an existing round was found by content (or named)
    problems_created: int
    problems_updated: int
    tasks_created: int
    tasks_updated: int
    tasks_unchanged: int
    reports_imported: int
    marked_done: int  # 表内标注已完成
    units_created: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    not_in_ledger: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["feedback_date"] = self.feedback_date.isoformat() if self.feedback_date else None
        data["filled_on"] = self.filled_on.isoformat() if self.filled_on else None
        return data


def read_ledger(
    path: Path,
    *,
    sheet: str | None = None,
    notes: list[str] | None = None,
    limits: Limits | None = None,
) -> tuple[Grid, Header]:
    """The ledger sheet and its header. Without a sheet named, a workbook that also holds
    process records or statistics is searched for its ledger: the sheet whose header names
    the most known columns (and all the needed ones); `notes` says which was read."""
    grid = read_grid(path, sheet, limits=limits)
    if sheet is not None or len(grid.sheet_names) < 2:
        return grid, find_header(grid, file_name=path.name)
    best: tuple[int, Grid, Header] | None = None
    first_error: InvalidInputError | None = None
    for name in grid.sheet_names:
        candidate = grid if name == grid.sheet_name else read_grid(path, name, limits=limits)
        try:
            header = find_header(candidate, file_name=path.name)
        except InvalidInputError as exc:
            if name == grid.sheet_name:
                first_error = exc
            continue
        if best is None or len(header.columns) > best[0]:
            best = (len(header.columns), candidate, header)
    if best is None:
        raise first_error or InvalidInputError(
            f"文件“{path.name}”的工作表中找不到台账表头", field="file"
        )
    _, chosen, header = best
    if notes is not None:
        others = "、".join(n for n in grid.sheet_names if n != chosen.sheet_name)
        notes.append(
            f"工作簿有{len(grid.sheet_names)}个工作表,读取了“{chosen.sheet_name}”(表头识别出的列最多);"
            f"未读取:{others}"
        )
    return chosen, header


def import_ledger(
    path: Path,
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    today: date,
    rules: Rules,
    calendar: WorkCalendar,
    inspection_id: int | None = None,
    round_fields: RoundFields | None = None,
    new_round: bool = False,
    sheet: str | None = None,
    dry_run: bool = False,
    limits: Limits | None = None,
) -> ImportResult:
    """Import (or with dry_run, plan) one sheet of a ledger in the caller's transaction."""
    require_office(actor, "导入整改台账")
    fields = round_fields or RoundFields()
    sheet_notes: list[str] = []
    grid, header = read_ledger(path, sheet=sheet, notes=sheet_notes, limits=limits)
    # Deadlines are checked against the feedback date stated (command line, then ledger);
    # without one, deadlines without a year count from the best date known.
    stated = stated_feedback_date(fields, header)
    ledger = parse_rows(grid, header, feedback_date=stated, anchor=header.filled_on or today)
    if ledger.errors:
        raise LedgerRowsError(path.name, [e.message for e in ledger.errors])
    if not ledger.tasks:
        raise InvalidInputError(
            f"台账“{path.name}”在表头(第{header.last_row + 1}行)以下没有整改任务行,请检查是否选错了工作表"
        )
    choice = choose_round(
        session,
        path=path,
        header=header,
        ledger=ledger,
        inspection_id=inspection_id,
        fields=fields,
        new_round=new_round,
    )
    feedback = choice.feedback_date
    if feedback != stated:
        # The existing round knows its feedback date: every deadline is checked against it.
        ledger = parse_rows(grid, header, feedback_date=feedback, anchor=header.filled_on or today)
        if ledger.errors:
            raise LedgerRowsError(path.name, [e.message for e in ledger.errors])
    inspection = choice.inspection
    plan = make_plan(
        ledger,
        session=session,
        inspection_id=inspection.id if inspection else None,
        today=today,
        rules=rules,
        calendar=calendar,
        filled_on=header.filled_on,
    )
    if not dry_run:
        if inspection is None:
            assert choice.new_round is not None
            inspection = add_inspection(choice.new_round, session=session, actor=actor, now=now)
        assert inspection.id is not None
        apply_plan(
            plan,
            session=session,
            inspection_id=inspection.id,
            actor=actor,
            now=now,
            source=path.name,
            round_facts=choice.fill_in,
        )
    return ImportResult(
        dry_run=dry_run,
        file=path.name,
        sheet=grid.sheet_name,
        inspection_id=inspection.id if inspection else None,
        inspection_title=choice.title,
        round_note=choice.note,
        feedback_date=feedback,
        filled_on=header.filled_on,
        matched=choice.inspection is not None,
        problems_created=len(plan.new_problems),
        problems_updated=len(plan.changed_problems),
        tasks_created=len(plan.new_tasks),
        tasks_updated=len(plan.changed_tasks),
        tasks_unchanged=len(plan.unchanged_tasks),
        reports_imported=plan.report_count,
        marked_done=sum(t.marked_done for t in ledger.tasks),
        units_created=plan.new_units,
        differences=choice.differences + plan.differences,
        not_in_ledger=plan.not_in_ledger,
        ignored_columns=header.ignored,
        notes=sheet_notes + choice.notes,
        rows=_rows(plan, ledger),
    )


def _rows(plan: ImportPlan, ledger: ParsedLedger) -> list[dict[str, Any]]:
    """One line per task row of the ledger, in file order: what happens to it."""
    action: dict[int, tuple[str, str, date | None, list[str]]] = {}
    for t in plan.new_tasks:
        action[t.parsed.row] = ("新增", t.code, t.deadline, [])
    for c in plan.changed_tasks:
        action[c.parsed.row] = (
            "更新",
            c.existing.code,
            c.existing.deadline,
            [f for f, _o, _n in c.changes] + (["progress"] if c.add_report else []),
        )
    for parsed, existing in plan.unchanged_tasks:
        action[parsed.row] = ("未变", existing.code, existing.deadline, [])
    for parsed, existing in plan.withdrawn_tasks:
        action[parsed.row] = ("已撤销", existing.code, existing.deadline, [])
    problems = {p.key: p for p in ledger.problems}
    out = []
    for task in ledger.tasks:
        what, code, deadline, changed = action[task.row]
        out.append(
            {
                "row": task.row,
                "action": what,
                "code": code,
                "problem": problems[task.problem_key].description,
                "measure": task.measure,
                "lead_unit": task.lead_unit,
                "co_units": task.co_units,
                "kind": task.kind.value,
                "deadline": deadline.isoformat() if deadline else None,
                "changed": changed,
            }
        )
    return out
