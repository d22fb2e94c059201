"""The deliverer's one-statement writes on PostgreSQL (notifications.outbox_postgres)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from ledger.uow import transaction
from models.db import make_engine
from notifications.delivery import _run_connection, claim
from notifications.outbox import NoticeDraft, enqueue
from notifications.outbox_postgres import record_statement
from tests.conftest import _truncate_all

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


@pytest.fixture
def pg(postgres_database: str) -> Iterator[sa.Engine]:
    _truncate_all(postgres_database)
    engine = make_engine(postgres_database)
    yield engine
    engine.dispose()


def _notices(engine: sa.Engine, n: int) -> list[int]:
    drafts = [
        NoticeDraft(
            kind="urge",
            recipient=f"单位{i}",
            period="2026-12-01",
            task_ids=[i],
            title="催办",
            body_text="请抓紧整改",
            body_html="",
            body_md="",
        )
        for i in range(n)
    ]
    with transaction(engine) as session:
        enqueue(drafts, session=session, now=NOW)
    with engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT id FROM notice ORDER BY id")).scalars())


def test_a_notice_whose_channels_answer_in_one_group_is_settled_once(pg: sa.Engine) -> None:
    (notice_id,) = _notices(pg, 1)
    conn = _run_connection(pg)
    try:
        (claimed,) = claim(pg, now=NOW, token="t1", limit=5, lease=LEASE, conn=conn)
        assert claimed.id == notice_id
        wall = datetime.now(UTC)
        # Both channels answered while the previous commit ran: the first result left the
        # notice waiting for the second (partial), the second settled it (final).
        partial = {"b_id": notice_id, "b_token": "t1", "delivered": ["a"], "claimed_at": wall}
        final = {
            "b_id": notice_id,
            "b_token": "t1",
            "status": "sent",
            "attempts": 1,
            "delivered": ["a", "b"],
            "last_error": "",
            "next_attempt_at": NOW,
            "sent_at": NOW,
            "claim_token": None,
        }
        attempts = [
            {"notice_id": notice_id, "at": wall, "channel": c, "ok": True, "error": ""}
            for c in ("mailto://a", "json://b")
        ]
        sql, args = record_statement(
            token="t1", wall=wall, finals=[final], partials=[partial], attempts=attempts
        )
        with conn.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute(sql, args)
    finally:
        conn.close()
    with pg.connect() as c:
        row = c.execute(
            sa.text("SELECT status, attempts, delivered, claim_token FROM notice")
        ).one()
        channels = list(
            c.execute(sa.text("SELECT channel FROM noticeattempt ORDER BY id")).scalars()
        )
    assert (row.status, row.attempts, row.claim_token) == ("sent", 1, None)
    assert (json.loads(row.delivered) if isinstance(row.delivered, str) else row.delivered) == [
        "a",
        "b",
    ]
    assert channels == ["mailto://a", "json://b"]


def test_results_of_a_notice_another_run_holds_are_not_written_over_it(pg: sa.Engine) -> None:
    (notice_id,) = _notices(pg, 1)
    claim(pg, now=NOW, token="theirs", limit=5, lease=LEASE)
    final = {
        "b_id": notice_id,
        "b_token": "mine",
        "status": "sent",
        "attempts": 1,
        "delivered": ["a"],
        "last_error": "",
        "next_attempt_at": NOW,
        "sent_at": NOW,
        "claim_token": None,
    }
    sql, args = record_statement(
        token="mine", wall=datetime.now(UTC), finals=[final], partials=[], attempts=[]
    )
    with pg.begin() as c:
        c.exec_driver_sql(sql, tuple(args))
        status, token = c.execute(sa.text("SELECT status, claim_token FROM notice")).one()
    assert (status, token) == ("sending", "theirs")


def test_a_claim_takes_lapsed_claims_first_and_skips_rows_another_deliverer_holds(
    pg: sa.Engine,
) -> None:
    ids = _notices(pg, 8)
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    with pg.begin() as c:
        # Two notices of a deliverer that crashed an hour ago.
        c.execute(
            sa.text(
                "UPDATE notice SET status = 'sending', claim_token = 'crashed', claimed_at = :t"
                " WHERE id = ANY(:ids)"
            ),
            {"t": long_ago, "ids": ids[-2:]},
        )
    other = pg.connect()
    try:
        other.begin()
        other.execute(sa.text("SELECT id FROM notice WHERE id = :i FOR UPDATE"), {"i": ids[0]})
        conn = _run_connection(pg)
        try:
            first = claim(pg, now=NOW, token="t1", limit=4, lease=LEASE, conn=conn)
            assert len(first) == 4
            assert {n.id for n in first} >= set(ids[-2:])  # the lapsed ones, due longest
            assert ids[0] not in {n.id for n in first}
            rest = claim(pg, now=NOW, token="t1", limit=10, lease=LEASE, conn=conn)
            assert {n.id for n in first} | {n.id for n in rest} == set(ids[1:])
            assert claim(pg, now=NOW, token="t1", limit=10, lease=LEASE, conn=conn) == []
            other.rollback()  # the other deliverer let it go
            (last,) = claim(pg, now=NOW, token="t1", limit=10, lease=LEASE, conn=conn)
            assert last.id == ids[0]
        finally:
            conn.close()
    finally:
        other.close()


def test_a_claim_stops_at_its_size_when_lapsed_claims_alone_fill_it(pg: sa.Engine) -> None:
    ids = _notices(pg, 6)
    with pg.begin() as c:
        c.execute(
            sa.text(
                "UPDATE notice SET status = 'sending', claim_token = 'crashed', claimed_at = :t"
                " WHERE id = ANY(:ids)"
            ),
            {"t": datetime.now(UTC) - timedelta(hours=1), "ids": ids[:4]},
        )
    taken = claim(pg, now=NOW, token="t1", limit=3, lease=LEASE)
    assert len(taken) == 3 and {n.id for n in taken} <= set(ids[:4])
