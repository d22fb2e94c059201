"""单位考核's ranking on a synthetic ledger, beside the raw SQL aggregation of the same facts.

    python -m benchmarks --only score [--scale full] [--db both]

The ledger is benchmarks.synthetic's, plus history the ranking reads: a status change on
every 7th task in the period (整改中 after 待整改), a 退回 on every 50th, a 督办 on every
100th; every other round reports 每周一, so its open tasks owe a report each week. Rows, one JSON line each:

- score_ranking: the office board's ranking of the period (every unit ranked from SQL
  aggregates, the first ten itemised), computed; the floor is the same facts (per lead unit:
  tasks, overdue tasks past the period's start, 退回 / 督办 rows of the period, 长期坚持
  reports) as raw SQL aggregations, measured in the same run.
- score_ranking_kept: the same ranking read back from score_cache (the ledger unchanged),
  as the office's home page reads it between two changes; same floor.
- score_board_full: the /scores page's board, every unit itemised; same floor.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from benchmarks.measure import median_seconds, result
from benchmarks.synthetic import generate_ledger
from ledger import scoring as L
from models.db import make_engine, upgrade_schema
from models.rules import Rules
from models.scoring import ScoringRules, parse_period
from models.tables import UTCDateTime
from models.workdays import WorkCalendar

AS_OF = date(2026, 12, 10)
PERIOD = "2026-12"
CHANGED = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)

FLOOR_TASKS = """
SELECT t.lead_unit_id, count(*),
       sum(CASE WHEN t.kind <> 'ongoing' AND t.deadline < :last
                 AND t.status IN ('pending', 'in_progress') THEN 1 ELSE 0 END)
FROM task t WHERE t.withdrawn_at IS NULL GROUP BY t.lead_unit_id
"""
FLOOR_HISTORY = """
SELECT t.lead_unit_id, h.action, count(*)
FROM history h JOIN task t ON t.id = h.task_id
WHERE h.action IN ('return', 'supervise', 'verify') AND h.at >= :since
GROUP BY t.lead_unit_id, h.action
"""
FLOOR_REPORTS = """
SELECT r.task_id, max(r.reported_at) FROM progressreport r JOIN task t ON t.id = r.task_id
WHERE t.deadline IS NULL GROUP BY r.task_id
"""


def _db_label(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def _history(engine: sa.Engine) -> None:
    """The period's status changes, 退回 and 督办 rows, written set-based."""
    rows = [
        ("status", "progress", "待整改", "整改中", 7),
        ("status", "return", "待销号", "整改中", 50),
        ("", "supervise", None, "督办通知单", 100),
    ]
    with engine.begin() as conn:
        for fld, action, old, new, every in rows:
            conn.execute(
                sa.text(
                    "INSERT INTO history (at, actor, channel, action, entity, entity_id,"
                    " task_id, field, old_value, new_value, note)"
                    " SELECT :at, '基准', 'schedule', :action, 'task', t.id, t.id, :field,"
                    " :old, :new, '' FROM task t WHERE t.id % :every = 0"
                ).bindparams(sa.bindparam("at", type_=UTCDateTime())),
                {
                    "at": CHANGED,
                    "action": action,
                    "field": fld,
                    "old": old,
                    "new": new,
                    "every": every,
                },
            )
        # Every other round reports 每周一 (报送周期): its tasks owe a report a week.
        conn.execute(sa.text("UPDATE inspection SET report_cadence = 'weekly:1' WHERE id % 2 = 0"))
        if engine.dialect.name == "sqlite":
            conn.execute(sa.text("ANALYZE"))
        else:
            conn.exec_driver_sql("ANALYZE")


def bench_score(
    n_tasks: int, n_units: int, db_url: str, *, repeat: int = 3
) -> list[dict[str, Any]]:
    engine = make_engine(db_url)
    upgrade_schema(engine)
    db = _db_label(db_url)
    try:
        generate_ledger(engine, n_tasks=n_tasks, n_units=n_units, as_of=AS_OF)
        _history(engine)
        period = parse_period(PERIOD)
        calendar = WorkCalendar()
        kw: dict[str, Any] = {
            "today": AS_OF,
            "scoring": ScoringRules(),
            "rules": Rules(),
            "calendar": calendar,
        }

        def ranking() -> None:
            with Session(engine) as s:
                s.execute(sa.text("DELETE FROM score_cache"))
                s.commit()
                L.compute_board(s, period, detail=10, **kw)

        def kept() -> None:
            with Session(engine) as s:
                L.compute_board(s, period, detail=10, **kw)

        def full() -> None:
            with Session(engine) as s:
                L.compute_board(s, period, **kw)

        last = min(period.end, AS_OF)
        since = datetime.combine(period.start, datetime.min.time(), L.TZ)

        def floor() -> None:
            with engine.connect() as conn:
                conn.execute(sa.text(FLOOR_TASKS), {"last": last}).all()
                conn.execute(
                    sa.text(FLOOR_HISTORY).bindparams(sa.bindparam("since", type_=UTCDateTime())),
                    {"since": since},
                ).all()
                conn.execute(sa.text(FLOOR_REPORTS)).all()

        with Session(engine) as s:  # both the same: the aggregates are the items' sums
            a = L.compute_board(s, period, detail=10, **kw)
            b = L.compute_board(s, period, **kw)
        assert [(u.unit, u.score) for u in a.units] == [(u.unit, u.score) for u in b.units]
        floor_s = median_seconds(floor, repeat)
        extra = {"n_units": n_units, "period": PERIOD, "as_of": AS_OF.isoformat()}
        kept()
        return [
            result(
                "score_ranking",
                db,
                n_tasks,
                median_seconds(ranking, repeat),
                floor_s,
                None,
                **extra,
            ),
            result(
                "score_ranking_kept",
                db,
                n_tasks,
                median_seconds(kept, repeat),
                floor_s,
                None,
                **extra,
            ),
            result(
                "score_board_full",
                db,
                n_tasks,
                median_seconds(full, repeat),
                floor_s,
                None,
                **extra,
            ),
        ]
    finally:
        engine.dispose()
