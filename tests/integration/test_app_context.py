"""The shared context any front end opens: one engine for the process, the clock read once
per use case, the actor resolved inside the transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger.actors import LOCAL_OPERATOR
from ledger.context import TZ, AppContext
from ledger.errors import SchemaError
from models.db import make_engine
from models.enums import Role
from models.rules import Rules
from models.settings import Settings


def _settings(url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=url,
        data_dir=tmp_path / "data",
        rules=Rules(),
        holiday_file=None,
        apprise_config=None,
        templates_dir=None,
    )


def test_a_request_reads_the_clock_once_and_shares_the_process_engine(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    ticks = count()
    start = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)

    def clock() -> datetime:
        return start + timedelta(minutes=next(ticks))

    request = AppContext(_settings(database_url, tmp_path), engine=engine, clock=clock)
    assert request.now == request.now == datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
    assert request.today.isoformat() == "2026-12-01"
    assert request.engine is engine
    with request.use_case(None) as (session, actor):
        assert session.execute(sa.text("select 1")).scalar_one() == 1
    assert (actor.name, actor.role) == (LOCAL_OPERATOR, Role.office)
    following = AppContext(request.settings, engine=engine, clock=clock)
    assert following.now > request.now


def test_a_database_never_initialised_is_refused_naming_the_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    ctx = AppContext(_settings(url, tmp_path), engine=make_engine(url))
    with pytest.raises(SchemaError) as refused, ctx.use_case(None):
        pass
    assert refused.value.field == "schema" and "初始化" in refused.value.message
    ctx.engine.dispose()
