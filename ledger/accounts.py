"""Web accounts: passwords, sign-in with lockout, and sessions kept in the database.

Everything a sign-in decides on (failure counter, lockout, session, revocation) is a row,
never process memory, so several web processes or machines behave as one. Passwords are
hashed with argon2id (pwdlib); neither they nor session tokens reach history or messages.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlmodel import Session, col, select

from ledger.actors import WEB, Actor, require_office
from ledger.errors import ForbiddenError, InvalidInputError, NotFoundError
from ledger.history import record
from models.enums import Role
from models.tables import Unit, User
from models.web_sessions import WebSession

# Module-level so a test run may swap in cheaper argon2 parameters; a hash carries its own
# parameters, so verification works whichever hasher wrote it.
PASSWORDS = PasswordHash((Argon2Hasher(),))

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 200  # argon2 hashes anything, but a megabyte "password" is an attack
BAD_CREDENTIALS = "用户名或密码不正确"

_dummy_hash: str | None = None


def _waste_a_verification(password: str) -> None:
    """An unknown name costs as much as a wrong password, so timing does not tell names apart."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = PASSWORDS.hash(secrets.token_hex(16))
    PASSWORDS.verify(password, _dummy_hash)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_new_password(password: str, *, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(f"密码至少 {MIN_PASSWORD_LENGTH} 位,请重新设置", field=field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInputError(f"密码不能超过 {MAX_PASSWORD_LENGTH} 位", field=field)
    if password.strip() != password or not password.strip():
        raise InvalidInputError("密码首尾不能是空格", field=field)


def _user_named(session: Session, name: str) -> User:
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None:
        raise NotFoundError(f"用户“{name}”未登记,请先登记该用户", field="name")
    return user


def _revoke_all(session: Session, user_id: int, now: datetime) -> None:
    session.execute(
        sa.update(WebSession)
        .where(col(WebSession.user_id) == user_id, col(WebSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )


def _store_hash(session: Session, user: User, password: str, now: datetime) -> None:
    user.password_hash = PASSWORDS.hash(password)
    user.password_changed_at = now
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    assert user.id is not None
    _revoke_all(session, user.id, now)


def set_password(
    user_name: str, password: str, *, session: Session, actor: Actor, now: datetime
) -> None:
    """The office sets (or resets) a user's password; it also lifts a lockout and ends the
    user's web sessions."""
    require_office(actor, "设置用户密码")
    check_new_password(password)
    user = _user_named(session, user_name)
    _store_hash(session, user, password, now)
    assert user.id is not None
    record(
        session,
        actor=actor,
        action="password_set",
        entity="user",
        entity_id=user.id,
        now=now,
        field="password",
        note=f"由{actor.name}设置密码,已登录的会话全部失效",
    )


def change_own_password(
    old_password: str, new_password: str, *, session: Session, actor: Actor, now: datetime
) -> str:
    """A user changes their own password: every session of theirs ends, and a new one is
    opened for the browser that made the change (its token is returned)."""
    user = _user_named(session, actor.name)
    if not user.password_hash or not PASSWORDS.verify(old_password, user.password_hash):
        raise InvalidInputError("原密码不正确", field="old_password")
    check_new_password(new_password, field="new_password")
    if new_password == old_password:
        raise InvalidInputError("新密码不能与原密码相同", field="new_password")
    _store_hash(session, user, new_password, now)
    assert user.id is not None
    record(
        session,
        actor=actor,
        action="password_change",
        entity="user",
        entity_id=user.id,
        now=now,
        field="password",
        note="本人修改密码,其他会话全部失效",
    )
    return _open_session(session, user.id, now)


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt came to. Failures are results, not exceptions, because the
    failure counter they raise must be committed."""

    token: str | None = None
    error: str = ""


def _open_session(session: Session, user_id: int, now: datetime) -> str:
    # The user's expired sessions go as a new one opens, so the table holds only live ones
    # (and revoked ones until they would have expired) however long the system runs.
    session.execute(
        sa.delete(WebSession).where(
            col(WebSession.user_id) == user_id, col(WebSession.expires_at) <= now
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=token_digest(token),
            user_id=user_id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return token


def _local_time(at: datetime, like: datetime) -> str:
    return f"{at.astimezone(like.tzinfo):%H:%M}"


def sign_in(username: str, password: str, *, session: Session, now: datetime) -> SignIn:
    """Password sign-in. After MAX_FAILURES wrong passwords in a row the account is locked
    for LOCKOUT; the counter is a column, raised in SQL, so concurrent processes share it."""
    username = username.strip()
    if not username or not password:
        return SignIn(error="请填写用户名和密码")
    if len(password) > MAX_PASSWORD_LENGTH:
        return SignIn(error=BAD_CREDENTIALS)
    user = session.exec(select(User).where(User.name == username).with_for_update()).first()
    if user is None or not user.password_hash:
        _waste_a_verification(password)
        return SignIn(error=BAD_CREDENTIALS)
    assert user.id is not None
    if user.locked_until is not None and user.locked_until > now:
        return SignIn(
            error=f"连续 {MAX_FAILURES} 次密码错误,账号已锁定至 "
            f"{_local_time(user.locked_until, now)},请稍后再试或请整改办重置密码"
        )
    if not PASSWORDS.verify(password, user.password_hash):
        return _count_failure(session, user, now)
    if not user.active:
        return SignIn(error="该账号已停用,请联系整改办")
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    record(session, actor=user.name, action="login", entity="user", entity_id=user.id, now=now)
    return SignIn(token=_open_session(session, user.id, now))


def _count_failure(session: Session, user: User, now: datetime) -> SignIn:
    """Raise the counter in SQL (two processes failing at once both count), lock at the limit."""
    assert user.id is not None
    this_user = col(User.id) == user.id
    session.execute(
        sa.update(User)
        .where(this_user)
        .values(failed_logins=col(User.failed_logins) + 1)
        .execution_options(synchronize_session=False)
    )
    failures = session.execute(select(User.failed_logins).where(this_user)).scalar_one()
    locked = failures >= MAX_FAILURES
    minutes = int(LOCKOUT.total_seconds() // 60)
    if locked:
        session.execute(
            sa.update(User)
            .where(this_user)
            .values(failed_logins=0, locked_until=now + LOCKOUT)
            .execution_options(synchronize_session=False)
        )
    record(
        session,
        actor=user.name,
        action="lockout" if locked else "login_failed",
        entity="user",
        entity_id=user.id,
        now=now,
        note=f"连续 {MAX_FAILURES} 次密码错误,锁定 {minutes} 分钟"
        if locked
        else f"密码错误(连续第 {failures} 次)",
    )
    if locked:
        return SignIn(
            error=f"连续 {MAX_FAILURES} 次密码错误,账号已锁定 {minutes} 分钟,"
            "请稍后再试或请整改办重置密码"
        )
    return SignIn(error=BAD_CREDENTIALS)


def session_actor(token: str, *, session: Session, now: datetime) -> Actor | None:
    """The signed-in user of a live session: not revoked, not expired, account active."""
    row = session.exec(
        select(User, Unit.name)  # type: ignore[call-overload]
        .join(WebSession, col(WebSession.user_id) == User.id)
        .outerjoin(Unit, col(Unit.id) == User.unit_id)
        .where(
            WebSession.token_hash == token_digest(token),
            col(WebSession.revoked_at).is_(None),
            col(WebSession.expires_at) > now,
            col(User.active).is_(True),
        )
    ).first()
    if row is None:
        return None
    user, unit_name = row
    return Actor(
        name=user.name, role=Role(user.role), unit_id=user.unit_id, unit_name=unit_name, channel=WEB
    )


def sign_out(token: str, *, session: Session, actor: Actor, now: datetime) -> None:
    """Ends this session everywhere (the row is revoked, whichever process reads it next)."""
    found = session.get(WebSession, token_digest(token))
    if found is None or found.revoked_at is not None:
        return
    user = session.get(User, found.user_id)
    if user is None or user.name != actor.name:
        raise ForbiddenError("只能退出本人的会话")
    found.revoked_at = now
    session.add(found)
    record(session, actor=actor, action="logout", entity="user", entity_id=found.user_id, now=now)


def load_or_create_secret(path: Path) -> bytes:
    """The key that signs session cookies: made on first start, then kept in the data folder.

    Written under a temporary name and linked into place, so two processes starting at once
    agree on one key (the second link fails and that process reads the first one's key)."""
    try:
        key = path.read_bytes().strip()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret-")
    try:
        os.write(fd, secrets.token_hex(32).encode())
        os.close(fd)
        os.chmod(tmp, 0o600)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
    return path.read_bytes().strip()
