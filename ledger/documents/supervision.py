"""The 督办通知单: re-rendered from its stored row (models.outbox.SupervisionOrder).

The daily check issues the order (number 督办〔YYYY〕N号, deadline, days overdue, reply date)
when a task reaches the 督办 level; this module reads it back with its task, units and
leader, and words it, so the notice that sent it and the printed form say the same thing.

Who may print one is decided here: whoever may read its task (the office, its lead and
co-units, its leader). For anyone else the order does not exist, as its task does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.actors import Actor, can_read_task
from ledger.documents.text import bare, cn_date
from ledger.errors import NotFoundError
from models.outbox import SupervisionOrder
from models.tables import Inspection, Problem, Task, TaskCoUnit, Unit

ISSUER = "整改工作领导小组办公室"

REQUIRED_SUPERVISION_TAGS = {
    "label": "督办编号(督办〔年份〕N号)",
    "lead_unit": "牵头单位",
    "measure": "整改措施",
    "deadline_text": "整改时限",
    "overdue_text": "逾期情况",
    "reply_due_text": "书面回复时限",
}


@dataclass(frozen=True)
class SupervisionOrderData:
    template: ClassVar[str] = "supervision"
    required_tags: ClassVar[Mapping[str, str]] = REQUIRED_SUPERVISION_TAGS

    order_id: int
    label: str
    year: int
    number: int
    issued_on: date
    deadline: date
    days_overdue: int  # working days
    reply_due: date
    notice_id: int | None
    task_id: int
    code: str
    measure: str
    problem: str
    inspection: str
    lead_unit: str
    co_units: tuple[str, ...]
    leader: str
    person: str

    @property
    def addressee(self) -> str:
        return "、".join((self.lead_unit, *self.co_units))

    @property
    def body(self) -> str:
        return (
            f"{bare(self.inspection)}反馈的“{bare(self.problem)}”问题,其整改措施"
            f"“{bare(self.measure)}”(任务编号 {self.code})由{self.lead_unit}牵头落实,"
            f"整改时限为{cn_date(self.deadline)}。截至{cn_date(self.issued_on)},"
            f"该项整改已逾期{self.days_overdue}个工作日,仍未完成整改销号,现予督办。"
        )

    @property
    def demand(self) -> str:
        who = f"请{self.leader}同志督促{self.lead_unit}" if self.leader else f"请{self.lead_unit}"
        return (
            f"{who}于{cn_date(self.reply_due)}前将逾期原因、整改进展和完成时限书面报送"
            "整改办,并抓紧完成整改,按程序申请销号。"
        )

    def context(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "year": self.year,
            "number": self.number,
            "issued_on_text": cn_date(self.issued_on),
            "deadline_text": cn_date(self.deadline),
            "days_overdue": self.days_overdue,
            "overdue_text": f"截至{cn_date(self.issued_on)}已逾期{self.days_overdue}个工作日",
            "reply_due_text": f"{cn_date(self.reply_due)}前",
            "code": self.code,
            "measure": self.measure,
            "problem": self.problem,
            "inspection": self.inspection,
            "lead_unit": self.lead_unit,
            "co_units_text": "、".join(self.co_units) or "无",
            "leader": self.leader or "未指定",
            "person": self.person or "未指定",
            "addressee": self.addressee,
            "body": self.body,
            "demand": self.demand,
            "issuer": ISSUER,
        }


def latest_order_id(session: Session, task_id: int, *, actor: Actor) -> int:
    """The most recent 督办通知单 of a task the actor may read."""
    if not can_read_task(session, actor, task_id):
        raise NotFoundError(f"任务 {task_id} 不存在,或不在您的查看范围内", field="task_id")
    order_id = session.exec(
        select(SupervisionOrder.id)
        .where(SupervisionOrder.task_id == task_id)
        .order_by(col(SupervisionOrder.issued_on).desc(), col(SupervisionOrder.id).desc())
        .limit(1)
    ).first()
    if order_id is None:
        raise NotFoundError(
            f"任务编号 {task_id} 尚未下发督办通知单(逾期超过督办期限后由每日检查自动下发)",
            field="task_id",
        )
    return order_id


def supervision_order_data(
    session: Session, order_id: int, *, actor: Actor
) -> SupervisionOrderData:
    """The order with its task, units and leader, for a reader of its task: three queries."""
    row = session.execute(
        sa.select(
            SupervisionOrder,
            col(Task.code),
            col(Task.measure),
            col(Task.leader),
            col(Task.person),
            col(Problem.description),
            col(Inspection.body),  # the inspecting body: 省委第八巡视组反馈的“…”问题
            col(Unit.name),
        )
        .join(Task, col(Task.id) == SupervisionOrder.task_id)
        .join(Problem, col(Problem.id) == Task.problem_id)
        .join(Inspection, col(Inspection.id) == Task.inspection_id)
        .join(Unit, col(Unit.id) == Task.lead_unit_id)
        .where(col(SupervisionOrder.id) == order_id)
    ).first()
    if row is None or not can_read_task(session, actor, row[0].task_id):
        raise NotFoundError(
            f"督办通知单编号 {order_id} 不存在,或不在您的查看范围内", field="order_id"
        )
    order, code, measure, leader, person, problem, inspection, lead_unit = row
    co_units = session.exec(
        select(Unit.name)
        .join(TaskCoUnit, col(TaskCoUnit.unit_id) == Unit.id)
        .where(TaskCoUnit.task_id == order.task_id)
        .order_by(col(TaskCoUnit.position))
    ).all()
    assert order.id is not None
    return SupervisionOrderData(
        order_id=order.id,
        label=order.label,
        year=order.year,
        number=order.number,
        issued_on=order.issued_on,
        deadline=order.deadline,
        days_overdue=order.days_overdue,
        reply_due=order.reply_due,
        notice_id=order.notice_id,
        task_id=order.task_id,
        code=code,
        measure=measure,
        problem=problem,
        inspection=inspection,
        lead_unit=lead_unit,
        co_units=tuple(co_units),
        leader=leader,
        person=person,
    )
