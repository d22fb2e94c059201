"""What the ledger is organised by, as each actor may read it: rounds, problems, units, users.

The office reads everything. A unit or a leader reads the rounds and problems that hold a
task in their remit (ledger.actors.remit_clause), and the list of units (names and tags
are no secret inside the organisation, and a unit names its co-units). Only the office
reads the users. `*Public` models are the shapes every front end shows (and `--json`
prints): no password hash, no session, ever.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Session, col, select

from ledger.actors import Actor, remit_clause, require_office
from models.cadence import effective_cadence
from models.enums import Role
from models.tables import Inspection, Problem, Task, Unit, User


class InspectionPublic(BaseModel):
    id: int
    source_kind: str
    body: str
    subject: str
    inspected_org: str
    feedback_date: date | None  # not known yet: a ledger imported without one
    plan_doc_no: str
    title: str
    withdrawn_at: datetime | None  # withdrawn rounds stay listed, so the office can restore
    report_cadence: str | None = None  # 报送周期 spec (models.cadence); None: the default
    report_cadence_label: str = ""  # 每周一, or 不定期报送(默认)


class ProblemPublic(BaseModel):
    id: int
    inspection_id: int
    seq: int
    serial: str
    category: str
    description: str
    goal: str


class UnitPublic(BaseModel):
    id: int
    name: str
    notify_tag: str | None


class UserPublic(BaseModel):
    id: int
    name: str
    role: Role
    role_label: str
    unit: str | None
    notify_tag: str | None
    active: bool


def _remit_tasks(actor: Actor) -> sa.Select[tuple[int]] | None:
    """The ids of the tasks the actor may read; None for the office (all)."""
    remit = remit_clause(actor)
    return None if remit is None else select(Task.id).where(remit)  # type: ignore[return-value]


def list_inspections(
    *, session: Session, actor: Actor, default_cadence: str = "none"
) -> list[InspectionPublic]:
    """巡视(察)轮次 in registration order."""
    stmt = select(Inspection).order_by(col(Inspection.id))
    visible = _remit_tasks(actor)
    if visible is not None:
        stmt = stmt.where(
            col(Inspection.id).in_(select(Task.inspection_id).where(col(Task.id).in_(visible)))
        )
    return [inspection_public(r, default_cadence) for r in session.exec(stmt)]


def inspection_public(inspection: Inspection, default_cadence: str) -> InspectionPublic:
    """A round as every reader (and `--json`) sees it, with its 报送周期 in words."""
    public = InspectionPublic.model_validate(inspection, from_attributes=True)
    cadence = effective_cadence(None, inspection.report_cadence, default_cadence)
    public.report_cadence_label = cadence.label + ("" if inspection.report_cadence else "(默认)")
    return public


def list_problems(
    *, session: Session, actor: Actor, inspection_id: int | None = None
) -> list[ProblemPublic]:
    """反馈问题 in ledger order, of one round or all."""
    stmt = select(Problem).order_by(col(Problem.inspection_id), col(Problem.seq))
    if inspection_id is not None:
        stmt = stmt.where(Problem.inspection_id == inspection_id)
    visible = _remit_tasks(actor)
    if visible is not None:
        stmt = stmt.where(
            col(Problem.id).in_(select(Task.problem_id).where(col(Task.id).in_(visible)))
        )
    return [ProblemPublic.model_validate(r, from_attributes=True) for r in session.exec(stmt)]


def list_units(*, session: Session, actor: Actor) -> list[UnitPublic]:
    """责任单位 by name; every registered actor may read them."""
    del actor  # resolved by the caller: an unknown user never gets here
    rows = session.exec(select(Unit).order_by(col(Unit.name)))
    return [UnitPublic.model_validate(u, from_attributes=True) for u in rows]


def list_users(*, session: Session, actor: Actor) -> list[UserPublic]:
    """用户, for the office only: who may act, in which role and unit."""
    require_office(actor, "查看用户名单")
    rows = session.exec(
        select(User, Unit.name)  # type: ignore[call-overload]
        .outerjoin(Unit, col(Unit.id) == User.unit_id)
        .order_by(col(User.id))
    ).all()
    return [
        UserPublic(
            id=u.id,
            name=u.name,
            role=Role(u.role),
            role_label=Role(u.role).label,
            unit=unit,
            notify_tag=u.notify_tag,
            active=u.active,
        )
        for u, unit in rows
    ]
