"""A large synthetic ledger, inserted in bulk, for the benchmarks of every area.

`generate_ledger(engine, n_tasks=100_000, n_units=2_000, as_of=...)` fills an EMPTY,
migrated database with rounds, problems, units, leader users, tasks (some with co-units),
progress history and closures, so that every light and every reminder level occurs as of
`as_of`:

- dated / immediate tasks with deadlines spread from 70 days before to 70 days after
  `as_of` (提醒 at 10 and 3 working days left, 催办 on the first overdue day and every 5
  working days, 督办 past 10 working days all happen), 长期坚持 tasks without a deadline,
  some of them silent for more than 30 days;
- about 20% 已销号 (closed within the last 60 days, some this week), 5% 待销号, 45% 整改中
  with one or two progress reports, the rest 待整改.

Rows go in with executemany through SQLAlchemy Core (never the ORM per row) with explicit
ids; on PostgreSQL the id sequences are moved past them afterwards. Deterministic for a seed.

    python -m benchmarks.synthetic sqlite:///big.db 100000 2000
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from models.db import make_engine, upgrade_schema
from models.enums import ReportKind, Role, TaskKind, TaskStatus
from models.tables import Inspection, Problem, ProgressReport, Task, TaskCoUnit, Unit, User

BATCH = 5_000
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
BODIES = ["省委第八巡视组", "市委第二巡察组", "县委第三巡察组", "省审计厅", "市委督查室"]
SUBJECTS = ["脱贫攻坚", "科技工作", "乡村振兴", "选人用人", "财务管理", "意识形态", "安全生产"]
MEASURES = [
    "建立{}台账,逐项核查整改进度",
    "修订{}管理办法,堵塞制度漏洞",
    "开展{}专项检查,限期整改到位",
    "对{}问题逐一约谈,压实整改责任",
    "组织{}专题学习,建立长效机制",
]


@dataclass(frozen=True)
class SyntheticLedger:
    n_tasks: int
    n_units: int
    n_rounds: int
    n_problems: int
    n_leaders: int
    n_co_units: int
    n_reports: int
    as_of: date
    seconds: float


def _table(model: Any) -> sa.Table:
    return model.__table__  # type: ignore[no-any-return]


def _insert(conn: sa.Connection, model: Any, rows: list[dict[str, Any]]) -> None:
    table = _table(model)
    for start in range(0, len(rows), BATCH):
        conn.execute(sa.insert(table), rows[start : start + BATCH])


def _require_empty(conn: sa.Connection) -> None:
    for model in (Task, Unit, Inspection):
        if conn.execute(sa.select(sa.func.count()).select_from(_table(model))).scalar_one():
            raise RuntimeError(
                f"表 {_table(model).name} 已有数据;合成台账只能写入空的数据库(ids 从 1 开始)"
            )


def _reset_sequences(conn: sa.Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    for model in (Unit, User, Inspection, Problem, Task, ProgressReport):
        name = _table(model).name
        conn.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                f'(SELECT COALESCE(MAX(id), 1) FROM "{name}"))'
            )
        )


def _at(day: date, hour: int = 2) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def generate_ledger(
    engine: sa.Engine,
    *,
    n_tasks: int = 100_000,
    n_units: int = 2_000,
    as_of: date = date(2026, 12, 1),
    n_rounds: int = 10,
    tasks_per_problem: int = 4,
    n_leaders: int = 60,
    seed: int = 20261201,
) -> SyntheticLedger:
    """Fill an empty database; one transaction."""
    started = time.perf_counter()
    rng = random.Random(seed)
    created = _at(as_of - timedelta(days=120))
    units = [
        {"id": i, "name": f"第{i:04d}责任单位", "notify_tag": None} for i in range(1, n_units + 1)
    ]
    leaders = [
        f"{SURNAMES[i % len(SURNAMES)]}{'副' if i % 3 else ''}局长{i:02d}" for i in range(n_leaders)
    ]
    users = [
        {"id": i + 1, "name": name, "role": Role.leader, "unit_id": None, "notify_tag": None}
        for i, name in enumerate(leaders)
    ]
    rounds: list[dict[str, Any]] = []
    for i in range(1, n_rounds + 1):
        body, subject = BODIES[i % len(BODIES)], SUBJECTS[i % len(SUBJECTS)]
        rounds.append(
            {
                "id": i,
                "source_kind": "巡视" if "巡视" in body else "巡察",
                "body": body,
                "subject": subject,
                "inspected_org": "",
                "feedback_date": as_of - timedelta(days=150 - i),
                "plan_doc_no": f"整改〔2026〕{i}号",
                "title": f"{body}反馈{subject}问题整改(第{i}轮)",
                "created_at": created,
            }
        )
    n_problems = max(1, -(-n_tasks // tasks_per_problem))
    problems: list[dict[str, Any]] = []
    for i in range(1, n_problems + 1):
        round_id = (i - 1) % n_rounds + 1
        problems.append(
            {
                "id": i,
                "inspection_id": round_id,
                "seq": (i - 1) // n_rounds + 1,
                "serial": str((i - 1) // n_rounds + 1),
                "category": SUBJECTS[i % len(SUBJECTS)],
                "description": f"{SUBJECTS[i % len(SUBJECTS)]}方面存在的问题第{i}项",
                "goal": "",
            }
        )
    tasks: list[dict[str, Any]] = []
    co_units: list[dict[str, Any]] = []
    reports: list[dict[str, Any]] = []
    measure_no: dict[int, int] = {}
    for i in range(1, n_tasks + 1):
        problem = problems[(i - 1) % n_problems]
        measure_no[problem["id"]] = measure_no.get(problem["id"], 0) + 1
        roll = rng.random()
        kind = (
            TaskKind.ongoing
            if roll < 0.05
            else TaskKind.immediate
            if roll < 0.10
            else TaskKind.dated
        )
        deadline = (
            None if kind is TaskKind.ongoing else as_of + timedelta(days=rng.randint(-70, 70))
        )
        roll = rng.random()
        status = (
            TaskStatus.closed
            if roll < 0.20
            else TaskStatus.submitted
            if roll < 0.25
            else TaskStatus.in_progress
            if roll < 0.70
            else TaskStatus.pending
        )
        closed_at = (
            _at(as_of - timedelta(days=rng.randint(0, 60))) if status is TaskStatus.closed else None
        )
        lead = rng.randint(1, n_units)
        tasks.append(
            {
                "id": i,
                "inspection_id": problem["inspection_id"],
                "problem_id": problem["id"],
                "code": f"{problem['seq']}.{measure_no[problem['id']]}",
                "measure": MEASURES[i % len(MEASURES)].format(SUBJECTS[i % len(SUBJECTS)]),
                "lead_unit_id": lead,
                "leader": leaders[lead % n_leaders],
                "person": f"{SURNAMES[i % len(SURNAMES)]}某{i % 97}",
                "kind": kind,
                "deadline": deadline,
                "original_deadline": deadline,
                "status": status,
                "version": 1,
                "note": "",
                "created_at": created,
                "updated_at": closed_at or created,
                "closed_at": closed_at,
            }
        )
        if rng.random() < 0.3:
            co = rng.randint(1, n_units)
            if co != lead:
                co_units.append({"task_id": i, "unit_id": co, "position": 0})
        if status is not TaskStatus.pending:
            # 长期坚持: a third silent for more than 30 days, the rest reported recently.
            ago = (
                rng.randint(31, 90)
                if kind is TaskKind.ongoing and rng.random() < 0.33
                else rng.randint(0, 29)
            )
            for n in range(1 + (i % 2)):
                reports.append(
                    {
                        "id": len(reports) + 1,
                        "task_id": i,
                        "kind": ReportKind.progress,
                        "actor": f"{SURNAMES[i % len(SURNAMES)]}某{i % 97}",
                        "reported_at": _at(as_of - timedelta(days=ago + 7 * n)),
                        "text": "已按整改方案推进,完成阶段性工作",
                        "issues": "",
                        "next_steps": "继续推进",
                        "no_evidence_reason": "",
                    }
                )
    with engine.begin() as conn:
        _require_empty(conn)
        _insert(conn, Unit, units)
        _insert(conn, User, users)
        _insert(conn, Inspection, rounds)
        _insert(conn, Problem, problems)
        _insert(conn, Task, tasks)
        _insert(conn, TaskCoUnit, co_units)
        _insert(conn, ProgressReport, reports)
        _reset_sequences(conn)
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("ANALYZE"))
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    return SyntheticLedger(
        n_tasks=n_tasks,
        n_units=n_units,
        n_rounds=n_rounds,
        n_problems=n_problems,
        n_leaders=n_leaders,
        n_co_units=len(co_units),
        n_reports=len(reports),
        as_of=as_of,
        seconds=round(time.perf_counter() - started, 2),
    )


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "sqlite:///synthetic.db"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    u = int(sys.argv[3]) if len(sys.argv) > 3 else 2_000
    engine = make_engine(target)
    upgrade_schema(engine)
    print(generate_ledger(engine, n_tasks=n, n_units=u))
