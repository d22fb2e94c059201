"""The office's lists of rounds and units: add and edit, each changed field in history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.actors import Actor, require_office
from ledger.corrections import InspectionEdit, edit_inspection
from ledger.errors import InvalidInputError, NotFoundError
from ledger.history import record
from ledger.inputs import InspectionCreate, parse_date, validated
from ledger.queries import live_tasks
from ledger.registry import add_inspection, add_unit, get_inspection
from models.cadence import NONE, parse_cadence
from models.enums import SourceKind
from models.tables import Inspection, Task, Unit


@dataclass(frozen=True)
class RoundFields:
    """A round as the form gives it (text fields; the date as typed)."""

    source_kind: str = SourceKind.xunshi.value
    body: str = ""
    subject: str = ""
    inspected_org: str = ""
    feedback_date: str = ""
    plan_doc_no: str = ""
    title: str = ""
    # 报送周期 as typed (每周一, 每月15日, 每季度, 不定期); "" back to rectify.toml's default;
    # None: the form has no such field, the round's stays as it is.
    report_cadence: str | None = None


@dataclass(frozen=True)
class RoundRow:
    id: int
    title: str
    source_kind: str
    body: str
    subject: str
    inspected_org: str
    feedback_date: date | None
    plan_doc_no: str
    tasks: int
    withdrawn: bool
    report_cadence: str = ""  # the round's own 报送周期 in words (每周一); "": the default


@dataclass(frozen=True)
class UnitRow:
    id: int
    name: str
    notify_tag: str
    tasks: int  # as lead unit


@dataclass(frozen=True)
class RoundsPage:
    rounds: list[RoundRow]
    units: list[UnitRow]
    kinds: list[str]
    default_cadence: str = "不定期报送"  # rectify.toml's [rules] report_cadence, in words


def rounds_page(*, session: Session, actor: Actor, default_cadence: str = NONE) -> RoundsPage:
    require_office(actor, "管理整改轮次和单位")
    per_round = dict(
        session.exec(
            select(col(Task.inspection_id), sa.func.count(col(Task.id)))
            .where(live_tasks())
            .group_by(col(Task.inspection_id))
        ).all()
    )
    per_unit = dict(
        session.exec(
            select(col(Task.lead_unit_id), sa.func.count(col(Task.id)))
            .where(live_tasks())
            .group_by(col(Task.lead_unit_id))
        ).all()
    )
    rounds = [
        RoundRow(
            id=r.id or 0,
            title=r.title,
            source_kind=r.source_kind,
            body=r.body,
            subject=r.subject,
            inspected_org=r.inspected_org,
            feedback_date=r.feedback_date,
            plan_doc_no=r.plan_doc_no,
            tasks=per_round.get(r.id or 0, 0),
            withdrawn=r.withdrawn_at is not None,
            report_cadence=cadence_words(r.report_cadence),
        )
        for r in session.exec(select(Inspection).order_by(col(Inspection.id).desc())).all()
    ]
    units = [
        UnitRow(u.id or 0, u.name, u.notify_tag or "", per_unit.get(u.id or 0, 0))
        for u in session.exec(select(Unit).order_by(col(Unit.name))).all()
    ]
    return RoundsPage(
        rounds=rounds,
        units=units,
        kinds=[k.value for k in SourceKind],
        default_cadence=parse_cadence(default_cadence).label,
    )


def cadence_words(spec: str | None) -> str:
    """A stored cadence spec as a form shows it (每周一, 不定期报送); unset is blank."""
    return parse_cadence(spec).label if spec else ""


def _data(fields: RoundFields) -> InspectionCreate:
    day = (
        parse_date(fields.feedback_date.strip(), "反馈日期", field="feedback_date")
        if fields.feedback_date.strip()
        else None
    )
    return validated(
        InspectionCreate,
        source_kind=fields.source_kind.strip(),
        body=fields.body.strip(),
        subject=fields.subject.strip(),
        inspected_org=fields.inspected_org.strip(),
        feedback_date=day,
        plan_doc_no=fields.plan_doc_no.strip(),
        title=fields.title.strip(),
        report_cadence=fields.report_cadence,
    )


def create_round(
    fields: RoundFields, *, session: Session, actor: Actor, now: datetime
) -> Inspection:
    require_office(actor, "登记巡视(察)轮次")
    return add_inspection(_data(fields), session=session, actor=actor, now=now)


def edit_round(
    inspection_id: int,
    fields: RoundFields,
    reason: str,
    *,
    session: Session,
    actor: Actor,
    now: datetime,
) -> Inspection:
    """Correct a round's facts from the whole form: the fields that differ go to
    ledger.corrections.edit_inspection (a reason always, one history row per field)."""
    require_office(actor, "更正巡视(察)轮次")
    inspection = get_inspection(session, inspection_id)
    data = _data(fields)
    changed = {
        name: getattr(data, name)
        for name in EDITABLE
        if getattr(data, name) != getattr(inspection, name)
    }
    if data.title and data.title != inspection.title:
        changed["title"] = data.title
    if fields.report_cadence is not None and data.report_cadence != inspection.report_cadence:
        # "" tells edit_inspection to go back to the default (None would mean "unchanged").
        changed["report_cadence"] = data.report_cadence or ""
    return edit_inspection(
        inspection_id,
        InspectionEdit(**changed),
        reason=reason,
        session=session,
        actor=actor,
        now=now,
    )


EDITABLE = ("source_kind", "body", "subject", "inspected_org", "feedback_date", "plan_doc_no")


def create_unit(
    name: str, notify_tag: str, *, session: Session, actor: Actor, now: datetime
) -> Unit:
    return add_unit(
        name.strip(),
        session=session,
        actor=actor,
        now=now,
        notify_tag=notify_tag.strip() or None,
    )


def edit_unit(
    unit_id: int,
    name: str,
    notify_tag: str,
    *,
    session: Session,
    actor: Actor,
    now: datetime,
) -> Unit:
    """Rename a unit or change its notice tag (tasks and users follow: they hold its id)."""
    require_office(actor, "修改单位")
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFoundError(f"单位 {unit_id} 不存在", field="unit")
    name = name.strip()
    if not name:
        raise InvalidInputError("单位名称不能为空", field="name")
    if name != unit.name and session.exec(select(Unit).where(Unit.name == name)).first():
        raise InvalidInputError(f"单位“{name}”已登记", field="name")
    changes = [("name", unit.name, name), ("notify_tag", unit.notify_tag or "", notify_tag.strip())]
    unit.name = name
    unit.notify_tag = notify_tag.strip() or None
    session.add(unit)
    for field, old, new in changes:
        if old != new:
            record(
                session,
                actor=actor.name,
                action="edit",
                entity="unit",
                entity_id=unit_id,
                now=now,
                field=field,
                old=old,
                new=new,
            )
    return unit
