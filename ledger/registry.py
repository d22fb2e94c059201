"""Registration by the office: rounds, problems, tasks, units and users."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlmodel import Session, col, func, select

from ledger.acknowledge import sync_units
from ledger.actors import Actor, require_office
from ledger.decision_notices import announce_assignment, task_facts
from ledger.errors import InvalidInputError, NotFoundError
from ledger.history import record
from ledger.inputs import InspectionCreate, ProblemCreate, TaskCreate, UserCreate
from models.enums import Role, TaskKind
from models.rules import Rules, is_before_feedback, next_task_code
from models.tables import Inspection, Problem, Task, TaskCoUnit, Unit, User
from models.workdays import WorkCalendar


def default_title(data: InspectionCreate) -> str:
    return data.title or f"{data.body}反馈{data.subject or ''}问题整改"


def add_inspection(
    data: InspectionCreate, *, session: Session, actor: Actor, now: datetime
) -> Inspection:
    require_office(actor, "登记巡视(察)轮次")
    inspection = Inspection(**data.model_dump(exclude={"title"}), title=default_title(data))
    session.add(inspection)
    session.flush()
    assert inspection.id is not None
    record(
        session,
        actor=actor,
        action="register",
        entity="inspection",
        entity_id=inspection.id,
        now=now,
        new=inspection.title,
    )
    return inspection


def get_inspection(session: Session, inspection_id: int) -> Inspection:
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFoundError(f"巡视(察)轮次编号 {inspection_id} 不存在", field="inspection_id")
    return inspection


def add_problem(data: ProblemCreate, *, session: Session, actor: Actor, now: datetime) -> Problem:
    require_office(actor, "登记反馈问题")
    get_inspection(session, data.inspection_id)
    seq = (
        session.exec(
            select(func.max(Problem.seq)).where(Problem.inspection_id == data.inspection_id)
        ).one()
        or 0
    ) + 1
    problem = Problem(**data.model_dump(), seq=seq)
    if not problem.serial:
        problem.serial = str(seq)
    session.add(problem)
    session.flush()
    assert problem.id is not None
    record(
        session,
        actor=actor,
        action="register",
        entity="problem",
        entity_id=problem.id,
        now=now,
        new=problem.description,
    )
    return problem


def units_by_name(session: Session, names: Iterable[str], *, create: bool) -> dict[str, Unit]:
    """Look units up in one query; with create=True register the missing ones."""
    wanted = list(dict.fromkeys(names))
    found = {u.name: u for u in session.exec(select(Unit).where(col(Unit.name).in_(wanted)))}
    missing = [n for n in wanted if n not in found]
    if missing and not create:
        raise NotFoundError(
            f"单位“{'、'.join(missing)}”尚未登记,请先登记该单位,或检查名称是否写错", field="unit"
        )
    for name in missing:
        unit = Unit(name=name)
        session.add(unit)
        found[name] = unit
    if missing:
        session.flush()
    return found


def resolve_deadline(
    kind: TaskKind,
    deadline: date | None,
    *,
    registered_on: date,
    feedback_date: date | None,
    rules: Rules,
    calendar: WorkCalendar,
) -> date | None:
    """The deadline a task gets: 立行立改 without a date is due a few working days after registration.

    A round whose feedback date is not known yet (None) has nothing to check deadlines against."""
    if kind is TaskKind.ongoing:
        if deadline is not None:
            raise InvalidInputError(
                "长期坚持的任务没有整改时限,请不要填写整改时限", field="deadline"
            )
        return None
    if kind is TaskKind.immediate and deadline is None:
        return calendar.add_workdays(registered_on, rules.immediate_workdays)
    if deadline is None:
        raise InvalidInputError("限期整改的任务须填写整改时限,如 2026-12-31", field="deadline")
    if is_before_feedback(deadline, feedback_date):
        assert feedback_date is not None
        raise InvalidInputError(
            f"整改时限 {deadline.isoformat()} 早于反馈日期 {feedback_date.isoformat()},请核对",
            field="deadline",
        )
    return deadline


def add_task(
    data: TaskCreate,
    *,
    session: Session,
    actor: Actor,
    now: datetime,
    today: date,
    rules: Rules,
    calendar: WorkCalendar,
    create_units: bool = False,
) -> Task:
    require_office(actor, "登记整改任务")
    problem = session.get(Problem, data.problem_id)
    if problem is None:
        raise NotFoundError(f"问题编号 {data.problem_id} 不存在", field="problem_id")
    inspection = get_inspection(session, problem.inspection_id)
    deadline = resolve_deadline(
        data.kind,
        data.deadline,
        registered_on=today,
        feedback_date=inspection.feedback_date,
        rules=rules,
        calendar=calendar,
    )
    co_names = [n for n in data.co_units if n != data.lead_unit]
    units = units_by_name(session, [data.lead_unit, *co_names], create=create_units)
    codes = session.exec(select(Task.code).where(Task.problem_id == problem.id)).all()
    lead_unit_id = units[data.lead_unit].id
    assert inspection.id is not None and problem.id is not None and lead_unit_id is not None
    task = Task(
        inspection_id=inspection.id,
        problem_id=problem.id,
        code=next_task_code(problem.seq, codes),
        measure=data.measure,
        lead_unit_id=lead_unit_id,
        leader=data.leader,
        person=data.person,
        kind=data.kind,
        deadline=deadline,
        original_deadline=deadline,
        note=data.note,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    session.flush()
    assert task.id is not None
    for position, name in enumerate(co_names):
        unit_id = units[name].id
        assert unit_id is not None
        session.add(TaskCoUnit(task_id=task.id, unit_id=unit_id, position=position))
    session.flush()
    sync_units(session, [task.id], now=now)  # each unit of the new task waits to sign (签收)
    record(
        session,
        actor=actor,
        action="register",
        entity="task",
        entity_id=task.id,
        task_id=task.id,
        now=now,
        new=f"{task.code} {task.measure}",
    )
    announce_assignment(session, [task_facts(session, task)], now=now)
    return task


def add_unit(
    name: str, *, session: Session, actor: Actor, now: datetime, notify_tag: str | None = None
) -> Unit:
    require_office(actor, "登记单位")
    if not name.strip():
        raise InvalidInputError("单位名称不能为空", field="name")
    if session.exec(select(Unit).where(Unit.name == name)).first():
        raise InvalidInputError(f"单位“{name}”已登记", field="name")
    unit = Unit(name=name.strip(), notify_tag=notify_tag)
    session.add(unit)
    session.flush()
    assert unit.id is not None
    record(
        session,
        actor=actor,
        action="register",
        entity="unit",
        entity_id=unit.id,
        now=now,
        new=unit.name,
    )
    return unit


def add_user(data: UserCreate, *, session: Session, actor: Actor, now: datetime) -> User:
    require_office(actor, "登记用户")
    if session.exec(select(User).where(User.name == data.name)).first():
        raise InvalidInputError(f"用户“{data.name}”已登记", field="name")
    if data.role is Role.unit and not data.unit:
        raise InvalidInputError("责任单位用户须指定所在单位", field="unit")
    unit_id = None
    if data.unit:
        unit_id = units_by_name(session, [data.unit], create=False)[data.unit].id
    user = User(name=data.name, role=data.role, unit_id=unit_id, notify_tag=data.notify_tag)
    session.add(user)
    session.flush()
    assert user.id is not None
    record(
        session,
        actor=actor,
        action="register",
        entity="user",
        entity_id=user.id,
        now=now,
        new=f"{user.name}({data.role.label}{'/' + data.unit if data.unit else ''})",
    )
    return user
