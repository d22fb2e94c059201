"""Run every benchmark scenario and print one JSON object per line.

    python -m benchmarks [--scale small|full] [--db sqlite|postgresql|both] [--only NAME ...]

`small` finishes in about two minutes and runs in CI so the benchmarks never rot; `full`
is the scale the targets are stated at (issue 6) and is run by hand. Each scenario gets an
empty database of its own (benchmarks.measure.fresh_database).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks.measure import DEFAULT_POSTGRES, fresh_database

SCALES: dict[str, dict[str, Any]] = {
    "small": {
        "import_rows": 1_000,
        "export_tasks": 2_000,
        "plan": [(2_000, 100)],
        "digests": 100,
        "weekly_tasks": 2_000,
        "report_tasks": 200,
        "archive": (10, 1.0),  # tasks, MB of evidence per task
        "check_day": (500, 25, 1),  # tasks, units, runs
        "flow_overhead": False,
        "web": {"n_tasks": 2_000, "n_units": 100, "load_seconds": 2.0, "connections": 5},
        "score": (2_000, 100),  # tasks, units
    },
    "full": {
        "import_rows": 10_000,
        "export_tasks": 100_000,
        "plan": [(10_000, 2_000), (100_000, 2_000)],
        "digests": 2_000,
        "weekly_tasks": 100_000,
        "report_tasks": 1_000,
        "archive": (100, 2.0),  # 200 MB of evidence
        "check_day": (100_000, 2_000, 3),
        "flow_overhead": True,
        "web": {"n_tasks": 100_000, "n_units": 2_000, "load_seconds": 30.0, "connections": 50},
        "score": (100_000, 2_000),
    },
}


def _rows(value: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    return value if isinstance(value, list) else [value]


def scenarios(scale: dict[str, Any], db: str) -> list[tuple[str, Callable[[str], Any]]]:
    """(name, run(db_url)) pairs for one database; imports stay lazy so --only is cheap."""

    def ledger_import(url: str) -> Any:
        from benchmarks.ledger_io import bench_import

        return bench_import(scale["import_rows"], url)

    def ledger_export(url: str) -> Any:
        from benchmarks.ledger_io import bench_export

        return bench_export(scale["export_tasks"], url)

    def weekly(url: str) -> Any:
        from benchmarks.weekly import bench_weekly

        return bench_weekly(scale["weekly_tasks"], url)

    def report(url: str) -> Any:
        from benchmarks.documents import bench_report_docx

        return bench_report_docx(scale["report_tasks"], url)

    found: list[tuple[str, Callable[[str], Any]]] = [
        ("import", ledger_import),
        ("export", ledger_export),
    ]
    for n_tasks, n_units in scale["plan"]:

        def plan(url: str, n_tasks: int = n_tasks, n_units: int = n_units) -> Any:
            from benchmarks.notify import bench_daily_plan

            return bench_daily_plan(n_tasks, n_units, url)

        found.append(("plan", plan))

    def archive(url: str) -> Any:
        from benchmarks.archive import bench_archive

        n_tasks, mb_per_task = scale["archive"]
        return bench_archive(n_tasks, mb_per_task, url)

    def web(url: str) -> Any:
        from benchmarks.web import bench_argon2, bench_pages

        size = scale["web"]
        rows = bench_pages(
            size["n_tasks"],
            size["n_units"],
            url,
            load_seconds=size["load_seconds"],
            connections=size["connections"],
        )
        return [*rows, bench_argon2()] if db == "sqlite" else rows

    def dashboard(url: str) -> Any:
        # 挂图作战 and 我的任务 at the web scale, rendered in-process beside their SQL floors.
        size = scale["web"]
        from benchmarks.web import bench_pages

        return bench_pages(size["n_tasks"], size["n_units"], url, load_seconds=0)

    def check_day(url: str) -> Any:
        from benchmarks.notify import bench_check_day

        n_tasks, n_units, runs = scale["check_day"]
        return bench_check_day(n_tasks, n_units, url, repeat=runs)

    def deliverers(url: str) -> Any:
        from benchmarks.notify import bench_deliverers

        return bench_deliverers(url)

    def startup(url: str) -> Any:
        from benchmarks.startup import bench_startup

        return bench_startup(url)

    def score(url: str) -> Any:
        from benchmarks.score import bench_score

        n_tasks, n_units = scale["score"]
        return bench_score(n_tasks, n_units, url)

    found += [
        ("score", score),
        ("weekly", weekly),
        ("report", report),
        ("archive", archive),
        ("web", web),
        ("dashboard", dashboard),
        ("check", check_day),
        ("startup", startup),
    ]
    if db == "postgresql":  # SKIP LOCKED claims: deliverers on several machines
        found.append(("deliverers", deliverers))
    if scale["flow_overhead"] and db == "sqlite":

        def flow(url: str) -> Any:
            from benchmarks.weekly import bench_flow_overhead

            return bench_flow_overhead(url)

        found.append(("flow", flow))
    return found


def delivery_scenarios(scale: dict[str, Any]) -> list[tuple[str, Callable[[], Any]]]:
    """Delivery goes to loopback receivers; its outbox lives in a SQLite file of its own."""

    def deliver(target: str) -> Callable[[], Any]:
        def run() -> Any:
            from benchmarks.notify import bench_delivery

            return bench_delivery(scale["digests"], target)

        return run

    return [("delivery", deliver("http")), ("delivery", deliver("smtp"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument(
        "--only",
        nargs="*",
        help="run only these scenarios"
        " (import, export, plan, delivery, weekly, report, archive, check, flow, web, dashboard,"
        " startup, deliverers, score)",
    )
    args = parser.parse_args(argv)
    logging.getLogger("models.workdays").setLevel(
        logging.ERROR
    )  # the 2027 fallback note, once per scenario
    scale = SCALES[args.scale]
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    wanted = set(args.only or [])
    started = time.perf_counter()
    for db in dbs:
        for name, run in scenarios(scale, db):
            if wanted and name not in wanted:
                continue
            with fresh_database(db, args.postgres_url) as url:
                for row in _rows(run(url)):
                    print(json.dumps(row, ensure_ascii=False), flush=True)
    for name, run_delivery in delivery_scenarios(scale):
        if wanted and name not in wanted:
            continue
        for row in _rows(run_delivery()):
            print(json.dumps(row, ensure_ascii=False), flush=True)
    print(f"benchmarks: scale {args.scale}, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
