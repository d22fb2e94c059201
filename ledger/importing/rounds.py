"""Which round a ledger belongs to, and the round's facts as the ledger states them.

One round per ledger, whatever the file is called: a ledger whose measures are, for a
clear majority, already in one round (same comparison as a re-import: problem and measure
text ignoring punctuation and serials) is that round. The facts a new round needs come
from the command line first, then from the lines offices write above the header (标题,
反馈日期, 填报单位, 填报时间, 文号), and a feedback date nobody stated stays unknown.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from ledger.errors import InvalidInputError
from ledger.importing.header import Header
from ledger.importing.rows import ParsedLedger, normalise_text
from ledger.inputs import InspectionCreate, validated
from ledger.queries import live_tasks
from ledger.registry import default_title, get_inspection
from ledger.wording import cn_date
from models.enums import SourceKind
from models.tables import Inspection, Problem, Task

UNNAMED_BODY = "未注明"
# More than this share of the file's measures found in one round makes it that round.
MATCH_SHARE = 0.5
FEEDBACK_UNKNOWN = "反馈日期未填写"


@dataclass
class RoundFields:
    """The round as described on the command line (nothing given: the ledger says)."""

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
class RoundChoice:
    """The round an import writes to: an existing one, or one to create."""

    inspection: Inspection | None
    new_round: InspectionCreate | None
    note: str  # which round and why, as the user reads it
    notes: list[str] = field(default_factory=list)
    # Facts of an existing round the import fills in because the round lacked them:
    # (field, old, new), written with history.
    fill_in: list[tuple[str, Any, Any]] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)

    @property
    def feedback_date(self) -> date | None:
        if self.inspection is not None:
            filled = {f: new for f, _old, new in self.fill_in}
            return filled.get("feedback_date", self.inspection.feedback_date)
        assert self.new_round is not None
        return self.new_round.feedback_date

    @property
    def title(self) -> str:
        if self.inspection is not None:
            return self.inspection.title
        assert self.new_round is not None
        return self.new_round.title


def stated_feedback_date(fields: RoundFields, header: Header) -> date | None:
    """The feedback date the command line or the ledger states, checked against 填报时间."""
    feedback = fields.feedback_date or header.feedback_date
    if feedback and header.filled_on and feedback > header.filled_on:
        raise InvalidInputError(
            f"反馈日期{cn_date(feedback)}晚于台账的填报时间{cn_date(header.filled_on)}:"
            "台账是在反馈之后填报的,请核对反馈日期"
        )
    return feedback


def _unknown_feedback_note(header: Header) -> str:
    bound = f"(应早于台账填报时间{cn_date(header.filled_on)})" if header.filled_on else ""
    return (
        f"{FEEDBACK_UNKNOWN}:台账中没有反馈日期,已登记为未知,整改时限暂不与反馈日期核对;"
        f"请在轮次的「反馈日期」中填写{bound},填写后按反馈日期核对时限"
    )


def _candidate_rounds(session: Session, ledger: ParsedLedger) -> list[int]:
    """Rounds sharing at least one measure or problem text, word for word, with the file:
    a few set-based queries (chunks of parameters), so a new ledger on a
    database of 100,000 tasks is not compared task by task with every round."""
    found: set[int] = set()
    measures = list({t.measure for t in ledger.tasks})
    problems = list({p.description for p in ledger.problems})
    for start in range(0, len(measures), _CHUNK):
        found.update(
            session.exec(
                select(Task.inspection_id)
                .where(col(Task.measure).in_(measures[start : start + _CHUNK]), live_tasks())
                .distinct()
            ).all()
        )
    for start in range(0, len(problems), _CHUNK):
        found.update(
            session.exec(
                select(Problem.inspection_id)
                .join(Task, col(Task.problem_id) == Problem.id)
                .where(col(Problem.description).in_(problems[start : start + _CHUNK]), live_tasks())
                .distinct()
            ).all()
        )
    return sorted(found)


_CHUNK = 10_000  # bound parameters per query (SQLite allows 32,766)


def match_round(
    session: Session, ledger: ParsedLedger
) -> tuple[Inspection | None, int, Inspection | None]:
    """The round holding a clear majority of the ledger's measures, how many it holds, and
    (when none qualifies) the closest round. Only rounds sharing some text word for word are
    compared, with the same key as a re-import (punctuation and serials ignored)."""
    candidates = _candidate_rounds(session, ledger)
    if not candidates:
        return None, 0, None
    keys = {t.key for t in ledger.tasks}
    rows = session.exec(
        select(Task.inspection_id, Problem.description, Task.measure)  # type: ignore[call-overload]
        .join(Problem, col(Problem.id) == Task.problem_id)
        .where(col(Task.inspection_id).in_(candidates), live_tasks())
    ).all()
    found: Counter[int] = Counter()
    cache: dict[str, str] = {}  # a round imported twice repeats every text
    for inspection_id, description, measure in rows:
        problem_key = cache.get(description)
        if problem_key is None:
            problem_key = cache[description] = normalise_text(description)
        measure_key = cache.get(measure)
        if measure_key is None:
            measure_key = cache[measure] = normalise_text(measure)
        if (problem_key, measure_key) in keys:
            found[inspection_id] += 1
    if not found:
        return None, 0, None
    # Most measures found; of equals, the newest round.
    best_id, count = max(found.items(), key=lambda kv: (kv[1], kv[0]))
    best = session.get(Inspection, best_id)
    if count > MATCH_SHARE * len(keys):
        return best, count, None
    return None, count, best


def choose_round(
    session: Session,
    *,
    path: Path,
    header: Header,
    ledger: ParsedLedger,
    inspection_id: int | None,
    fields: RoundFields,
    new_round: bool,
) -> RoundChoice:
    feedback = stated_feedback_date(fields, header)
    measures = len(ledger.tasks)
    closest_note = ""
    if inspection_id is not None:
        inspection = get_inspection(session, inspection_id)
        choice = RoundChoice(
            inspection, None, f"导入到指定的轮次 {inspection.id}“{inspection.title}”"
        )
        _fill_in(choice, inspection, fields, header, feedback)
        return choice
    if not new_round:
        match, count, closest = match_round(session, ledger)
        if match is not None:
            choice = RoundChoice(
                match,
                None,
                f"按内容匹配到已有轮次 {match.id}“{match.title}”:本台账{measures}项整改措施中"
                f"{count}项已在该轮次中(按内容而非文件名匹配;确需另建轮次时可选择新建轮次)",
            )
            _fill_in(choice, match, fields, header, feedback)
            return choice
        if closest is not None:
            closest_note = (
                f";最接近的轮次 {closest.id}“{closest.title}”仅有{count}/{measures}项措施相同,"
                "未达多数"
            )
    title = fields.title or round_title(header.title) or path.stem
    guessed = round_from_title(title)
    notes: list[str] = []
    if feedback is None:
        notes.append(_unknown_feedback_note(header))
    body = fields.body or guessed["body"]
    if body == UNNAMED_BODY:
        notes.append("台账标题中未找到巡视(察)机构,登记为“未注明”;请在轮次的「巡视(察)机构」中更正")
    data = validated(
        InspectionCreate,
        source_kind=fields.source_kind or guessed["source_kind"],
        body=body,
        subject=fields.subject or guessed["subject"],
        inspected_org=fields.inspected_org or header.reporter,
        feedback_date=feedback,
        plan_doc_no=fields.plan_doc_no or header.doc_no,
        title=title,
    )
    if not fields.title and not header.title and fields.body:
        # No title anywhere but the office named the body: 省委第八巡视组反馈科技工作问题整改,
        # not the file name.
        data.title = title = default_title(data.model_copy(update={"title": ""}))
    why = "已要求新建轮次" if new_round else f"未匹配到已有轮次{closest_note}"
    source = "命令行参数" if fields.given() else ("台账标题" if header.title else "文件名")
    return RoundChoice(None, data, f"{why}:按{source}新建轮次“{title}”", notes)


_FACT_LABELS = {
    "feedback_date": "反馈日期",
    "inspected_org": "被巡视(察)单位",
    "plan_doc_no": "整改方案文号",
    "body": "巡视(察)机构",
}


def _fill_in(
    choice: RoundChoice,
    inspection: Inspection,
    fields: RoundFields,
    header: Header,
    feedback: date | None,
) -> None:
    """Facts the round lacks are taken from the command line or the ledger; facts it has and
    that differ are listed, not changed (correcting a round is an edit, with its reason)."""
    stated: dict[str, Any] = {
        "feedback_date": feedback,
        "inspected_org": fields.inspected_org or header.reporter,
        "plan_doc_no": fields.plan_doc_no or header.doc_no,
        "body": fields.body,
    }
    for name, new in stated.items():
        if not new:
            continue
        old = getattr(inspection, name)
        missing = old is None or old == "" or (name == "body" and old == UNNAMED_BODY)
        if missing:
            choice.fill_in.append((name, old, new))
        elif old != new:
            shown_old = cn_date(old) if isinstance(old, date) else old
            shown_new = cn_date(new) if isinstance(new, date) else new
            choice.differences.append(
                f"轮次的「{_FACT_LABELS[name]}」为“{shown_old}”,本次给出“{shown_new}”,未修改"
                "(如需更正,请编辑轮次并写明理由)"
            )
    if choice.feedback_date is None:
        choice.notes.append(_unknown_feedback_note(header))
