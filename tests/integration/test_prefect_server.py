"""A real `prefect server` on loopback, `rectify serve` against it, a triggered daily check
whose notice arrives at a real HTTP receiver. One test: it costs about 30-60 s."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from flows.local_server import local_server, run_and_wait, stop, using_api, wait_for_deployment
from models.settings import Settings
from tests.conftest import ROOT
from tests.fixtures.notify import HttpReceiver
from tests.fixtures.weekly import AS_OF, WeeklyLedger

pytestmark = pytest.mark.prefect_server


# One real server run covers the scheduling path; both database backends are covered by
# the other tests, so this one runs on SQLite only.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_served_daily_check_runs_on_demand_and_the_notice_arrives(
    engine: sa.Engine,
    weekly_ledger: WeeklyLedger,
    weekly_settings: Callable[..., Settings],
    http_receiver: HttpReceiver,
    tmp_path: Path,
) -> None:
    tags = [
        "office",
        "局办公室",
        "县科技局",
        "县委组织部",
        "财务股",
        "李局长",
        "王副局长",
        "陈某",
        "赵某",
        "刘某",
    ]
    settings = weekly_settings({tag: http_receiver.url(f"to/{i}") for i, tag in enumerate(tags)})
    with local_server(tmp_path / "prefect") as server:
        env = server.env()
        env.update(
            {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RECTIFY_"))},
        )
        env.update(
            PREFECT_HOME=str(server.home),
            PREFECT_API_URL=server.api_url,
            RECTIFY_DATABASE_URL=settings.database_url,
            RECTIFY_DATA_DIR=str(settings.data_dir),
            RECTIFY_APPRISE_CONFIG=str(settings.apprise_config),
            PYTHONPATH=str(ROOT),
            PREFECT_RUNNER_POLL_FREQUENCY="2",  # pick the triggered run up quickly
        )
        log = (tmp_path / "serve.log").open("wb")
        serving = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--api-url", server.api_url],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            with using_api(server.api_url):
                wait_for_deployment("daily-check/daily-check", timeout=90)
                wait_for_deployment("weekly-summary/weekly-summary", timeout=30)
                state = run_and_wait(
                    "daily-check/daily-check", {"as_of": AS_OF.isoformat()}, timeout=120
                )
            assert state == "Completed", (tmp_path / "serve.log").read_text(errors="replace")[
                -3000:
            ]
            deadline = time.monotonic() + 10
            while not http_receiver.received() and time.monotonic() < deadline:
                time.sleep(0.2)
            posts = http_receiver.received()
            overdue = [p for p in posts if "对2024年以来干部选拔任用情况开展自查" in p.body]
            assert overdue, [p.title for p in posts]
            assert any("催办" in p.title for p in overdue)
        finally:
            stop(serving)
            log.close()
    assert serving.returncode is not None
