"""A database held by another writer is busy, not a conflict: a clear message after the
configured wait, and nothing saved (both backends, a real held write transaction)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger import lifecycle
from ledger.errors import BusyError
from ledger.uow import transaction
from models.db import make_engine
from tests.builders import NOW, OFFICE, build_sample_round
from tests.conftest import Cli

BUSY = "数据库正忙,请稍后重试(另一项操作正在写入,本次操作未保存)"


@contextmanager
def held_write(database_url: str, task_id: int) -> Iterator[None]:
    """Another writer in the middle of a transaction on the task (and, on SQLite, the file)."""
    other = make_engine(database_url)
    with other.connect() as conn:
        if database_url.startswith("sqlite"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")
        conn.execute(sa.text("UPDATE task SET person = person WHERE id = :id"), {"id": task_id})
        try:
            yield
        finally:
            conn.exec_driver_sql("ROLLBACK")
    other.dispose()


def _reports(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM progressreport")).scalar_one())


def test_a_held_write_makes_a_report_wait_the_busy_time_and_say_busy_not_conflict(
    database_url: str, engine: sa.Engine, tmp_path: Path
) -> None:
    task_id = build_sample_round(engine).task_ids[0]
    impatient = make_engine(database_url, busy_seconds=0.5)
    before = _reports(engine)
    with held_write(database_url, task_id):
        start = time.monotonic()
        with pytest.raises(BusyError) as err, transaction(impatient) as s:
            lifecycle.report_progress(
                task_id,
                text="已建立台账",
                session=s,
                actor=OFFICE,
                now=NOW,
                evidence_store=tmp_path,
            )
        waited = time.monotonic() - start
    impatient.dispose()
    assert err.value.message == BUSY
    assert 0.4 < waited < 5
    assert _reports(engine) == before


def test_the_command_line_says_busy_after_the_configured_wait(
    cli: Cli, database_url: str, engine: sa.Engine
) -> None:
    task_id = build_sample_round(engine).task_ids[0]
    (cli.cwd / "rectify.toml").write_text(
        "[limits]\ndatabase_busy_seconds = 0.5\n", encoding="utf-8"
    )
    before = _reports(engine)
    with held_write(database_url, task_id):
        start = time.monotonic()
        result = cli("progress", str(task_id), "--text", "已建立台账")
        waited = time.monotonic() - start
    assert result.code == 1
    assert result.err == f"错误:{BUSY}\n"
    assert waited < 5
    assert _reports(engine) == before
    assert cli("progress", str(task_id), "--text", "已建立台账").code == 0
    assert _reports(engine) == before + 1
