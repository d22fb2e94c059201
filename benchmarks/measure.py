"""What every benchmark shares: fresh databases, medians, peak memory, the result line."""

from __future__ import annotations

import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from models.db import make_engine

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def median_seconds(fn: Callable[[], Any], runs: int = 3) -> float:
    """Median wall time of `runs` calls: these machines are noisy, so never one sample."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_mb(fn: Callable[[], Any]) -> float:
    """Peak Python heap during one call (tracemalloc; C allocations are not seen)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def result(
    scenario: str,
    db: str,
    n_tasks: int,
    median_s: float,
    floor_s: float | None,
    peak: float | None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "db": db,
        "n_tasks": n_tasks,
        "median_s": round(median_s, 4),
        "floor_s": None if floor_s is None else round(floor_s, 4),
        "ratio": round(median_s / floor_s, 2) if floor_s else None,
        "peak_mb": None if peak is None else round(peak, 1),
        **extra,
    }


@contextmanager
def fresh_database(db: str, postgres_server_url: str = DEFAULT_POSTGRES) -> Iterator[str]:
    """An empty database of the benchmark's own: a temporary SQLite file, or a PostgreSQL
    database created on the server and dropped afterwards."""
    if db == "sqlite":
        with tempfile.TemporaryDirectory(prefix="rectify-bench-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    admin = make_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    name = f"rectify_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
