"""Benchmarks of the weekly summary and of running the daily check as a Prefect flow.

    python -m benchmarks.weekly [--tasks 100000] [--units 2000] [--postgres-url URL] [--flow]

Prints one JSON line per scenario: {"scenario","db","n_tasks","median_s","floor_s","ratio","peak_mb"}.

- weekly_summary: ledger.summary.weekly_summary (every count, ranking, red list) on a
  synthetic ledger; the floor is the same aggregation (counts per round and lead unit,
  from which overall, per-round and per-unit totals follow) as ONE raw SQL statement,
  measured in the same run. Target: under 3 s at 100,000 tasks.
- weekly_plan_dry_run: the summary plus rendering and the chart (what a run does before
  writing the outbox), same floor.
- flow_overhead (--flow): the daily check run as a Prefect flow against a real local
  `prefect server` versus the same functions called directly; floor = the direct run.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from benchmarks.measure import DEFAULT_POSTGRES, fresh_database, median_seconds, peak_mb, result
from benchmarks.synthetic import generate_ledger
from ledger.summary import weekly_summary
from models.db import make_engine, upgrade_schema
from models.rules import Rules
from models.settings import Settings
from models.workdays import WorkCalendar

AS_OF = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)

FLOOR_SQL = """
SELECT t.inspection_id, u.name,
       COUNT(*),
       SUM(CASE WHEN t.status = 'closed' THEN 1 ELSE 0 END),
       SUM(CASE WHEN t.status = 'submitted' THEN 1 ELSE 0 END),
       SUM(CASE WHEN t.status = 'in_progress' THEN 1 ELSE 0 END),
       SUM(CASE WHEN t.status = 'pending' THEN 1 ELSE 0 END),
       SUM(CASE WHEN t.status <> 'closed' AND t.kind <> 'ongoing' AND t.deadline < :as_of
                THEN 1 ELSE 0 END),
       SUM(CASE WHEN t.status <> 'closed' AND t.kind = 'ongoing' THEN 1 ELSE 0 END)
FROM task t JOIN unit u ON u.id = t.lead_unit_id
GROUP BY t.inspection_id, u.name
"""


def _db_label(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def bench_weekly(
    n_tasks: int, db_url: str, *, n_units: int = 2_000, repeat: int = 5
) -> list[dict[str, Any]]:
    """The weekly summary on a synthetic ledger written into the EMPTY database at db_url."""
    url = db_url
    engine = make_engine(url)
    upgrade_schema(engine)
    try:
        generate_ledger(engine, n_tasks=n_tasks, n_units=n_units, as_of=AS_OF)
        calendar = WorkCalendar()

        def summary() -> None:
            with Session(engine) as session:
                weekly_summary(session, as_of=AS_OF, rules=Rules(), calendar=calendar, now=NOW)

        def floor() -> None:
            with engine.connect() as conn:
                conn.execute(sa.text(FLOOR_SQL), {"as_of": AS_OF}).all()

        with tempfile.TemporaryDirectory() as scratch:
            settings = Settings(
                database_url=url,
                data_dir=Path(scratch),
                rules=Rules(),
                holiday_file=None,
                apprise_config=None,
                templates_dir=None,
            )

            def plan_dry_run() -> None:
                from notifications.weekly import plan_weekly_summary

                plan_weekly_summary(engine, settings, as_of=AS_OF, now=NOW, dry_run=True)

            db = _db_label(url)
            # One warm-up call each: statement caches, the calendar table, fonts.
            for fn in (floor, summary, plan_dry_run):
                fn()
            floor_s = median_seconds(floor, repeat)
            return [
                result(
                    "weekly_summary",
                    db,
                    n_tasks,
                    median_seconds(summary, repeat),
                    floor_s,
                    peak_mb(summary),
                ),
                result(
                    "weekly_plan_dry_run",
                    db,
                    n_tasks,
                    median_seconds(plan_dry_run, repeat),
                    floor_s,
                    peak_mb(plan_dry_run),
                ),
            ]
    finally:
        engine.dispose()


def bench_flow_overhead(
    db_url: str, *, n_tasks: int = 1_000, n_units: int = 50, repeat: int = 5
) -> dict[str, Any]:
    """The daily check as a Prefect flow on a real local `prefect server` versus the same
    run called directly, on the same small ledger (local-folder channel).

    The first direct run plans and delivers every digest; the timed runs (both ways) then
    find every key taken, so they do identical database work and the difference is what
    Prefect adds (flow and task runs, state changes, the artifact, API calls).
    """
    from flows.daily_check import daily_check
    from flows.local_server import local_server, using_api
    from notifications.daily import run_daily_check

    engine = make_engine(db_url)
    upgrade_schema(engine)
    saved = {k: os.environ.get(k) for k in ("RECTIFY_DATABASE_URL", "RECTIFY_DATA_DIR")}
    try:
        generate_ledger(engine, n_tasks=n_tasks, n_units=n_units, as_of=AS_OF)
        with tempfile.TemporaryDirectory() as scratch:
            settings = Settings(
                database_url=db_url,
                data_dir=Path(scratch) / "data",
                rules=Rules(),
                holiday_file=None,
                apprise_config=None,
                templates_dir=None,
            )
            os.environ["RECTIFY_DATABASE_URL"] = db_url
            os.environ["RECTIFY_DATA_DIR"] = str(settings.data_dir)

            def direct() -> None:
                run_daily_check(engine, settings, as_of=AS_OF, now=datetime.now(UTC))

            direct()  # plans and delivers everything once
            direct_s = median_seconds(direct, repeat)
            with local_server(Path(scratch) / "prefect") as server, using_api(server.api_url):

                def as_flow() -> None:
                    daily_check(as_of=AS_OF)

                as_flow()
                flow_s = median_seconds(as_flow, repeat)
            return result(
                "daily_check_flow_overhead",
                _db_label(db_url),
                n_tasks,
                flow_s,
                direct_s,
                None,
                overhead_s=round(flow_s - direct_s, 3),
            )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description="整改周报与 Prefect 流程的基准测试")
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument(
        "--flow", action="store_true", help="also measure the Prefect flow overhead"
    )
    args = parser.parse_args()
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for db in dbs:
        with fresh_database(db, args.postgres_url) as url:
            for row in bench_weekly(args.tasks, url, n_units=args.units, repeat=args.repeat):
                print(json.dumps(row, ensure_ascii=False), flush=True)
        if args.flow:
            with fresh_database(db, args.postgres_url) as url:
                print(json.dumps(bench_flow_overhead(url), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
