"""How long the 整改情况报告 of a large round takes to render to Word (target: 1,000 tasks < 5 s).

    python -m benchmarks.documents [--tasks 1000] [--postgres-url postgresql://postgres@127.0.0.1/test]

Prints one JSON line per database: the median of the whole use case (read the round,
compose, render the .docx, write it), the floor (the raw SELECT of the same rows, measured
in the same run), their ratio, and the peak Python memory of one run.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ledger.actors import Actor
from ledger.documents.render import render_docx
from ledger.documents.report_data import rectification_report
from ledger.uow import transaction
from models.db import make_engine, upgrade_schema
from models.enums import ReportKind, Role, TaskKind, TaskStatus
from models.rules import Rules
from models.tables import Inspection, Problem, ProgressReport, Task, TaskCoUnit, Unit

OFFICE = Actor(name="整改办", role=Role.office)

AS_OF = date(2026, 12, 28)
TASKS_PER_PROBLEM = 4
RUNS = 5


def build_round(engine: sa.Engine, n_tasks: int) -> int:
    """A synthetic round: 4 measures a problem, 2 reports a measure, a mix of statuses."""
    now = datetime(2026, 11, 2, 2, tzinfo=UTC)
    with transaction(engine) as session:
        tag = uuid.uuid4().hex[:6]
        units = [Unit(name=f"单位{tag}-{i}") for i in range(30)]
        session.add_all(units)
        inspection = Inspection(
            source_kind="巡视",
            body="省委第八巡视组",
            subject="基准测试",
            feedback_date=date(2026, 10, 15),
            plan_doc_no="测发〔2026〕1号",
            title="省委第八巡视组反馈基准测试问题整改",
        )
        session.add(inspection)
        session.flush()
        assert inspection.id is not None
        n_problems = -(-n_tasks // TASKS_PER_PROBLEM)
        problems = [
            Problem(
                inspection_id=inspection.id,
                seq=i + 1,
                serial=str(i + 1),
                description=f"第{i + 1}个反馈问题:制度执行不严格,监督检查不到位",
            )
            for i in range(n_problems)
        ]
        session.add_all(problems)
        session.flush()
        tasks = []
        for i in range(n_tasks):
            problem = problems[i // TASKS_PER_PROBLEM]
            kind = TaskKind.ongoing if i % 10 == 9 else TaskKind.dated
            status = [TaskStatus.closed, TaskStatus.in_progress, TaskStatus.submitted][i % 3]
            deadline = None if kind is TaskKind.ongoing else AS_OF + timedelta(days=i % 90 - 30)
            tasks.append(
                Task(
                    inspection_id=inspection.id,
                    problem_id=problem.id,  # type: ignore[arg-type]
                    code=f"{problem.seq}.{i % TASKS_PER_PROBLEM + 1}",
                    measure=f"第{i + 1}项整改措施:建立健全制度,开展专项检查,逐项整改到位",
                    lead_unit_id=units[i % 30].id,  # type: ignore[arg-type]
                    leader="王副局长",
                    person="陈某",
                    kind=kind,
                    deadline=deadline,
                    original_deadline=deadline,
                    status=status,
                    closed_at=now + timedelta(days=20) if status is TaskStatus.closed else None,
                    created_at=now,
                    updated_at=now,
                )
            )
        session.add_all(tasks)
        session.flush()
        for i, task in enumerate(tasks):
            assert task.id is not None
            session.add(TaskCoUnit(task_id=task.id, unit_id=units[(i + 7) % 30].id, position=0))  # type: ignore[arg-type]
            session.add_all(
                ProgressReport(
                    task_id=task.id,
                    kind=ReportKind.progress,
                    actor="基准",
                    reported_at=now + timedelta(days=d),
                    text="已召开专题会议研究部署,制定工作方案,完成阶段性任务",
                    issues="个别环节推进较慢" if d == 10 else "",
                    next_steps="按计划推进,月底前完成",
                )
                for d in (3, 10)
            )
        return inspection.id


def _floor(engine: sa.Engine, inspection_id: int) -> None:
    """The raw rows the report reads: tasks with units and problems, and their reports."""
    with engine.connect() as conn:
        conn.execute(
            sa.text(
                "SELECT t.id, t.code, t.measure, t.kind, t.status, t.deadline, t.closed_at,"
                " u.name, p.description FROM task t JOIN unit u ON u.id = t.lead_unit_id"
                " JOIN problem p ON p.id = t.problem_id WHERE t.inspection_id = :i"
            ),
            {"i": inspection_id},
        ).all()
        conn.execute(
            sa.text(
                "SELECT r.task_id, r.kind, r.reported_at, r.text, r.issues, r.next_steps"
                " FROM progressreport r JOIN task t ON t.id = r.task_id"
                " WHERE t.inspection_id = :i ORDER BY r.task_id, r.reported_at"
            ),
            {"i": inspection_id},
        ).all()


def _report(engine: sa.Engine, inspection_id: int, out: Path) -> None:
    with transaction(engine) as session:
        data = rectification_report(
            session, inspection_id, actor=OFFICE, as_of=AS_OF, rules=Rules()
        )
    render_docx(data, out)


def _median(fn: Any, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_report_docx(n_tasks: int, db_url: str) -> dict[str, Any]:
    engine = make_engine(db_url)
    upgrade_schema(engine)
    try:
        inspection_id = build_round(engine, n_tasks)
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "report.docx"
            _report(engine, inspection_id, out)  # warm-up: imports, template parsing, caches
            median = _median(lambda: _report(engine, inspection_id, out), RUNS)
            floor = _median(lambda: _floor(engine, inspection_id), RUNS)
            tracemalloc.start()
            _report(engine, inspection_id, out)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    finally:
        engine.dispose()
    return {
        "scenario": "report_docx",
        "db": engine.dialect.name,
        "n_tasks": n_tasks,
        "median_s": round(median, 4),
        "floor_s": round(floor, 4),
        "ratio": round(median / floor, 1) if floor else None,
        # tracemalloc sees Python objects only; lxml's C memory shows in the process peak RSS.
        "peak_mb": round(peak / 2**20, 1),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _postgres_database(server_url: str) -> tuple[str, sa.Engine, str]:
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"rectify_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return admin.url.set(database=name).render_as_string(hide_password=False), admin, name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--postgres-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(json.dumps(bench_report_docx(args.tasks, f"sqlite:///{folder}/bench.db")))
    if args.postgres_url:
        url, admin, name = _postgres_database(args.postgres_url)
        try:
            print(json.dumps(bench_report_docx(args.tasks, url)))
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
