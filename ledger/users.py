"""Deactivating and re-activating users, without ever locking the office out.

A user is never deleted (history names them); a deactivated one can neither act on the
command line nor sign in on the web. The last active office user cannot be deactivated:
nobody could then register or re-activate anyone.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from ledger.actors import Actor, require_office
from ledger.errors import InvalidInputError, NotFoundError
from ledger.history import record
from models.enums import Role
from models.tables import User


def _user(session: Session, name: str) -> User:
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None:
        raise NotFoundError(f"用户“{name}”未登记", field="name")
    return user


def set_active(name: str, active: bool, *, session: Session, actor: Actor, now: datetime) -> User:
    """停用 / 启用 a user; the office only, and never its last active office user."""
    require_office(actor, "停用或启用用户")
    user = _user(session, name)
    if user.active == active:
        raise InvalidInputError(f"用户“{name}”已是{'启用' if active else '停用'}状态", field="name")
    if not active and user.role == Role.office:
        others = session.exec(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.office, col(User.active).is_(True), User.id != user.id)
        ).one()
        if others == 0:
            raise InvalidInputError(
                f"“{name}”是最后一名启用的整改办用户,停用后将无人能登记或启用用户;"
                "请先登记另一名整改办用户",
                field="name",
            )
    user.active = active
    session.add(user)
    assert user.id is not None
    record(
        session,
        actor=actor,
        action="activate" if active else "deactivate",
        entity="user",
        entity_id=user.id,
        now=now,
        field="active",
        old=not active,
        new=active,
    )
    return user
