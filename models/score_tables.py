"""单位考核's stored results (ledger.scoring): an open period's cached ranking and a closed
period's snapshot, tables of their own that only scoring loads (models.tables).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.tables import TABLE_CONFIG, utc_field


class ScoreCache(SQLModel, table=True):
    """An open 考核 period's ranking as computed for a state of the ledger (ledger.scoring):
    the office's board reads it back while nothing changed, in every web process alike.
    Derived, never entered: dropping every row only costs one recomputation."""

    model_config = TABLE_CONFIG

    __tablename__ = "score_cache"
    __table_args__ = (sa.UniqueConstraint("period", "as_of", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=20)
    as_of: date
    # The ledger's state and the rule the ranking was computed under (ledger.scoring._state).
    state: str = Field(max_length=200)
    board: dict[str, Any] = Field(sa_type=sa.JSON)  # ledger.scoring.ScoreBoard.as_json()


class ScoreSnapshot(SQLModel, table=True):
    """A closed 考核 period's result, frozen: the ranking and each unit's deductions as they
    stood when the office closed the period (ledger.scoring), so a later 退回 or correction
    leaves it as it was. Open periods are computed from history and never stored."""

    model_config = TABLE_CONFIG

    __tablename__ = "score_snapshot"

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(unique=True, max_length=20)  # 2026-11 / 2026-Q4
    closed_at: datetime = utc_field()
    closed_by: str = Field(max_length=100)
    board: dict[str, Any] = Field(sa_type=sa.JSON)  # ledger.scoring.ScoreBoard.as_json()
