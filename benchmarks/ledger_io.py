"""Benchmarks of the 整改台账 import and export, against the raw-database floor.

- import: a synthetic .xlsx ledger of `n_rows` measure rows (problems merged over 1-4
  measures, several units per cell, mixed deadline phrases, progress on a third) is
  imported into a new round; floor: a raw executemany INSERT of the same task rows.
- export: a round of `n_tasks` tasks (benchmarks.synthetic) is exported to .xlsx;
  floor: a raw SELECT of the same columns, fetched to the end.

Targets (issue 3): 10,000 rows import < 5 s, 100,000 tasks export < 30 s on SQLite.

    python -m benchmarks.ledger_io [import_rows] [export_tasks] [sqlite|postgresql|both]
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook

from benchmarks.measure import fresh_database, median_seconds, peak_mb, result
from ledger.actors import Actor
from ledger.exporting import export_ledger
from ledger.importing import RoundFields, import_ledger
from ledger.uow import transaction
from models.db import make_engine, upgrade_schema
from models.enums import Role
from models.rules import Rules
from models.workdays import WorkCalendar

TODAY = date(2026, 11, 2)
OFFICE = Actor(name="整改办", role=Role.office)
DEADLINES = [
    "2026年12月底",
    "2027-03-31",
    "立行立改",
    "长期坚持",
    "2027年一季度",
    "2026.12.20",
    "2027年2月28日前",
]


def write_synthetic_ledger(path: Path, n_rows: int, *, seed: int = 3) -> None:
    """An .xlsx ledger as offices keep it: title, header, problems merged over measures."""
    rnd = random.Random(seed)
    wb = Workbook()
    ws = wb.active
    ws.append(["省委第八巡视组反馈脱贫攻坚存在问题整改台账"])
    ws.append(
        [
            "序号",
            "反馈问题",
            "整改措施",
            "责任领导",
            "牵头单位",
            "配合单位",
            "责任人",
            "完成时限",
            "目前进展",
        ]
    )
    row, problem = 3, 0
    while row - 3 < n_rows:
        problem += 1
        measures = min(rnd.randint(1, 4), n_rows - (row - 3))
        for m in range(measures):
            ws.append(
                [
                    problem if m == 0 else None,
                    f"第{problem}个问题:专项资金管理不规范,部分项目拨付滞后" if m == 0 else None,
                    f"针对问题{problem}的第{m + 1}项措施:建立台账,逐项核查整改进度",
                    f"{'王李张刘陈'[problem % 5]}副局长",
                    f"第{rnd.randint(1, 60)}责任单位、第{rnd.randint(61, 80)}配合单位",
                    f"第{rnd.randint(81, 100)}配合单位" if rnd.random() < 0.3 else None,
                    "陈某",
                    rnd.choice(DEADLINES),
                    "已建立工作台账,正在逐项核查" if rnd.random() < 0.33 else None,
                ]
            )
        if measures > 1:
            for column in ("A", "B"):
                ws.merge_cells(f"{column}{row}:{column}{row + measures - 1}")
        row += measures
    wb.save(path)


def _import(engine: sa.Engine, path: Path, run: int) -> None:
    with transaction(engine) as session:
        import_ledger(
            path,
            session=session,
            actor=OFFICE,
            now=datetime.now(UTC),
            today=TODAY,
            rules=Rules(),
            calendar=WorkCalendar(),
            round_fields=RoundFields(title=f"基准导入 {run}", feedback_date=date(2026, 10, 15)),
            # Every run a round of its own, as before rounds were matched by content: the same
            # file would otherwise match the first run's round and become a no-change import.
            new_round=True,
        )


def _raw_insert_floor(engine: sa.Engine, n_rows: int) -> float:
    """The same number of task rows through one raw executemany, rolled back."""
    with engine.connect() as conn:
        inspection_id, problem_id, unit_id = conn.execute(
            sa.text("SELECT inspection_id, problem_id, lead_unit_id FROM task LIMIT 1")
        ).one()
        rows = [
            {
                "i": inspection_id,
                "p": problem_id,
                "c": f"floor.{n}",
                "m": f"针对问题的第{n}项措施:建立台账,逐项核查整改进度",
                "u": unit_id,
                "d": date(2026, 12, 31),
                "t": datetime.now(UTC),
            }
            for n in range(n_rows)
        ]
        stmt = sa.text(
            "INSERT INTO task (inspection_id, problem_id, code, measure, lead_unit_id, leader,"
            " person, kind, deadline, original_deadline, status, version, note, created_at,"
            " updated_at) VALUES (:i, :p, :c, :m, :u, '王副局长', '陈某', 'dated', :d, :d,"
            " 'pending', 1, '', :t, :t)"
        )
        start = time.perf_counter()
        conn.execute(stmt, rows)
        elapsed = time.perf_counter() - start
        conn.rollback()
    return elapsed


def bench_import(n_rows: int, db_url: str) -> dict[str, Any]:
    engine = make_engine(db_url)
    upgrade_schema(engine)
    try:
        with tempfile.TemporaryDirectory(prefix="rectify-bench-") as folder:
            path = Path(folder) / "ledger.xlsx"
            write_synthetic_ledger(path, n_rows)
            runs = iter(range(1, 100))
            median = median_seconds(lambda: _import(engine, path, next(runs)))
            floor = median_seconds(lambda: _raw_insert_floor(engine, n_rows))
            peak = peak_mb(lambda: _import(engine, path, next(runs)))
        return result(
            "ledger_import", engine.dialect.name, n_rows, median, floor, peak, target_s=5.0
        )
    finally:
        engine.dispose()


def _export(engine: sa.Engine, path: Path, inspection_id: int) -> None:
    with transaction(engine) as session:
        export_ledger(
            path,
            session=session,
            actor=OFFICE,
            today=TODAY,
            rules=Rules(),
            inspection_id=inspection_id,
        )


_FLOOR_SELECT = sa.text(
    "SELECT t.id, p.serial, p.category, p.description, p.goal, t.measure, u.name, t.leader,"
    " t.person, t.kind, t.deadline, t.status, t.note"
    " FROM task t JOIN problem p ON p.id = t.problem_id JOIN unit u ON u.id = t.lead_unit_id"
    " WHERE t.inspection_id = :i ORDER BY p.seq, t.id"
)


def _raw_select_floor(engine: sa.Engine, inspection_id: int) -> None:
    with engine.connect() as conn:
        conn.execute(_FLOOR_SELECT, {"i": inspection_id}).fetchall()


def bench_export(n_tasks: int, db_url: str) -> dict[str, Any]:
    from benchmarks.synthetic import generate_ledger

    engine = make_engine(db_url)
    upgrade_schema(engine)
    try:
        generate_ledger(
            engine, n_tasks=n_tasks, n_units=max(n_tasks // 50, 20), n_rounds=1, as_of=TODAY
        )
        with engine.connect() as conn:
            inspection_id = conn.execute(sa.text("SELECT min(id) FROM inspection")).scalar_one()
        with tempfile.TemporaryDirectory(prefix="rectify-bench-") as folder:
            path = Path(folder) / "export.xlsx"
            median = median_seconds(lambda: _export(engine, path, inspection_id))
            floor = median_seconds(lambda: _raw_select_floor(engine, inspection_id))
            peak = peak_mb(lambda: _export(engine, path, inspection_id))
            size_mb = path.stat().st_size / 2**20
        return result(
            "ledger_export",
            engine.dialect.name,
            n_tasks,
            median,
            floor,
            peak,
            target_s=30.0,
            file_mb=round(size_mb, 1),
        )
    finally:
        engine.dispose()


def main(argv: list[str]) -> None:
    import_rows = int(argv[0]) if len(argv) > 0 else 10_000
    export_tasks = int(argv[1]) if len(argv) > 1 else 100_000
    which = argv[2] if len(argv) > 2 else "sqlite"
    dbs = ["sqlite", "postgresql"] if which == "both" else [which]
    for db in dbs:
        with fresh_database(db) as url:
            print(json.dumps(bench_import(import_rows, url), ensure_ascii=False), flush=True)
        with fresh_database(db) as url:
            print(json.dumps(bench_export(export_tasks, url), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
