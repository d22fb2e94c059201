"""The tables of the ledger.

Each entity is a small family where input needs validating: `XxxCreate` (plain
pydantic, validates) and `Xxx(table=True)` (SQLModel table classes do not validate
on construction, so input never reaches them unvalidated).

The tables that reading a task does not touch live in modules of their own, loaded where
they are used (each table class costs a command's start some 3 ms): the outbox
(models.outbox), 回头看 (models.followups), web sessions (models.web_sessions) and the
单位考核 results (models.score_tables). Alembic's env imports them all.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel
from sqlmodel.main import SQLModelConfig

from models.enums import (
    ExtensionStatus,
    PartStatus,
    ReportKind,
    Role,
    TaskKind,
    TaskStatus,
)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp stored in UTC that always comes back time-zone aware (SQLite drops zones)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(enum: type[StrEnum]) -> sa.Enum:
    """A VARCHAR holding the enum's value that loads back as the enum member."""
    return sa.Enum(
        enum, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc_field(**kw: Any) -> Any:
    """A UTCDateTime column (Field's keywords: default, default_factory, ...)."""
    return Field(sa_type=UTCDateTime, **kw)


# A table class builds its pydantic validator and serializer when first used (a row dumped
# to JSON, a validation), not when it is declared: rows are written from validated *Create
# models and read by SQLAlchemy, so most commands never use either, and building them for
# every table class was ~10 ms of each command's start (benchmarks/startup.py).
TABLE_CONFIG = SQLModelConfig(defer_build=True)


class Unit(SQLModel, table=True):
    """A 责任单位. `notify_tag` overrides the Apprise tag (default: the name)."""

    model_config = TABLE_CONFIG

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True, max_length=200)
    notify_tag: str | None = Field(default=None, max_length=200)


class User(SQLModel, table=True):
    model_config = TABLE_CONFIG

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True, max_length=100)
    role: Role = Field(sa_type=enum_type(Role))
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    notify_tag: str | None = Field(default=None, max_length=200)
    # Web sign-in (ledger.accounts). All of it in the database, so every web process and
    # machine sees the same counters and lockouts. No hash: the user cannot sign in on the web.
    password_hash: str | None = Field(default=None, max_length=300)
    active: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    failed_logins: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    locked_until: datetime | None = utc_field(default=None)
    password_changed_at: datetime | None = utc_field(default=None)


class Inspection(SQLModel, table=True):
    """One 巡视 / 巡察 / 审计 / 督查 round and its feedback."""

    model_config = TABLE_CONFIG

    id: int | None = Field(default=None, primary_key=True)
    source_kind: str = Field(max_length=20)  # models.enums.SourceKind value
    body: str = Field(max_length=200)  # inspecting body, e.g. 省委第八巡视组
    subject: str = Field(default="", max_length=200)  # e.g. 脱贫攻坚
    inspected_org: str = Field(default="", max_length=200)
    # None: not known yet (a ledger imported without one); deadlines are checked once it is set.
    feedback_date: date | None = None
    plan_doc_no: str = Field(default="", max_length=200)  # 整改方案文号
    title: str = Field(max_length=400)
    created_at: datetime = utc_field(default_factory=utc_now)
    # 回头看: months after a task's 销号 (a task may have its own, Task.followup_months).
    followup_months: int = Field(default=6, sa_column_kwargs={"server_default": "6"})
    # Withdrawn (a round imported twice): its tasks leave every count, light and notice;
    # nothing is deleted, and restoring clears the mark.
    withdrawn_at: datetime | None = utc_field(default=None)
    # 报送周期 as a spec (models.cadence): weekly:1, monthly:15, quarterly:1, none;
    # None: rectify.toml's default ([rules] report_cadence).
    report_cadence: str | None = Field(default=None, max_length=20)


class Problem(SQLModel, table=True):
    """A 反馈问题 of a round."""

    model_config = TABLE_CONFIG

    __table_args__ = (sa.UniqueConstraint("inspection_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    seq: int  # order within the round, 1-based
    serial: str = Field(default="", max_length=40)  # as written: 一 / (一) / 1
    category: str = Field(default="", max_length=200)
    description: str
    goal: str = Field(default="")  # 整改目标


_TASK_VERSION = sa.Column("version", sa.Integer, nullable=False, default=1)


class Task(SQLModel, table=True):
    """A 整改措施: the unit that is tracked, reminded and closed."""

    model_config = TABLE_CONFIG

    __table_args__ = (
        sa.UniqueConstraint("inspection_id", "code"),
        sa.Index("ix_task_open_deadline", "status", "deadline"),
        # 挂图作战 (ledger.dashboard): one index-only scan for the board's counts, and the
        # red list walks deadlines (migration 0009).
        sa.Index(
            "ix_task_board",
            "lead_unit_id",
            "inspection_id",
            "status",
            "kind",
            "deadline",
            "closed_at",
            "withdrawn_at",
        ),
        sa.Index("ix_task_deadline", "deadline"),
        # 单位考核 (ledger.scoring): the ranking's facts of every dated task in one
        # index-only scan of the deadline range (migration 0013).
        sa.Index(
            "ix_task_score",
            "deadline",
            "kind",
            "created_at",
            "lead_unit_id",
            "status",
            "withdrawn_at",
            "inspection_id",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    problem_id: int = Field(foreign_key="problem.id", index=True)
    code: str = Field(max_length=40)  # problem seq + measure seq, e.g. "3.2"
    measure: str
    lead_unit_id: int = Field(foreign_key="unit.id", index=True)
    leader: str = Field(default="", max_length=100)  # 责任领导
    person: str = Field(default="", max_length=100)  # 责任人
    kind: TaskKind = Field(sa_type=enum_type(TaskKind))
    deadline: date | None = None
    original_deadline: date | None = None  # kept when an extension moves the deadline
    status: TaskStatus = Field(default=TaskStatus.pending, sa_type=enum_type(TaskStatus))
    # Optimistic lock: every UPDATE of a task says "WHERE version = <the version read>",
    # so of two people acting on the same task at once exactly one wins (ledger.errors.ConflictError).
    version: int = Field(default=1, sa_column=_TASK_VERSION)
    note: str = Field(default="")  # 备注
    created_at: datetime = utc_field(default_factory=utc_now)
    updated_at: datetime = utc_field(default_factory=utc_now)
    closed_at: datetime | None = utc_field(default=None)
    # Withdrawn (entered by mistake): out of every count, light, notice, report and export,
    # still readable with its history; restoring clears the mark.
    withdrawn_at: datetime | None = utc_field(default=None)
    # Columns of the imported ledger that rectify has no field for, kept as written:
    # {column name: cell text}.
    extra: dict[str, str] | None = Field(default=None, sa_type=sa.JSON)
    followup_months: int | None = None  # 回头看 interval of its own; None: the round's
    report_cadence: str | None = Field(default=None, max_length=20)  # None: the round's

    __mapper_args__ = {"version_id_col": _TASK_VERSION}


class TaskCoUnit(SQLModel, table=True):
    """配合单位 of a task, in the order the ledger lists them."""

    model_config = TABLE_CONFIG

    task_id: int = Field(foreign_key="task.id", primary_key=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)
    position: int = 0


class TaskPart(SQLModel, table=True):
    """A co-unit's own part of a task: marked 已完成 by the co-unit (and reopened before 销号).

    No row means 未完成. Kept apart from TaskCoUnit, which a correction or a re-import
    replaces: a co-unit that stays keeps its mark; a removed one's row is ignored (joined
    through TaskCoUnit) and comes back if the unit is named again."""

    model_config = TABLE_CONFIG

    __tablename__ = "task_part"

    task_id: int = Field(foreign_key="task.id", primary_key=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    status: PartStatus = Field(default=PartStatus.open, sa_type=enum_type(PartStatus))
    done_at: datetime | None = utc_field(default=None)
    done_by: str | None = Field(default=None, max_length=100)
    note: str = Field(default="")  # the co-unit's note when it marked its part done


class ProgressReport(SQLModel, table=True):
    """进展: 工作开展情况 / 存在的问题 / 下一步, or the summary of a closure request."""

    model_config = TABLE_CONFIG

    __table_args__ = (sa.Index("ix_progress_task_time", "task_id", "reported_at"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id")
    kind: ReportKind = Field(default=ReportKind.progress, sa_type=enum_type(ReportKind))
    actor: str = Field(max_length=100)
    reported_at: datetime = utc_field(default_factory=utc_now)  # when it was recorded here
    # An imported report's date as the ledger gives it (its 填报时间); None on an imported
    # report means undated (shown as 台账导入). Unused for reports made here.
    ledger_date: date | None = None
    text: str  # 工作开展情况
    issues: str = Field(default="")  # 存在的问题
    next_steps: str = Field(default="")  # 下一步 / 整改情况
    no_evidence_reason: str = Field(default="")  # 无需佐证的理由 on a closure request
    # A co-unit's report on its own part; None: the task's (the lead unit's or the office's).
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    # On a closure request asked while co-units' parts were not all done: why (the office
    # reads it at review).
    open_parts_reason: str = Field(default="", sa_column_kwargs={"server_default": ""})


class Evidence(SQLModel, table=True):
    """A 佐证材料 file: stored once by content hash under the data folder."""

    model_config = TABLE_CONFIG

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="progressreport.id", index=True)
    name: str = Field(max_length=300)
    size: int
    sha256: str = Field(max_length=64, index=True)


class Extension(SQLModel, table=True):
    """延期申请 and its decision."""

    model_config = TABLE_CONFIG

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    requested_by: str = Field(max_length=100)
    requested_at: datetime = utc_field(default_factory=utc_now)
    current_deadline: date  # the deadline when asked
    new_deadline: date
    reason: str
    status: ExtensionStatus = Field(
        default=ExtensionStatus.pending, sa_type=enum_type(ExtensionStatus)
    )
    decided_by: str | None = Field(default=None, max_length=100)
    decided_at: datetime | None = utc_field(default=None)
    decision_reason: str = Field(default="")


class HistoryEntry(SQLModel, table=True):
    """Append-only history: who changed what, when, from what to what."""

    model_config = TABLE_CONFIG

    __tablename__ = "history"
    __table_args__ = (
        sa.Index("ix_history_entity", "entity", "entity_id"),
        # 单位考核: a period's 退回 / 督办 / 销号 rows by action and time (migration 0013).
        sa.Index("ix_history_action_at", "action", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_field(default_factory=utc_now)
    actor: str = Field(max_length=100)
    # Where the change came from: cli:<os user> (whoever typed the command, whatever --as
    # claimed), web (a signed-in session), schedule (a scheduled run); "" before 0004.
    channel: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    action: str = Field(max_length=40)  # register / progress / submit / verify / return / ...
    entity: str = Field(max_length=40)  # task / problem / inspection / unit / user / extension
    entity_id: int
    task_id: int | None = Field(default=None, index=True)  # set for everything about a task
    field: str = Field(default="", max_length=60)
    old_value: str | None = None
    new_value: str | None = None
    note: str = Field(default="")  # e.g. the reason a closure was returned


class Acknowledgement(SQLModel, table=True):
    """签收: a unit newly given a task (its lead unit or a co-unit) signs that it has it.

    One row per (task, unit) while the unit is on the task (ledger.acknowledge keeps them in
    step with the lead unit and co-units); `acknowledged_at` None means 未签收."""

    model_config = TABLE_CONFIG

    __table_args__ = (sa.UniqueConstraint("task_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id")
    unit_id: int = Field(foreign_key="unit.id", index=True)
    # When the unit was given the task: the wait counts from here.
    assigned_at: datetime = utc_field()
    acknowledged_at: datetime | None = utc_field(default=None)
    acknowledged_by: str | None = Field(default=None, max_length=100)
    reminded_on: date | None = None  # the day the 签收提醒 went out (once per task and unit)
