"""The data of the 整改情况报告 of one round, read in a few set-based queries.

`rectification_report` is what the command line, the flows and the benchmark call; the
renderers (ledger.documents.render) only lay it out. Counts come from ledger.stats.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger import stats
from ledger.documents import compose
from ledger.documents.compose import MeasureFacts, Part, PartFacts, ReportEntry
from ledger.documents.text import add_months, cn_date, serial
from ledger.parts import task_parts
from ledger.queries import TaskFilter, live_tasks, report_day, task_views
from ledger.registry import get_inspection
from ledger.stats import Totals
from models.enums import ReportKind
from models.rules import Rules
from models.tables import Problem, ProgressReport, Task

TZ = ZoneInfo("Asia/Shanghai")
REPORT_DUE_MONTHS = 2  # 巡视工作条例: the report is due two months after feedback


# The tags a report template must use, or the document would silently lack a section.
REQUIRED_REPORT_TAGS = {
    "title": "报告标题",
    "opening": "开头段落(反馈机构、日期、整改方案文号、报送时限)",
    "totals_sentence": "总体情况句(共反馈问题X个……)",
    "problems": "逐项问题(一)(二)……及其三部分",
    "next_steps": "下一步工作打算",
}


@dataclass(frozen=True)
class ProblemSection:
    """(一)(二)…: one 反馈问题 with its three parts."""

    number: int
    serial: str
    heading: str
    description: str
    goal: str
    totals: Totals
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class ReportData:
    template: ClassVar[str] = "report"
    required_tags: ClassVar[Mapping[str, str]] = REQUIRED_REPORT_TAGS

    inspection_id: int
    title: str
    as_of: date
    source_kind: str
    body: str
    subject: str
    inspected_org: str
    feedback_date: date | None  # None: not known yet (反馈日期未填写)
    plan_doc_no: str
    report_due: date | None
    opening: str
    totals: Totals
    totals_sentence: str
    problems: tuple[ProblemSection, ...]
    next_steps: tuple[str, ...]

    def context(self) -> dict[str, Any]:
        """The variables every template (Markdown, HTML, Word) is given: plain values only,
        so an office's Word template can use any of them by name."""
        return {
            "title": self.title,
            "as_of": self.as_of.isoformat(),
            "as_of_text": cn_date(self.as_of),
            "source_kind": self.source_kind,
            "body": self.body,
            "subject": self.subject,
            "inspected_org": self.inspected_org,
            "feedback_date_text": cn_date(self.feedback_date),  # "" while not known
            "plan_doc_no": self.plan_doc_no,
            "report_due_text": cn_date(self.report_due),
            "opening": self.opening,
            "totals_sentence": self.totals_sentence,
            "totals": self.totals.as_json() | {"advancing": self.totals.advancing},
            "problems": [
                {
                    "number": p.number,
                    "serial": p.serial,
                    "heading": p.heading,
                    "description": p.description,
                    "goal": p.goal,
                    "parts": [
                        {
                            "label": part.label,
                            "paragraphs": list(part.paragraphs),
                            "lead": part.lead,
                            "rest": list(part.rest),
                        }
                        for part in p.parts
                    ],
                }
                for p in self.problems
            ],
            "next_steps": list(self.next_steps),
            "signature": self.inspected_org,
            "date_text": cn_date(self.as_of),
        }


def report_due(feedback_date: date) -> date:
    """The 整改情况报告 is due two months after feedback."""
    return add_months(feedback_date, REPORT_DUE_MONTHS)


def _reports_by_task(
    session: Session, inspection_id: int
) -> dict[tuple[int, int | None], list[ReportEntry]]:
    """Every progress report of the round in one query, in the order they were made, by task
    and part (None: the task's own, else the co-unit whose part it is about)."""
    rows = session.execute(
        sa.select(
            col(ProgressReport.task_id),
            col(ProgressReport.unit_id),
            col(ProgressReport.kind),
            col(ProgressReport.reported_at),
            col(ProgressReport.ledger_date),
            col(ProgressReport.text),
            col(ProgressReport.issues),
            col(ProgressReport.next_steps),
        )
        .join(Task, col(Task.id) == ProgressReport.task_id)
        .where(col(Task.inspection_id) == inspection_id)
        .order_by(
            col(ProgressReport.task_id), col(ProgressReport.reported_at), col(ProgressReport.id)
        )
    ).all()
    result: dict[tuple[int, int | None], list[ReportEntry]] = defaultdict(list)
    for task_id, unit_id, kind, reported_at, ledger_date, text, issues, next_steps in rows:
        result[(task_id, unit_id)].append(
            ReportEntry(
                on=report_day(kind, reported_at, ledger_date),
                kind=ReportKind(kind),
                text=text,
                issues=issues,
                next_steps=next_steps,
            )
        )
    return result


def rectification_report(
    session: Session, inspection_id: int, *, as_of: date, rules: Rules
) -> ReportData:
    """The 整改情况报告 of a round as of a date (lights and overdue days as of that date)."""
    inspection = get_inspection(session, inspection_id)
    problems = session.exec(
        select(Problem).where(Problem.inspection_id == inspection_id).order_by(col(Problem.seq))
    ).all()
    views = task_views(
        session, today=as_of, rules=rules, where=TaskFilter(inspection_id=inspection_id)
    )
    closed_at = dict(
        session.exec(
            select(Task.id, Task.closed_at).where(
                Task.inspection_id == inspection_id, col(Task.closed_at).is_not(None), live_tasks()
            )
        ).all()
    )
    reports = _reports_by_task(session, inspection_id)
    parts = task_parts(session, [v.id for v in views])
    round_totals = stats.totals(session, today=as_of, inspection_id=inspection_id)
    problem_totals = stats.totals_by_problem(session, today=as_of, inspection_id=inspection_id)

    measures_of: dict[int, list[MeasureFacts]] = defaultdict(list)
    for v in views:
        closed = closed_at.get(v.id)
        measures_of[v.problem_id].append(
            MeasureFacts(
                code=v.code,
                measure=v.measure,
                lead_unit=v.lead_unit,
                co_units=tuple(v.co_units),
                kind=v.kind,
                status=v.status,
                light=v.light,
                deadline=v.deadline,
                original_deadline=v.original_deadline,
                days_left=v.days_left,
                closed_on=closed.astimezone(TZ).date() if closed else None,
                reports=tuple(reports.get((v.id, None), ())),
                parts=tuple(
                    PartFacts(
                        unit=p.unit,
                        done=p.is_done,
                        reports=tuple(reports.get((v.id, p.unit_id), ())),
                    )
                    for p in parts.get(v.id, [])
                ),
            )
        )

    sections = []
    for number, problem in enumerate(problems, 1):
        assert problem.id is not None
        measures = measures_of.get(problem.id, [])
        counts = problem_totals.get(problem.id, Totals(problems=1))
        sections.append(
            ProblemSection(
                number=number,
                serial=serial(number),
                heading=compose.problem_heading(serial(number), problem.description),
                description=problem.description,
                goal=problem.goal,
                totals=counts,
                parts=(
                    compose.work_done(measures, counts),
                    compose.problems_found(measures),
                    compose.rectification_status(measures, counts),
                ),
            )
        )
    all_measures = [m for ms in measures_of.values() for m in ms]
    due = report_due(inspection.feedback_date) if inspection.feedback_date else None
    return ReportData(
        inspection_id=inspection_id,
        title=compose.report_title(inspection.title),
        as_of=as_of,
        source_kind=inspection.source_kind,
        body=inspection.body,
        subject=inspection.subject,
        inspected_org=inspection.inspected_org,
        feedback_date=inspection.feedback_date,
        plan_doc_no=inspection.plan_doc_no,
        report_due=due,
        opening=compose.opening_paragraph(
            source_kind=inspection.source_kind,
            body=inspection.body,
            subject=inspection.subject,
            inspected_org=inspection.inspected_org,
            feedback_date=inspection.feedback_date,
            plan_doc_no=inspection.plan_doc_no,
            report_due=due,
            as_of=as_of,
            totals=round_totals,
        ),
        totals=round_totals,
        totals_sentence=compose.totals_sentence(round_totals, source_kind=inspection.source_kind),
        problems=tuple(sections),
        next_steps=tuple(compose.next_steps(all_measures, round_totals)),
    )
