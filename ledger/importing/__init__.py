"""Importing the 整改台账 offices already keep: `import_ledger` is the one entry point.

reading (file → grid) → header (which column is what) → rows (problems, tasks, row
errors) → plan (compare with the round in the database) → apply (bulk writes). All or
nothing: any row error and nothing is written; every error is listed.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from ledger.actors import Actor, require_office
from ledger.errors import InvalidInputError
from ledger.importing.apply import apply_plan
from ledger.importing.header import Header, find_header
from ledger.importing.plan import ImportPlan, make_plan
from ledger.importing.reading import Grid, LedgerFileError, read_grid
from ledger.importing.rows import ParsedLedger, cn_date, parse_rows
from ledger.inputs import InspectionCreate, validated
from ledger.registry import add_inspection, default_title, get_inspection
from models.enums import SourceKind
from models.rules import Rules
from models.tables import Inspection
from models.workdays import WorkCalendar

__all__ = [
    "ImportResult",
    "LedgerFileError",
    "LedgerRowsError",
    "RoundFields",
    "import_ledger",
    "read_ledger",
    "round_from_title",
    "round_title",
]

UNNAMED_BODY = "未注明"


class LedgerRowsError(InvalidInputError):
    """Rows of the ledger that cannot be imported; `errors` lists every one."""

    def __init__(self, file_name: str, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(
            f"台账“{file_name}”有{len(errors)}处需要修改,本次未导入任何内容:\n"
            + "\n".join(f"  {e}" for e in errors)
        )


@dataclass
class RoundFields:
    """A new round described on the command line (any of them given: a new round)."""

    source_kind: str | None = None
    body: str = ""
    subject: str = ""
    inspected_org: str = ""
    feedback_date: date | None = None
    plan_doc_no: str = ""
    title: str = ""

    def given(self) -> bool:
        return bool(
            self.source_kind
            or self.body
            or self.subject
            or self.inspected_org
            or self.feedback_date
            or self.plan_doc_no
            or self.title
        )


_BODY = re.compile(
    r"^(?P<body>.+?(?:巡视组|巡察组|巡视办|巡察办|审计组|审计局|审计厅|审计署|督查组|督导组|巡视|巡察|审计|督查))"
)
_SUBJECT = re.compile(
    r"^(?:巡视|巡察|审计|督查)?(?:反馈|指出|发现)?(?:的)?(?P<subject>.*?)(?:专项)?(?:存在的?|反馈的?|方面的?)?问题"
)


_LEDGER_SUFFIX = re.compile(r"(工作)?(台账|任务清单|清单|情况表|一览表|统计表|汇总表)$")


def round_title(ledger_title: str) -> str:
    """The round is named by the ledger's title without 台账 / 清单 (X整改台账 → X整改)."""
    return _LEDGER_SUFFIX.sub("", ledger_title.strip()) or ledger_title.strip()


def round_from_title(title: str) -> dict[str, str]:
    """省委第八巡视组反馈脱贫攻坚存在问题整改台账 → body 省委第八巡视组, subject 脱贫攻坚, 巡视."""
    kind = next((k.value for k in SourceKind if k.value in title), SourceKind.xunshi.value)
    m = _BODY.match(title)
    if not m:
        return {"body": UNNAMED_BODY, "subject": "", "source_kind": kind}
    body = m.group("body")[:200]
    rest = title[m.end() :]
    s = _SUBJECT.match(rest)
    subject = s.group("subject") if s else ""
    return {"body": body, "subject": subject[:60], "source_kind": kind}


@dataclass
class ImportResult:
    """What an import did (or, with dry_run, would do): the summary a user reads."""

    dry_run: bool
    file: str
    sheet: str
    inspection_id: int | None
    inspection_title: str
    round_note: str
    feedback_date: date
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
        data["feedback_date"] = self.feedback_date.isoformat()
        return data


def _choose_round(
    session: Session,
    *,
    path: Path,
    header: Header,
    inspection_id: int | None,
    fields: RoundFields,
    today: date,
) -> tuple[Inspection | None, InspectionCreate | None, str, list[str]]:
    notes: list[str] = []
    if inspection_id is not None:
        inspection = get_inspection(session, inspection_id)
        return inspection, None, f"导入到轮次 {inspection.id}", notes
    title = fields.title or round_title(header.title) or path.stem
    if not fields.given():
        found = session.exec(
            select(Inspection).where(Inspection.title == title).order_by(col(Inspection.id).desc())
        ).first()
        if found is not None:
            return found, None, f"按台账标题“{title}”匹配到已有轮次 {found.id}", notes
    guessed = round_from_title(title)
    feedback = fields.feedback_date or header.feedback_date
    if feedback is None:
        feedback = today
        notes.append(
            f"台账未注明反馈日期,按导入当天{cn_date(today)}登记;如需更正,请在导入时指定反馈日期"
        )
    body = fields.body or guessed["body"]
    if body == UNNAMED_BODY:
        notes.append(
            "台账标题中未找到巡视(察)机构,登记为“未注明”;如需更正,请在导入时指定巡视(察)机构"
        )
    data = validated(
        InspectionCreate,
        source_kind=fields.source_kind or guessed["source_kind"],
        body=body,
        subject=fields.subject or guessed["subject"],
        inspected_org=fields.inspected_org or header.reporter,
        feedback_date=feedback,
        plan_doc_no=fields.plan_doc_no,
        title=title,
    )
    if not fields.title and not header.title and fields.body:
        # No title anywhere but the office named the body: 省委第八巡视组反馈科技工作问题整改,
        # not the file name.
        data.title = title = default_title(data.model_copy(update={"title": ""}))
    source = "命令行参数" if fields.given() else ("台账标题" if header.title else "文件名")
    return None, data, f"按{source}新建轮次“{title}”", notes


def read_ledger(path: Path, *, sheet: str | None = None) -> tuple[Grid, Header]:
    grid = read_grid(path, sheet)
    return grid, find_header(grid, file_name=path.name)


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
    sheet: str | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import (or with dry_run, plan) one sheet of a ledger in the caller's transaction."""
    require_office(actor, "导入整改台账")
    fields = round_fields or RoundFields()
    grid, header = read_ledger(path, sheet=sheet)
    inspection, new_round, round_note, notes = _choose_round(
        session, path=path, header=header, inspection_id=inspection_id, fields=fields, today=today
    )
    feedback = inspection.feedback_date if inspection else new_round.feedback_date  # type: ignore[union-attr]
    ledger = parse_rows(grid, header, feedback_date=feedback)
    if ledger.errors:
        raise LedgerRowsError(path.name, [e.message for e in ledger.errors])
    if not ledger.tasks:
        raise InvalidInputError(
            f"台账“{path.name}”在表头(第{header.last_row + 1}行)以下没有整改任务行,请检查是否选错了工作表"
        )
    plan = make_plan(
        ledger,
        session=session,
        inspection_id=inspection.id if inspection else None,
        today=today,
        rules=rules,
        calendar=calendar,
    )
    if not dry_run:
        if inspection is None:
            assert new_round is not None
            inspection = add_inspection(new_round, session=session, actor=actor, now=now)
        assert inspection.id is not None
        apply_plan(
            plan,
            session=session,
            inspection_id=inspection.id,
            actor=actor,
            now=now,
            source=path.name,
        )
    title = inspection.title if inspection else new_round.title  # type: ignore[union-attr]
    return ImportResult(
        dry_run=dry_run,
        file=path.name,
        sheet=grid.sheet_name,
        inspection_id=inspection.id if inspection else None,
        inspection_title=title,
        round_note=round_note,
        feedback_date=feedback,
        problems_created=len(plan.new_problems),
        problems_updated=len(plan.changed_problems),
        tasks_created=len(plan.new_tasks),
        tasks_updated=len(plan.changed_tasks),
        tasks_unchanged=len(plan.unchanged_tasks),
        reports_imported=plan.report_count,
        marked_done=sum(t.marked_done for t in ledger.tasks),
        units_created=plan.new_units,
        differences=plan.differences,
        not_in_ledger=plan.not_in_ledger,
        ignored_columns=header.ignored,
        notes=notes,
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
