"""Secrets in Apprise URLs, in every position, never reach the database, the data folder,
a command's output or a log record: a channel shows as its scheme and host only."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from models.db import make_engine
from tests.conftest import Cli
from tests.e2e.test_cli_check import overdue_ledger  # noqa: F401  (the fixture)
from tests.fixtures.notify import HttpReceiver, free_port, write_apprise_config

SECRETS = {
    "user": "UserSecret1",
    "password": "PassSecret2",
    "path": "PathSecret3",
    "query": "QuerySecret4",
    "header": "HeaderSecret5",
    "mail password": "MailSecret6",
    "host": "HostSecret7",  # a robot token in the host position (DingTalk)
}


def _urls(receiver: HttpReceiver) -> dict[str, list[str]]:
    closed = free_port()
    s = SECRETS
    return {
        # refused: the error path
        f"json://{s['user']}:{s['password']}@127.0.0.1:{closed}/hook/{s['path']}"
        f"?token={s['query']}&+X-Api-Key={s['header']}": ["财务处"],
        # accepted: the success path
        f"json://{s['user']}:{s['password']}@127.0.0.1:{receiver.port}/ok/{s['path']}"
        f"?+X-Api-Key={s['header']}": ["财务处"],
        f"mailto://zgb:{s['mail password']}@127.0.0.1:{closed}?from=zgb@example.cn"
        f"&to=shenji@example.cn": ["审计处"],
        f"dingtalk://{s['host']}/": ["王副县长"],
    }


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def every_log_record() -> Iterator[_Records]:
    """Apprise and rectify log at DEBUG into a handler, as Prefect's log capture would."""
    handler = _Records()
    loggers = [logging.getLogger(n) for n in ("apprise", "notifications", "")]
    levels = [lg.level for lg in loggers]
    for lg in loggers[:2]:
        lg.setLevel(logging.DEBUG)
    loggers[2].addHandler(handler)
    yield handler
    loggers[2].removeHandler(handler)
    for lg, level in zip(loggers, levels, strict=True):
        lg.setLevel(level)


def _database_text(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            return "\n".join(
                repr(row) for t in tables for row in conn.execute(sa.text(f'SELECT * FROM "{t}"'))
            )
    finally:
        engine.dispose()


def _folder_text(folder: Path) -> str:
    return "\n".join(
        p.read_bytes().decode("utf-8", errors="replace") for p in folder.rglob("*") if p.is_file()
    )


def test_secrets_in_every_position_of_a_channel_url_appear_nowhere(
    overdue_ledger: Cli,  # noqa: F811
    database_url: str,
    tmp_path: Path,
    http_receiver: HttpReceiver,
    every_log_record: _Records,
) -> None:
    cli = overdue_ledger
    config = write_apprise_config(tmp_path / "apprise.yml", _urls(http_receiver))
    cli.env["RECTIFY_APPRISE_CONFIG"] = str(config)
    outputs = []
    for args in (
        ("check", "--as-of", "2026-10-26"),
        ("check", "--as-of", "2026-10-26", "--json"),
        ("deliver",),
        ("deliver", "--json"),
        ("outbox",),
        ("outbox", "--json"),
        ("outbox", "retry"),
        ("deliver",),
        ("weekly", "--as-of", "2026-10-26"),
        ("weekly", "--as-of", "2026-10-26", "--json"),
    ):
        result = cli(*args)
        outputs.append(f"$ rectify {' '.join(args)}\n{result.out}\n{result.err}")
    assert len(http_receiver.received()) >= 1  # the accepted channel did get it
    shown = "\n".join(outputs)
    assert f"json://127.0.0.1:{http_receiver.port}" in _database_text(database_url)
    assert "dingtalk://***" in shown  # a secret host is shown by fingerprint only

    places = {
        "command output": shown,
        "database": _database_text(database_url),
        "data folder": _folder_text(tmp_path / "data"),
        "log records": "\n".join(every_log_record.lines),
    }
    found = [
        f"{position} secret in {place}"
        for place, text in places.items()
        for position, secret in SECRETS.items()
        if secret in text
    ]
    assert found == []
