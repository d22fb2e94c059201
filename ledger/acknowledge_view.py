"""签收 as a task page shows them: each unit's, lead unit first (ledger.task_detail).

Apart from ledger.acknowledge, which signs and keeps the rows in step with a task's units:
reading a task loads neither the write side nor its history writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from ledger.wording import cn_date
from models.office import TZ
from models.tables import Acknowledgement, TaskCoUnit, Unit


@dataclass(frozen=True)
class AckItem:
    """One unit's 签收 of a task, as a task page shows it; `as_json` keeps English keys."""

    unit_id: int
    unit: str
    role: str  # "lead" or "co"
    acknowledged_at: datetime | None
    acknowledged_by: str | None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    @property
    def role_label(self) -> str:
        return "牵头单位" if self.role == "lead" else "配合单位"

    @property
    def text(self) -> str:
        if self.acknowledged_at is None:
            return f"{self.unit} 未签收"
        return f"{self.unit} 已于{cn_date(self.acknowledged_at.astimezone(TZ).date())}签收({self.acknowledged_by or '—'})"

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "role": self.role,
            "acknowledged": self.acknowledged,
            "acknowledged_at": self.acknowledged_at.isoformat() if self.acknowledged_at else None,
            "acknowledged_by": self.acknowledged_by,
        }


def acknowledgements_of(session: Session, task_id: int, lead_unit_id: int) -> list[AckItem]:
    """The 签收 of each unit of a task: the lead unit first, then the co-units in order."""
    rows = session.execute(
        sa.select(
            col(Acknowledgement.unit_id),
            col(Unit.name),
            col(Acknowledgement.acknowledged_at),
            col(Acknowledgement.acknowledged_by),
            col(TaskCoUnit.position),
        )
        .join(Unit, col(Unit.id) == Acknowledgement.unit_id)
        .outerjoin(
            TaskCoUnit,
            sa.and_(
                col(TaskCoUnit.task_id) == Acknowledgement.task_id,
                col(TaskCoUnit.unit_id) == Acknowledgement.unit_id,
            ),
        )
        .where(col(Acknowledgement.task_id) == task_id)
    ).all()
    items = [
        (
            -1 if unit_id == lead_unit_id else (position or 0),
            AckItem(
                unit_id,
                name,
                "lead" if unit_id == lead_unit_id else "co",
                at,
                by,
            ),
        )
        for unit_id, name, at, by, position in rows
    ]
    return [item for _, item in sorted(items, key=lambda pair: (pair[0], pair[1].unit))]
