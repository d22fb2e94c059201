"""The unit of work: one use case, one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from ledger.errors import BusyError, ConflictError

# PostgreSQL: lock_not_available (lock_timeout passed), deadlock_detected. A deadlock is
# two writers waiting on each other, not a clash over the same version: retrying works.
_PG_BUSY = {"55P03", "40P01"}
_PG_CLASH = {"40001"}  # serialization_failure: a concurrent change to what this one read
# SQLite in WAL mode: this transaction read a snapshot another writer has since replaced, so
# it may not write on top of it; "database is locked" in words, a version clash in fact.
_SQLITE_CLASH = "SQLITE_BUSY_SNAPSHOT"


def is_busy(exc: BaseException) -> bool:
    """True when a statement gave up waiting for another writer (not a real conflict)."""
    if not isinstance(exc, sa.exc.OperationalError):
        return False
    code = getattr(exc.orig, "sqlstate", None)
    if code is not None:
        return code in _PG_BUSY
    name = str(getattr(exc.orig, "sqlite_errorname", ""))
    if name:
        return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) and name != _SQLITE_CLASH
    text = str(exc.orig).lower()
    return "database is locked" in text or "database table is locked" in text


def is_clash(exc: BaseException) -> bool:
    """True when another writer changed what this transaction read since it read it."""
    if not isinstance(exc, sa.exc.OperationalError):
        return False
    orig = exc.orig
    return (
        getattr(orig, "sqlstate", None) in _PG_CLASH
        or getattr(orig, "sqlite_errorname", None) == _SQLITE_CLASH
    )


@contextmanager
def transaction(engine: sa.Engine) -> Iterator[Session]:
    """Commit once at the end; roll everything back on any error.

    Only a lost optimistic-lock race (StaleDataError, or PostgreSQL's serialization
    failure) is a ConflictError: someone changed the same record. A writer that waited
    the busy timeout for another one (SQLite "database is locked", PostgreSQL
    lock_timeout) is a BusyError: nothing clashed, trying again later works.
    """
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except StaleDataError:
        session.rollback()
        raise ConflictError() from None
    except sa.exc.OperationalError as exc:
        session.rollback()
        if is_busy(exc):
            raise BusyError() from None
        if is_clash(exc):
            raise ConflictError() from None
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
