"""Append-only history. Rows are only ever added, in the same transaction as the change."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from models.tables import HistoryEntry


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int,
    now: datetime,
    task_id: int | None = None,
    field: str = "",
    old: Any = None,
    new: Any = None,
    note: str = "",
) -> None:
    session.add(
        HistoryEntry(
            at=now,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            task_id=task_id,
            field=field,
            old_value=_text(old),
            new_value=_text(new),
            note=note,
        )
    )


def record_changes(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int,
    now: datetime,
    changes: Iterable[tuple[str, Any, Any]],
    task_id: int | None = None,
    note: str = "",
) -> None:
    """One history row per changed field; unchanged fields are skipped."""
    for field, old, new in changes:
        if old != new:
            record(
                session,
                actor=actor,
                action=action,
                entity=entity,
                entity_id=entity_id,
                now=now,
                task_id=task_id,
                field=field,
                old=old,
                new=new,
                note=note,
            )


def task_history(session: Session, task_id: int) -> list[HistoryEntry]:
    return list(
        session.exec(
            select(HistoryEntry)
            .where(HistoryEntry.task_id == task_id)
            .order_by(col(HistoryEntry.at), col(HistoryEntry.id))
        )
    )
