"""The office's user list: add, edit, reset a password, deactivate and reactivate.

Only the office manages users. Every change is in history (a password as "set", never its
value); deactivating ends the user's web sessions at once, in every process, because the
sessions are rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from pydantic import ValidationError
from sqlmodel import Session, col, select

from ledger import accounts
from ledger.actors import Actor, require_office
from ledger.errors import InvalidInputError, NotFoundError
from ledger.history import record
from ledger.inputs import UserCreate
from ledger.registry import add_user, units_by_name
from models.enums import Role
from models.tables import Unit, User
from models.web_sessions import WebSession


@dataclass(frozen=True)
class UserRow:
    id: int
    name: str
    role: Role
    unit: str
    notify_tag: str
    active: bool
    locked: bool  # locked out after wrong passwords, until locked_until
    has_password: bool


@dataclass(frozen=True)
class UserList:
    users: list[UserRow]
    units: list[str]  # for the unit field's choices
    roles: list[Role]


def list_users(*, session: Session, actor: Actor, now: datetime) -> UserList:
    require_office(actor, "管理用户")
    rows = session.exec(
        select(User, Unit.name)  # type: ignore[call-overload]
        .outerjoin(Unit, col(Unit.id) == User.unit_id)
        .order_by(col(User.active).desc(), col(User.role), col(User.name))
    ).all()
    users = [
        UserRow(
            id=user.id or 0,
            name=user.name,
            role=Role(user.role),
            unit=unit_name or "",
            notify_tag=user.notify_tag or "",
            active=user.active,
            locked=bool(user.locked_until and user.locked_until > now),
            has_password=bool(user.password_hash),
        )
        for user, unit_name in rows
    ]
    units = list(session.exec(select(Unit.name).order_by(col(Unit.name))).all())
    return UserList(users=users, units=units, roles=list(Role))


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidInputError(
            f"角色“{value}”无效,请选择整改办、责任单位或责任领导", field="role"
        ) from None


def create_user(
    name: str,
    role: str,
    unit: str,
    notify_tag: str,
    password: str,
    *,
    session: Session,
    actor: Actor,
    now: datetime,
) -> User:
    """A new user with the password the office gives them (both in one transaction)."""
    require_office(actor, "登记用户")
    try:
        data = UserCreate(
            name=name.strip(),
            role=_role(role),
            unit=unit.strip() or None,
            notify_tag=notify_tag.strip() or None,
        )
    except ValidationError as exc:
        raise InvalidInputError("姓名不能为空", field="name") from exc
    accounts.check_new_password(password)
    user = add_user(data, session=session, actor=actor, now=now)
    accounts.set_password(user.name, password, session=session, actor=actor, now=now)
    return user


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"用户 {user_id} 不存在", field="user")
    return user


def edit_user(
    user_id: int,
    *,
    role: str,
    unit: str,
    notify_tag: str,
    session: Session,
    actor: Actor,
    now: datetime,
) -> User:
    """Change a user's role, unit or notification tag; each changed field is in history."""
    require_office(actor, "修改用户")
    user = _user(session, user_id)
    new_role = _role(role)
    unit = unit.strip()
    if new_role is Role.unit and not unit:
        raise InvalidInputError("责任单位用户须指定所在单位", field="unit")
    unit_id = units_by_name(session, [unit], create=False)[unit].id if unit else None
    old_unit = session.get(Unit, user.unit_id).name if user.unit_id else ""  # type: ignore[union-attr]
    changes = [
        ("role", Role(user.role).label, new_role.label),
        ("unit", old_unit, unit),
        ("notify_tag", user.notify_tag or "", notify_tag.strip()),
    ]
    user.role = new_role
    user.unit_id = unit_id
    user.notify_tag = notify_tag.strip() or None
    session.add(user)
    assert user.id is not None
    for field, old, new in changes:
        if old != new:
            record(
                session,
                actor=actor.name,
                action="edit",
                entity="user",
                entity_id=user.id,
                now=now,
                field=field,
                old=old,
                new=new,
            )
    return user


def reset_password(
    user_id: int, password: str, *, session: Session, actor: Actor, now: datetime
) -> User:
    """The office sets a new password (it also lifts a lockout and ends the user's sessions)."""
    require_office(actor, "重置用户密码")
    user = _user(session, user_id)
    accounts.set_password(user.name, password, session=session, actor=actor, now=now)
    return user


def set_active(
    user_id: int, active: bool, *, session: Session, actor: Actor, now: datetime
) -> User:
    """停用 (the user cannot sign in; their sessions end now) or 启用 again."""
    require_office(actor, "停用或启用用户")
    user = _user(session, user_id)
    if not active and user.name == actor.name:
        raise InvalidInputError("不能停用自己的账号", field="user")
    if user.active == active:
        return user
    user.active = active
    session.add(user)
    if not active:
        session.execute(
            sa.update(WebSession)
            .where(col(WebSession.user_id) == user_id, col(WebSession.revoked_at).is_(None))
            .values(revoked_at=now)
        )
    record(
        session,
        actor=actor.name,
        action="activate" if active else "deactivate",
        entity="user",
        entity_id=user_id,
        now=now,
        field="active",
        old="启用" if not active else "停用",
        new="启用" if active else "停用",
        note="" if active else "已登录的会话全部失效",
    )
    return user
