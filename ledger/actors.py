"""Who is acting, and what they may do.

The actor's name comes from the front end (the command line's `--as NAME` or RECTIFY_USER,
the web's signed-in session). Until an office user is registered the local operator acts
as the office, so a newcomer can start without set-up and a first user registered as a
unit cannot lock the office out; once an office user exists every change needs a known
actor, and the last active office user cannot be deactivated.

Beside the name, every actor carries the channel it came from (`cli:<os user>`, `web`,
`schedule`), recorded on each history row: a name claimed with `--as` is traceable to the
operating-system account that typed it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from ledger.errors import ForbiddenError, NotFoundError
from models.enums import Role
from models.tables import Task, TaskCoUnit, Unit, User

LOCAL_OPERATOR = "本地管理员"


# The channels an actor comes from; the command line's carries the OS user name.
WEB = "web"
SCHEDULE = "schedule"
# session.info key: the channel of the use case's actor, for history rows written by name.
CHANNEL_KEY = "rectify.channel"


def command_line(os_user: str) -> str:
    return f"cli:{os_user}"


@dataclass(frozen=True)
class Actor:
    name: str
    role: Role
    unit_id: int | None = None
    unit_name: str | None = None
    channel: str = ""  # where the request came from (see above); "" when unknown (tests)

    def via(self, channel: str) -> Actor:
        """The same actor, as having come through `channel`."""
        return replace(self, channel=channel)

    @property
    def is_office(self) -> bool:
        return self.role is Role.office


def acting(session: Session, actor: Actor) -> Actor:
    """Marks the use case's session with the actor's channel, for the history it writes."""
    session.info[CHANNEL_KEY] = actor.channel
    return actor


def has_office_user(session: Session) -> bool:
    """An active office user exists (then nobody unnamed acts as the office)."""
    query = select(func.count()).select_from(User).where(User.role == Role.office)
    return session.exec(query.where(col(User.active).is_(True))).one() > 0


def resolve_actor(session: Session, name: str | None, *, channel: str = "") -> Actor:
    """The acting user, refused with a clear message when unknown."""
    user = session.exec(select(User).where(User.name == name)).first() if name else None
    if user is None and not has_office_user(session):
        # No office user yet: whoever runs the command is the office, so registering a
        # unit user first cannot leave nobody able to register the office.
        return acting(
            session, Actor(name=name or LOCAL_OPERATOR, role=Role.office, channel=channel)
        )
    if not name:
        raise ForbiddenError("已登记用户,须说明操作人是谁", field="actor")
    if user is None:
        raise NotFoundError(f"操作人“{name}”未登记,请由整改办登记后再操作", field="actor")
    if not user.active:
        raise ForbiddenError(f"操作人“{name}”已停用,请由整改办重新启用后再操作", field="actor")
    unit_name = session.get(Unit, user.unit_id).name if user.unit_id else None  # type: ignore[union-attr]
    actor = Actor(
        name=user.name,
        role=Role(user.role),
        unit_id=user.unit_id,
        unit_name=unit_name,
        channel=channel,
    )
    return acting(session, actor)


def require_office(actor: Actor, what: str) -> None:
    if not actor.is_office:
        raise ForbiddenError(f"“{actor.name}”({actor.role.label})无权{what},此操作仅限整改办")


def task_units(session: Session, task: Task) -> set[int]:
    co = session.exec(select(TaskCoUnit.unit_id).where(TaskCoUnit.task_id == task.id)).all()
    return {task.lead_unit_id, *co}


def require_task_actor(session: Session, actor: Actor, task: Task, what: str) -> None:
    """Units act on tasks where they are lead or co-unit; the office may act on any; leaders only read."""
    if actor.is_office:
        return
    if actor.role is Role.leader:
        raise ForbiddenError(f"“{actor.name}”(责任领导)只能查看,不能{what}")
    if actor.unit_id is None or actor.unit_id not in task_units(session, task):
        # "Not found", like reading it: another unit's task is not there for this unit
        # (the web answers 404 for it, exactly as for a task that does not exist).
        raise NotFoundError(
            f"“{actor.name}”所在单位“{actor.unit_name or '未指定'}”不是任务 {task.code} 的牵头或配合单位,不能{what}"
        )


def co_unit_part(session: Session, actor: Actor, task: Task) -> int | None:
    """The co-unit whose own part the actor acts on, or None when the actor acts on the task
    itself (the office, the lead unit). Call after `require_task_actor`."""
    if actor.is_office or actor.unit_id == task.lead_unit_id:
        return None
    return actor.unit_id


def require_lead_actor(session: Session, actor: Actor, task: Task, what: str) -> None:
    """The task itself is acted on by its lead unit (or the office); a co-unit acts on its
    own part only (ledger.parts)."""
    require_task_actor(session, actor, task, what)
    if co_unit_part(session, actor, task) is not None:
        raise ForbiddenError(
            f"“{actor.name}”所在单位“{actor.unit_name or '未指定'}”是任务 {task.code} 的配合单位,"
            f"只能填报和完成本单位承担的部分,不能{what};{what}由牵头单位办理",
            field="actor",
        )


def remit_clause(actor: Actor) -> sa.ColumnElement[bool] | None:
    """What the actor may read: None means everything (the office)."""
    if actor.is_office:
        return None
    unit_tasks = select(TaskCoUnit.task_id).where(TaskCoUnit.unit_id == actor.unit_id)
    by_unit = sa.or_(col(Task.lead_unit_id) == actor.unit_id, col(Task.id).in_(unit_tasks))
    if actor.role is Role.leader:
        own = col(Task.leader) == actor.name
        return sa.or_(own, by_unit) if actor.unit_id else own
    return by_unit
