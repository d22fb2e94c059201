"""The unit of work: one use case, one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from ledger.errors import ConflictError


@contextmanager
def transaction(engine: sa.Engine) -> Iterator[Session]:
    """Commit once at the end; roll everything back on any error.

    A lost optimistic-lock race (StaleDataError) or a writer locked out by another one
    (SQLite "database is locked", PostgreSQL serialization failure) becomes a ConflictError.
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
        text = str(exc.orig).lower()
        if "locked" in text or "could not serialize" in text or "deadlock" in text:
            raise ConflictError() from None
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
