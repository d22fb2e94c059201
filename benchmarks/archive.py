"""How long the 整改档案 of a round with a lot of evidence takes, and how much memory it needs.

    python -m benchmarks.archive [--tasks 100] [--mb-per-task 2]

The round is benchmarks.documents' synthetic one with a closure request per measure carrying
two evidence files (half .jpg, stored as they are; half .pdf, deflated), random bytes so
nothing compresses away. Prints the median of the whole use case (read the round, render
every 销号审批表, the ledger, the report and the 目录, stream everything into the zip,
rename it), the floor (copying the same evidence bytes into one plain file, measured in
the same run), their ratio, and the peak memory of one build: Python objects (tracemalloc)
and the growth of the process' peak RSS during that build.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from benchmarks.documents import AS_OF, build_round
from ledger.actors import Actor
from ledger.archive import build_archive
from ledger.evidence import blob_path
from ledger.uow import transaction
from models.db import make_engine, upgrade_schema
from models.enums import ReportKind, Role
from models.rules import Rules
from models.tables import Evidence, ProgressReport, Task

OFFICE = Actor(name="整改办", role=Role.office)
RUNS = 3
CHUNK = 1 << 20


def _write_blob(store: Path, size: int, seed: int) -> tuple[str, int]:
    """Random content written in 1 MB chunks (so the set-up itself stays small in memory)."""
    tmp = store / f".incoming-{seed}"
    store.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tmp.open("wb") as fh:
        left = size
        while left:
            chunk = os.urandom(min(CHUNK, left))
            digest.update(chunk)
            fh.write(chunk)
            left -= len(chunk)
    sha = digest.hexdigest()
    target = blob_path(store, sha)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, target)
    return sha, size


def add_evidence(engine: sa.Engine, inspection_id: int, store: Path, bytes_per_task: int) -> int:
    """A closure request with two files on every measure; returns the evidence bytes."""
    now = datetime(2026, 12, 1, 2, tzinfo=UTC)
    total = 0
    with transaction(engine) as session:
        task_ids = list(session.exec(select(Task.id).where(Task.inspection_id == inspection_id)))
        for i, task_id in enumerate(task_ids):
            assert task_id is not None
            report = ProgressReport(
                task_id=task_id,
                kind=ReportKind.closure,
                actor="基准",
                reported_at=now + timedelta(minutes=i),
                text="整改完成,申请销号",
            )
            session.add(report)
            session.flush()
            assert report.id is not None
            for j, suffix in enumerate((".jpg", ".pdf")):
                sha, size = _write_blob(store, bytes_per_task // 2, i * 2 + j)
                session.add(
                    Evidence(
                        report_id=report.id, name=f"佐证材料{j + 1}{suffix}", size=size, sha256=sha
                    )
                )
                total += size
    return total


def _build(engine: sa.Engine, inspection_id: int, store: Path, out: Path) -> None:
    with transaction(engine) as session:
        build_archive(
            inspection_id,
            out,
            session=session,
            actor=OFFICE,
            as_of=AS_OF,
            rules=Rules(),
            evidence_store=store,
        )


def _floor(engine: sa.Engine, inspection_id: int, store: Path, out: Path) -> None:
    """The least any archive must do: read every evidence byte once and write it once."""
    with transaction(engine) as session:
        shas = list(
            session.exec(
                select(Evidence.sha256)
                .join(ProgressReport, col(ProgressReport.id) == Evidence.report_id)
                .join(Task, col(Task.id) == ProgressReport.task_id)
                .where(Task.inspection_id == inspection_id)
            )
        )
    with out.open("wb") as dst:
        for sha in shas:
            with blob_path(store, sha).open("rb") as src:
                shutil.copyfileobj(src, dst, CHUNK)


def _median(fn: Any, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_archive(n_tasks: int, mb_per_task: float, db_url: str) -> dict[str, Any]:
    engine = make_engine(db_url)
    upgrade_schema(engine)
    try:
        with tempfile.TemporaryDirectory(prefix="rectify-bench-archive-") as folder:
            store = Path(folder) / "evidence"
            inspection_id = build_round(engine, n_tasks)
            evidence_bytes = add_evidence(engine, inspection_id, store, int(mb_per_task * 2**20))
            out = Path(folder) / "整改档案.zip"
            raw = Path(folder) / "floor.bin"
            _build(engine, inspection_id, store, out)  # warm-up: imports, templates, page cache
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            tracemalloc.start()
            _build(engine, inspection_id, store, out)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
            median = _median(lambda: _build(engine, inspection_id, store, out), RUNS)
            floor = _median(lambda: _floor(engine, inspection_id, store, raw), RUNS)
            zip_mb = out.stat().st_size / 2**20
    finally:
        engine.dispose()
    return {
        "scenario": "archive_zip",
        "db": engine.dialect.name,
        "n_tasks": n_tasks,
        "evidence_mb": round(evidence_bytes / 2**20, 1),
        "zip_mb": round(zip_mb, 1),
        "median_s": round(median, 3),
        "floor_s": round(floor, 3),
        "ratio": round(median / floor, 1) if floor else None,
        "peak_python_mb": round(peak / 2**20, 1),
        "peak_rss_growth_mb": round(rss_growth / 1024, 1),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--mb-per-task", type=float, default=2.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(json.dumps(bench_archive(args.tasks, args.mb_per_task, f"sqlite:///{folder}/b.db")))


if __name__ == "__main__":
    main()
