"""The deliverer's writes on PostgreSQL, one round trip each.

A catch-up day claims some 400 batches and commits some 7,000 groups of results. As
separate statements inside a transaction each claim cost six round trips (the pool's ping,
BEGIN, two locked reads, the UPDATE, COMMIT) and each group commit four (BEGIN, the
results, the attempts, COMMIT): at 100,000 tasks the recorder spent most of the run waiting
on the server while the lanes waited for it. Here each is one statement run in autocommit
on a connection the run keeps, so the server commits it at the end of the statement: one
round trip, and still one transaction (a statement is atomic).

Data-modifying CTEs run exactly once and to completion whether or not the main statement
reads them (PostgreSQL manual, 7.8.4), so one statement can update the notices and insert
the attempts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

# The columns of a settled notice's row, with the types its VALUES rows are read as.
FINAL_COLUMNS = (
    ("id", "integer"),
    ("status", "text"),
    ("attempts", "integer"),
    ("delivered", "json"),
    ("last_error", "text"),
    ("next_attempt_at", "timestamptz"),
    ("sent_at", "timestamptz"),
    ("claim_token", "text"),
)
PARTIAL_COLUMNS = (("id", "integer"), ("delivered", "json"))
ATTEMPT_COLUMNS = ("notice_id", "at", "channel", "ok", "error")


def _values(columns: Sequence[tuple[str, str]], n: int) -> str:
    row = "(" + ", ".join(f"%s::{kind}" for _, kind in columns) + ")"
    return ", ".join([row] * n)


@lru_cache(maxsize=256)
def record_sql(n_final: int, n_partial: int, n_attempt: int) -> str:
    """The statement that writes one group commit: the notices whose every channel has
    answered (final), those still waiting for a channel of theirs (partial), and one
    attempt per send. Its rows are VALUES of scalar parameters (psycopg dumps scalars in
    C; arrays cost the recorder more than the server spent): one text per group shape,
    and groups hold a few results, so psycopg prepares each shape after a few runs."""
    parts: list[str] = []
    if n_final:
        names = ", ".join(name for name, _ in FINAL_COLUMNS)
        parts.append(f"f({names}) AS (VALUES {_values(FINAL_COLUMNS, n_final)})")
        parts.append(
            "settled AS (UPDATE notice AS n SET status = f.status, attempts = f.attempts,"
            " delivered = f.delivered, last_error = f.last_error,"
            " next_attempt_at = f.next_attempt_at, sent_at = f.sent_at,"
            " claim_token = f.claim_token"
            " FROM f WHERE n.id = f.id AND n.claim_token = %s)"
        )
    if n_partial:
        parts.append(f"p(id, delivered) AS (VALUES {_values(PARTIAL_COLUMNS, n_partial)})")
        parts.append(
            "progressed AS (UPDATE notice AS n SET delivered = p.delivered, claimed_at = %s"
            " FROM p WHERE n.id = p.id AND n.claim_token = %s)"
        )
    main = (
        f"INSERT INTO noticeattempt ({', '.join(ATTEMPT_COLUMNS)}) VALUES "
        + ", ".join(["(%s::integer, %s::timestamptz, %s, %s::boolean, %s)"] * n_attempt)
        if n_attempt
        else "SELECT 1"
    )
    return ("WITH " + ", ".join(parts) + " " if parts else "") + main


def record_statement(
    *,
    token: str,
    wall: datetime,
    finals: Sequence[dict[str, Any]],
    partials: Sequence[dict[str, Any]],
    attempts: Sequence[dict[str, Any]],
) -> tuple[str, list[Any]]:
    """record_sql's text and parameters for the rows the recorder writes
    (notifications.delivery.Recorder).

    A notice appears at most once among the finals and the partials together: PostgreSQL
    applies only one of two updates of the same row in one statement, so a notice settled
    in this group keeps only its final row, and of several partial rows the last."""
    settled = {row["b_id"] for row in finals}
    progressed = {row["b_id"]: row for row in partials if row["b_id"] not in settled}
    args: list[Any] = []
    for row in finals:
        args += (
            row["b_id"],
            row["status"],
            row["attempts"],
            json.dumps(row["delivered"]),
            row["last_error"],
            row["next_attempt_at"],
            row["sent_at"],
            row["claim_token"],
        )
    if finals:
        args.append(token)
    for row in progressed.values():
        args += (row["b_id"], json.dumps(row["delivered"]))
    if progressed:
        args += (wall, token)
    for row in attempts:
        args += (row[name] for name in ATTEMPT_COLUMNS)
    return record_sql(len(finals), len(progressed), len(attempts)), args


def claim_statement(
    table: sa.Table,
    *,
    lapsed: sa.ColumnElement[bool],
    due_now: sa.ColumnElement[bool],
    limit: sa.BindParameter[int],
    values: dict[str, Any],
    columns: Sequence[sa.ColumnElement[Any]],
) -> sa.Update:
    """One UPDATE that takes up to `limit` due notices: lapsed claims first (a crashed
    deliverer's notices, due longest), then pending notices in the order they became due,
    each read along the (status, next_attempt_at) index up to what is left of `limit`,
    skipping rows another deliverer is claiming.

    The locked reads are MATERIALIZED CTEs: each runs once. As `id IN (SELECT ... LIMIT n
    FOR UPDATE SKIP LOCKED)` PostgreSQL may run the subquery more than once and take more
    than n rows."""
    lapsed_ids = (
        sa.select(table.c.id)
        .where(table.c.status == "sending", lapsed)
        .order_by(table.c.claimed_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("lapsed")
        .prefix_with("MATERIALIZED")
    )
    left = limit - sa.select(sa.func.count()).select_from(lapsed_ids).scalar_subquery()
    pending_ids = (
        sa.select(table.c.id)
        .where(table.c.status == "pending", due_now)
        .order_by(table.c.next_attempt_at)
        .limit(left)
        .with_for_update(skip_locked=True)
        .cte("pending")
        .prefix_with("MATERIALIZED")
    )
    ids = sa.union_all(sa.select(lapsed_ids.c.id), sa.select(pending_ids.c.id))
    return sa.update(table).where(table.c.id.in_(ids)).values(**values).returning(*columns)
