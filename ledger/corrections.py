"""Corrections by the office: edit a round, a problem or a task; withdraw and restore.

Each correction is one use case in the caller's transaction: the office only, a reason
always, one history row per changed field with its old and new value and the reason.
Nothing is deleted: a task entered by mistake or a round imported twice is withdrawn
(`withdrawn_at`), which takes it out of every count, light, notice, report and export
(ledger.queries.live_tasks) while `task show` and `history` still read it; restoring
clears the mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from ledger.acknowledge import sync_units
from ledger.actors import Actor, require_office
from ledger.decision_notices import (
    Adjustment,
    announce_adjustments,
    task_facts,
    unit_recipients,
    withdraw_from_digests,
)
from ledger.errors import InvalidInputError, LifecycleError, NotFoundError
from ledger.history import record, record_changes
from ledger.inputs import InspectionCreate, validated
from ledger.lifecycle import get_task
from ledger.registry import get_inspection, resolve_deadline, units_by_name
from models.cadence import parse_cadence
from models.enums import TaskKind
from models.rules import RuleError, Rules
from models.tables import Inspection, Problem, Task, TaskCoUnit, Unit
from models.workdays import WorkCalendar

EDIT = "edit"
WITHDRAW = "withdraw"
RESTORE = "restore"
DEADLINE_NOTE = "整改办直接调整时限(非延期审批),原时限保留"


def _reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise InvalidInputError("请写明理由(「理由」不能为空):理由记入历史记录", field="reason")
    return reason.strip()


@dataclass
class InspectionEdit:
    """Fields of a round to change; None leaves a field as it is."""

    body: str | None = None
    inspected_org: str | None = None
    feedback_date: date | None = None
    plan_doc_no: str | None = None
    title: str | None = None
    source_kind: str | None = None
    subject: str | None = None
    report_cadence: str | None = None  # 报送周期 (models.cadence); "": back to the default

    def given(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}


@dataclass
class TaskEdit:
    """Fields of a task to change; None leaves a field as it is."""

    measure: str | None = None
    lead_unit: str | None = None
    co_units: list[str] | None = None
    leader: str | None = None
    person: str | None = None
    kind: TaskKind | None = None
    deadline: date | None = None
    report_cadence: str | None = None  # 报送周期 (models.cadence); "": back to the round's

    def given(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}


def edit_inspection(
    inspection_id: int,
    changes: InspectionEdit,
    *,
    reason: str,
    session: Session,
    actor: Actor,
    now: datetime,
) -> Inspection:
    """Correct a round's facts (机构, 被巡视单位, 反馈日期, 文号, 标题, 来源, 主题)."""
    require_office(actor, "更正巡视(察)轮次")
    why = _reason(reason)
    inspection = get_inspection(session, inspection_id)
    given = changes.given()
    if not given:
        raise InvalidInputError(
            "没有要更正的内容:请至少给出一项(机构、被巡视单位、反馈日期等)", field="changes"
        )
    current = {
        f: getattr(inspection, f)
        for f in (
            "source_kind",
            "body",
            "subject",
            "inspected_org",
            "feedback_date",
            "plan_doc_no",
            "report_cadence",
        )
    }
    # The same validation as registration (来源 among the known kinds, 机构 not blank).
    data = validated(InspectionCreate, **{**current, **given, "title": "x"})
    new = {f: getattr(data, f) for f in given if f != "title"}
    if "title" in given:
        title = given["title"].strip()
        if not title:
            raise InvalidInputError("「标题」不能为空", field="title")
        new["title"] = title[:400]
    if "feedback_date" in new:
        _check_feedback_date(session, inspection, new["feedback_date"])
    diffs = [(f, getattr(inspection, f), v) for f, v in new.items() if getattr(inspection, f) != v]
    if not diffs:
        raise InvalidInputError("给出的内容与现有内容相同,没有需要更正的", field="changes")
    for f, _old, value in diffs:
        setattr(inspection, f, value)
    session.add(inspection)
    assert inspection.id is not None
    record_changes(
        session,
        actor=actor,
        action=EDIT,
        entity="inspection",
        entity_id=inspection.id,
        now=now,
        changes=diffs,
        note=why,
    )
    return inspection


def _check_feedback_date(session: Session, inspection: Inspection, feedback: date) -> None:
    """A feedback date after a live task's deadline means one of the two is wrong."""
    earliest = session.exec(
        select(col(Task.code), col(Task.deadline))
        .where(
            Task.inspection_id == inspection.id,
            col(Task.withdrawn_at).is_(None),
            col(Task.deadline).is_not(None),
            col(Task.deadline) < feedback,
        )
        .order_by(col(Task.deadline))
    ).first()
    if earliest is not None:
        code, deadline = earliest
        raise InvalidInputError(
            f"反馈日期 {feedback.isoformat()} 晚于任务 {code} 的整改时限 {deadline},"
            "请核对反馈日期,或先更正该任务的时限",
            field="feedback_date",
        )


def edit_problem(
    problem_id: int, *, text: str, reason: str, session: Session, actor: Actor, now: datetime
) -> Problem:
    """Correct a problem's text (问题描述)."""
    require_office(actor, "更正反馈问题")
    why = _reason(reason)
    problem = session.get(Problem, problem_id)
    if problem is None:
        raise NotFoundError(f"问题编号 {problem_id} 不存在", field="problem_id")
    new = (text or "").strip()
    if not new:
        raise InvalidInputError("「问题描述」不能为空", field="text")
    if new == problem.description:
        raise InvalidInputError("给出的问题描述与现有内容相同,没有需要更正的", field="text")
    old = problem.description
    problem.description = new
    session.add(problem)
    assert problem.id is not None
    record(
        session,
        actor=actor,
        action=EDIT,
        entity="problem",
        entity_id=problem.id,
        now=now,
        field="description",
        old=old,
        new=new,
        note=why,
    )
    return problem


def _cadence_spec(text: str) -> str | None:
    """A 报送周期 as stored; blank means the round's (a task) or the configured default."""
    if not text.strip():
        return None
    try:
        return parse_cadence(text).spec
    except RuleError as exc:
        raise InvalidInputError(str(exc), field="report_cadence") from None


def _co_unit_names(session: Session, task_id: int) -> list[str]:
    return list(
        session.exec(
            select(Unit.name)
            .join(TaskCoUnit, col(TaskCoUnit.unit_id) == Unit.id)
            .where(TaskCoUnit.task_id == task_id)
            .order_by(col(TaskCoUnit.position))
        ).all()
    )


def edit_task(
    task_id: int,
    changes: TaskEdit,
    *,
    reason: str,
    session: Session,
    actor: Actor,
    now: datetime,
    rules: Rules,
    calendar: WorkCalendar,
) -> Task:
    """Correct a task: measure, units, leader, person, kind, deadline.

    A deadline changed here is not an extension: the original deadline is kept as it was,
    and history says the office changed it directly, with the reason."""
    require_office(actor, "更正整改任务")
    why = _reason(reason)
    task = get_task(session, task_id)
    given = changes.given()
    if not given:
        raise InvalidInputError(
            "没有要更正的内容:请至少给出一项(整改措施、牵头单位、时限等)", field="changes"
        )
    assert task.id is not None
    lead = session.get(Unit, task.lead_unit_id)
    assert lead is not None
    old_co = _co_unit_names(session, task.id)
    diffs: list[tuple[str, Any, Any]] = []

    for f in ("measure", "leader", "person"):
        if f in given:
            value = given[f].strip()
            if f == "measure" and not value:
                raise InvalidInputError("「整改措施」不能为空", field="measure")
            if value != getattr(task, f):
                diffs.append((f, getattr(task, f), value))
                setattr(task, f, value)

    if "report_cadence" in given:
        spec = _cadence_spec(given["report_cadence"])
        if spec != task.report_cadence:
            diffs.append(("report_cadence", task.report_cadence, spec))
            task.report_cadence = spec

    new_lead = given.get("lead_unit", lead.name).strip()
    if not new_lead:
        raise InvalidInputError("「牵头单位」不能为空", field="lead_unit")
    new_co = [n for n in given.get("co_units", old_co) if n != new_lead]
    # Units not registered yet are registered, as an import does (an office correcting a name).
    units = (
        units_by_name(session, [new_lead, *new_co], create=True)
        if new_lead != lead.name or new_co != old_co
        else {}
    )
    if new_lead != lead.name:
        unit_id = units[new_lead].id
        assert unit_id is not None
        task.lead_unit_id = unit_id
        diffs.append(("lead_unit", lead.name, new_lead))
    if new_co != old_co:
        for link in session.exec(select(TaskCoUnit).where(TaskCoUnit.task_id == task.id)):
            session.delete(link)
        session.flush()
        for position, name in enumerate(new_co):
            unit_id = units[name].id
            assert unit_id is not None
            session.add(TaskCoUnit(task_id=task.id, unit_id=unit_id, position=position))
        diffs.append(("co_units", old_co, new_co))

    kind = given.get("kind", TaskKind(task.kind))
    if "kind" in given or "deadline" in given:
        inspection = get_inspection(session, task.inspection_id)
        wanted = given.get("deadline")
        if wanted is None and kind is not TaskKind.ongoing and "kind" in given:
            wanted = task.deadline if kind is TaskKind.dated else None
        try:
            deadline = resolve_deadline(
                kind,
                wanted,
                registered_on=now.date(),
                feedback_date=inspection.feedback_date,
                rules=rules,
                calendar=calendar,
            )
        except InvalidInputError as exc:
            raise InvalidInputError(f"「整改时限」:{exc.message}", field="deadline") from None
        if kind is not TaskKind(task.kind):
            diffs.append(("kind", TaskKind(task.kind).label, kind.label))
            task.kind = kind
        if deadline != task.deadline:
            diffs.append(("deadline", task.deadline, deadline))
            task.deadline = deadline
            if task.original_deadline is None:
                task.original_deadline = deadline
    if not diffs:
        raise InvalidInputError("给出的内容与现有内容相同,没有需要更正的", field="changes")
    task.updated_at = now
    session.add(task)
    for f, old, new in diffs:
        record(
            session,
            actor=actor,
            action=EDIT,
            entity="task",
            entity_id=task.id,
            task_id=task.id,
            now=now,
            field=f,
            old=old,
            new=new,
            note=f"{DEADLINE_NOTE}:{why}" if f == "deadline" else why,
        )
    session.flush()
    # 任务调整: the units of the task now, and those it left, hear of a change of its unit,
    # deadline or people in the same transaction (announce_adjustments ignores other fields).
    facts = task_facts(session, task)
    now_units = {facts.lead_unit.name, *(u.name for u in facts.co_units)}
    left = [n for n in [lead.name, *old_co] if n not in now_units]
    former = unit_recipients(session, left)
    announce_adjustments(
        session,
        [Adjustment(facts, diffs, [former[n] for n in left if n in former], reason=why)],
        now=now,
    )
    if any(f in ("lead_unit", "co_units") for f, _old, _new in diffs):
        # A unit newly on the task waits to sign for it; one taken off no longer does.
        sync_units(session, [task.id], now=now)
    return task


def withdraw_task(
    task_id: int, *, reason: str, session: Session, actor: Actor, now: datetime
) -> Task:
    """Withdraw a task entered by mistake: out of every count and notice, never deleted."""
    require_office(actor, "撤销整改任务")
    why = _reason(reason)
    task = get_task(session, task_id)
    if task.withdrawn_at is not None:
        raise LifecycleError(f"任务 {task.code} 已于{task.withdrawn_at:%Y-%m-%d}撤销,无需重复撤销")
    assert task.id is not None
    # A task withdrawn before its 新任务交办 / 任务调整 digest was sent leaves that digest.
    withdraw_from_digests(session, task.id)
    return _mark_task(session, task, withdrawn=now, action=WITHDRAW, actor=actor, now=now, note=why)


def restore_task(
    task_id: int, *, reason: str, session: Session, actor: Actor, now: datetime
) -> Task:
    """Bring a withdrawn task back, as it was."""
    require_office(actor, "恢复整改任务")
    why = _reason(reason)
    task = get_task(session, task_id)
    if task.withdrawn_at is None:
        raise LifecycleError(f"任务 {task.code} 未撤销,无需恢复")
    return _mark_task(session, task, withdrawn=None, action=RESTORE, actor=actor, now=now, note=why)


def _mark_task(
    session: Session,
    task: Task,
    *,
    withdrawn: datetime | None,
    action: str,
    actor: Actor,
    now: datetime,
    note: str,
) -> Task:
    old = task.withdrawn_at
    task.withdrawn_at = withdrawn
    task.updated_at = now
    session.add(task)
    session.flush()
    assert task.id is not None
    record(
        session,
        actor=actor,
        action=action,
        entity="task",
        entity_id=task.id,
        task_id=task.id,
        now=now,
        field="withdrawn_at",
        old=old,
        new=withdrawn,
        note=note,
    )
    return task


def withdraw_inspection(
    inspection_id: int, *, reason: str, session: Session, actor: Actor, now: datetime
) -> Inspection:
    """Withdraw a round (imported twice, or by mistake): its tasks leave every count and notice."""
    require_office(actor, "撤销巡视(察)轮次")
    why = _reason(reason)
    inspection = get_inspection(session, inspection_id)
    if inspection.withdrawn_at is not None:
        raise LifecycleError(f"轮次 {inspection.id} 已撤销,无需重复撤销")
    return _mark_round(
        session, inspection, withdrawn=now, action=WITHDRAW, actor=actor, now=now, note=why
    )


def restore_inspection(
    inspection_id: int, *, reason: str, session: Session, actor: Actor, now: datetime
) -> Inspection:
    require_office(actor, "恢复巡视(察)轮次")
    why = _reason(reason)
    inspection = get_inspection(session, inspection_id)
    if inspection.withdrawn_at is None:
        raise LifecycleError(f"轮次 {inspection.id} 未撤销,无需恢复")
    return _mark_round(
        session, inspection, withdrawn=None, action=RESTORE, actor=actor, now=now, note=why
    )


def _mark_round(
    session: Session,
    inspection: Inspection,
    *,
    withdrawn: datetime | None,
    action: str,
    actor: Actor,
    now: datetime,
    note: str,
) -> Inspection:
    old = inspection.withdrawn_at
    inspection.withdrawn_at = withdrawn
    session.add(inspection)
    session.flush()
    assert inspection.id is not None
    record(
        session,
        actor=actor,
        action=action,
        entity="inspection",
        entity_id=inspection.id,
        now=now,
        field="withdrawn_at",
        old=old,
        new=withdrawn,
        note=note,
    )
    return inspection
