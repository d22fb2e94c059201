"""Secrets in Apprise URLs never reach Prefect's own database: the flows' runs, their
parameters and results, their artifacts and their logs, with Apprise and rectify logging
at DEBUG into Prefect's API log handler (as PREFECT_LOGGING_EXTRA_LOGGERS would send them)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from models.settings import Settings
from tests.e2e.test_secrets_masked import SECRETS
from tests.fixtures.notify import HttpReceiver, free_port, write_apprise_config
from tests.fixtures.weekly import AS_OF, WeeklyLedger
from tests.integration.test_flows import flow_env  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _urls(receiver: HttpReceiver) -> dict[str, list[str]]:
    """The weekly ledger's recipients, reached through URLs with secrets in every position."""
    closed = free_port()
    s = SECRETS
    return {
        f"json://{s['user']}:{s['password']}@127.0.0.1:{closed}/hook/{s['path']}"
        f"?token={s['query']}&+X-Api-Key={s['header']}": ["局办公室"],
        f"json://{s['user']}:{s['password']}@127.0.0.1:{receiver.port}/ok/{s['path']}"
        f"?+X-Api-Key={s['header']}": ["局办公室", "office"],
        f"mailto://zgb:{s['mail password']}@127.0.0.1:{closed}?from=zgb@example.cn"
        f"&to=ld@example.cn": ["李局长"],
        f"dingtalk://{s['host']}/": ["王副局长"],
    }


@pytest.fixture
def api_logs_at_debug() -> Iterator[None]:
    """Apprise's and rectify's records at DEBUG go to Prefect's API log handler."""
    from prefect.logging.handlers import APILogHandler

    handler = APILogHandler()
    handler.setLevel(logging.DEBUG)
    loggers = [logging.getLogger(n) for n in ("apprise", "notifications", "flows", "ledger")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.addHandler(handler)
    yield
    for lg, level in zip(loggers, levels, strict=True):
        lg.removeHandler(handler)
        lg.setLevel(level)


def _prefect_database_text() -> str:
    from prefect.logging.handlers import APILogHandler
    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL

    APILogHandler().flush()  # the logs are sent in batches
    url = str(PREFECT_SERVER_DATABASE_CONNECTION_URL.value())
    path = url.split(":///", 1)[1]
    assert Path(path).is_file(), url
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(repr(row) for t in tables for row in conn.execute(f'SELECT * FROM "{t}"'))


def test_secrets_of_channel_urls_never_reach_prefects_database(
    engine: sa.Engine,
    weekly_ledger: WeeklyLedger,
    weekly_settings: Callable[..., Settings],
    http_receiver: HttpReceiver,
    flow_env: Callable[[Settings], None],  # noqa: F811
    api_logs_at_debug: None,
    tmp_path: Path,
) -> None:
    from flows.daily_check import daily_check
    from flows.weekly_summary import weekly_summary

    config = write_apprise_config(tmp_path / "apprise.yml", _urls(http_receiver))
    flow_env(replace(weekly_settings(None), apprise_config=config))

    checked = daily_check(as_of=AS_OF)
    summed = weekly_summary(as_of=AS_OF)

    # The refused channels took the error path, the accepted one the success path.
    assert checked["delivery"]["retrying"] >= 1 and summed["delivery"]["sent"] >= 1
    assert {p.path.split("/")[1] for p in http_receiver.received()} == {"ok"}
    text = _prefect_database_text()
    assert "daily-check" in text and "weekly-summary" in text  # the runs are in there
    assert "通知发送失败" in text  # rectify's own warnings reached Prefect's log table
    found = [position for position, secret in SECRETS.items() if secret in text]
    assert found == []
