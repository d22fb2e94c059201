"""Start-up of one-off commands as whole processes, against the interpreter's floor.

The floor is a process that imports SQLModel and opens the same database, which every
command needs; `rectify --help`, `rectify tasks` and `rectify task show 1` on the sample
ledger are measured the same way (median of 10 each, runs interleaved so a busy machine
slows all four alike), and each is printed with its ratio to the floor (target ≤ 1.5).

The project's modules are byte-compiled first, as an installed package's are (pip compiles a
wheel's modules; the floor's SQLModel was compiled so): a checkout run with
PYTHONDONTWRITEBYTECODE=1 would otherwise compile some 200 modules from source in every
measured process (about 0.1 s more per command on these machines) and time the compiler.

Beside the wall-clock medians each row carries the processes' CPU time (user + system, median
of the same runs) and its ratio: on a machine shared with other work the wall clock of a
0.5 s process swings by a third between runs, its CPU time much less.
"""

from __future__ import annotations

import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.measure import result

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = next(
    (
        p / "ledger-sample.xlsx"
        for p in (ROOT.parent / "shared" / "samples", ROOT / "samples")
        if (p / "ledger-sample.xlsx").exists()
    ),
    ROOT / "samples" / "ledger-sample.xlsx",
)
COMMANDS = {
    "startup_help": ["--help"],
    "startup_tasks": ["tasks"],
    "startup_task_show": ["task", "show", "1"],
}


def _cpu_of_children() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """The process's wall-clock time and CPU time (user + system)."""
    cpu_before = _cpu_of_children()
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-500:]}")
    return took, _cpu_of_children() - cpu_before


PACKAGES = ["cli", "ledger", "models", "notifications", "flows", "web", "benchmarks"]


def bench_startup(url: str, runs: int = 10) -> list[dict[str, Any]]:
    db = "postgresql" if url.startswith("postgresql") else "sqlite"
    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        env = {k: v for k, v in os.environ.items() if not k.startswith("RECTIFY_")}
        env.update(
            RECTIFY_DATABASE_URL=url,
            RECTIFY_DATA_DIR=str(cwd / "data"),
            PYTHONPATH=str(ROOT),
        )
        rectify = [sys.executable, "-m", "cli"]
        _run([*rectify, "init"], env, cwd)
        _run([*rectify, "import", str(SAMPLES)], env, cwd)
        floor = [
            sys.executable,
            "-c",
            f"import sqlmodel; sqlmodel.create_engine({url!r}).connect()",
        ]
        times: dict[str, list[tuple[float, float]]] = {"floor": [], **{n: [] for n in COMMANDS}}
        for _ in range(runs):
            times["floor"].append(_run(floor, env, cwd))
            for name, args in COMMANDS.items():
                times[name].append(_run([*rectify, *args], env, cwd))

    def median(name: str, which: int) -> float:
        return statistics.median(t[which] for t in times[name])

    floor_s, floor_cpu = median("floor", 0), median("floor", 1)
    return [
        result(
            name,
            db,
            0,
            median(name, 0),
            floor_s,
            None,
            runs=runs,
            cpu_median_s=round(median(name, 1), 4),
            cpu_floor_s=round(floor_cpu, 4),
            cpu_ratio=round(median(name, 1) / floor_cpu, 2),
        )
        for name in COMMANDS
    ]
