"""Append-only history. Rows are only ever added, in the same transaction as the change.

`history_row` builds every row, whether one is written now (`record`) or thousands in bulk
(the import, the daily check's 督办通知单); the labels users read for actions, fields and
stored values are here too, once, for every front end.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from ledger.actors import CHANNEL_KEY, Actor
from models.cadence import parse_cadence
from models.enums import STATUS_LABELS, TaskKind
from models.rules import RuleError
from models.tables import HistoryEntry

ACTION_LABELS = {
    "register": "登记",
    "import": "导入台账",
    "progress": "填报进展",
    "submit": "申请销号",
    "part_progress": "填报配合部分进展",
    "part_done": "配合部分标记完成",
    "part_reopen": "配合部分重新打开",
    "submit_open_parts": "配合部分未完成即申请销号",
    "verify": "销号",
    "return": "退回",
    "extension_request": "申请延期",
    "extension_approve": "批准延期",
    "extension_refuse": "不予批准延期",
    "supervise": "督办",
    "update": "修改",
    "urge_now": "一键催办",
    "requeue": "重新发送通知",
    "acknowledge": "签收",
    "score_close": "考核关账",
    "password_set": "设置密码",
    "password_change": "修改密码",
    "login": "登录",
    "login_failed": "登录失败",
    "lockout": "锁定账户",
    "logout": "退出登录",
}
FIELD_LABELS = {
    "status": "状态",
    "deadline": "整改时限",
    "progress": "进展",
    "measure": "整改措施",
    "leader": "责任领导",
    "person": "责任人",
    "lead_unit": "牵头单位",
    "co_units": "配合单位",
    "note": "备注",
    "kind": "任务类型",
    "report_cadence": "报送周期",
    "acknowledgement": "签收单位",
    "part": "配合单位的部分",
}
# Stored values a user reads as words: an import wrote raw status values before the
# lifecycle's labels were used everywhere, so both read the same.
VALUE_LABELS = {
    "status": {s.value: label for s, label in STATUS_LABELS.items()},
    "kind": {k.value: k.label for k in TaskKind},
}


def history_text(value: Any) -> str | None:
    """A value as history stores it: dates in ISO form, lists and dicts as JSON."""
    if value is None:
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def history_row(
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
    channel: str = "",
) -> dict[str, Any]:
    """One history row as column values: `record` adds it, bulk writers insert many."""
    return {
        "at": now,
        "actor": actor,
        "channel": channel,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "task_id": task_id,
        "field": field,
        "old_value": history_text(old),
        "new_value": history_text(new),
        "note": note,
    }


def _who(session: Session, actor: str | Actor) -> tuple[str, str]:
    """The name and channel a history row records for the actor."""
    if isinstance(actor, Actor):
        return actor.name, actor.channel
    return actor, str(session.info.get(CHANNEL_KEY, ""))


def record(
    session: Session,
    *,
    actor: str | Actor,
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
    name, channel = _who(session, actor)
    session.add(
        HistoryEntry(
            **history_row(
                actor=name,
                action=action,
                entity=entity,
                entity_id=entity_id,
                now=now,
                task_id=task_id,
                field=field,
                old=old,
                new=new,
                note=note,
                channel=channel,
            )
        )
    )


def record_changes(
    session: Session,
    *,
    actor: str | Actor,
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
    """Every row about one task, oldest first. No remit check: see `visible_history`."""
    return list(
        session.exec(
            select(HistoryEntry)
            .where(HistoryEntry.task_id == task_id)
            .order_by(col(HistoryEntry.at), col(HistoryEntry.id))
        )
    )


@dataclass(frozen=True)
class HistoryItem:
    """One history row as a user reads it (labels in Chinese, `--json` keeps the codes)."""

    at: datetime
    actor: str
    channel: str
    action: str
    action_label: str
    field: str
    field_label: str
    old: str | None
    new: str | None
    note: str

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "actor": self.actor,
            "channel": self.channel,
            "action": self.action,
            "action_label": self.action_label,
            "field": self.field,
            "field_label": self.field_label,
            "old_value": self.old,
            "new_value": self.new,
            "note": self.note,
        }


def value_label(field: str, value: str | None) -> str | None:
    if value is None:
        return None
    if field == "report_cadence":  # stored as a spec (weekly:1), read as words (每周一)
        try:
            return parse_cadence(value).label
        except RuleError:
            return value
    return VALUE_LABELS.get(field, {}).get(value, value)


def history_items(entries: Iterable[HistoryEntry]) -> list[HistoryItem]:
    return [
        HistoryItem(
            at=e.at,
            actor=e.actor,
            channel=e.channel,
            action=e.action,
            action_label=ACTION_LABELS.get(e.action, e.action),
            field=e.field,
            field_label=FIELD_LABELS.get(e.field, e.field),
            old=value_label(e.field, e.old_value),
            new=value_label(e.field, e.new_value),
            note=e.note,
        )
        for e in entries
    ]


def visible_history(task_id: int, *, session: Session, actor: Actor) -> list[HistoryItem]:
    """A task's history for one actor: a task outside the remit is not found, like one
    that does not exist (ledger.task_detail.require_visible)."""
    from ledger.task_detail import require_visible

    require_visible(task_id, session=session, actor=actor)
    return history_items(task_history(session, task_id))
