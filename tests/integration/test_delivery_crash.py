"""Delivery that survives kill -9 and shares work between deliverers (real processes).

Against a slow loopback receiver that counts every post by recipient. The deliverers that
share the outbox are `rectify deliver` processes as an operator runs them; the ones killed
are forked from the test (the same delivery code, without 2 s of imports per start).
"""

from __future__ import annotations

import collections
import json
import multiprocessing
import multiprocessing.process
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger.uow import transaction
from models.db import make_engine
from models.outbox import Notice
from models.settings import NotifySettings, Settings
from notifications.delivery import deliver_pending
from notifications.outbox import NoticeDraft, enqueue
from tests.conftest import ROOT
from tests.fixtures.notify import HttpReceiver, at_nine, notify_settings, write_apprise_config

NOW = at_nine(date(2026, 12, 1))
LEASE_SECONDS = 1
KILLS = 10


def drafts(n: int) -> list[NoticeDraft]:
    return [
        NoticeDraft(
            kind="urge",
            recipient=f"单位{i:03d}",
            period="2026-12-01",
            task_ids=[i],
            title="【催办通知】1项整改任务已逾期未完成",
            body_text=f"单位{i:03d}:请抓紧整改",
            body_html="",
            body_md="",
        )
        for i in range(n)
    ]


def setup_outbox(
    engine: sa.Engine, tmp_path: Path, receiver: HttpReceiver, n: int, *, claim_batch: int
) -> dict[str, str]:
    """n notices, each recipient its own URL; the environment of a deliverer process."""
    config = write_apprise_config(
        tmp_path / "apprise.yml", {receiver.url(f"r{i:03d}"): [f"单位{i:03d}"] for i in range(n)}
    )
    (tmp_path / "rectify.toml").write_text(
        f"[notify]\nlease_seconds = {LEASE_SECONDS}\nclaim_batch = {claim_batch}\n",
        encoding="utf-8",
    )
    with transaction(engine) as session:
        enqueue(drafts(n), session=session, now=NOW)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECTIFY_")}
    env.update(
        RECTIFY_DATABASE_URL=engine.url.render_as_string(hide_password=False),
        RECTIFY_DATA_DIR=str(tmp_path / "data"),
        RECTIFY_APPRISE_CONFIG=str(config),
        RECTIFY_CONFIG=str(tmp_path / "rectify.toml"),
        PYTHONPATH=str(ROOT),
    )
    return env


def deliverer(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "deliver", "--json"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def forked_deliverer(settings: Settings) -> multiprocessing.process.BaseProcess:
    def run() -> None:
        engine = make_engine(settings.database_url)
        deliver_pending(engine, settings, now=datetime.now(UTC), skip_backoff=True)

    process = multiprocessing.get_context("fork").Process(target=run, daemon=True)
    process.start()
    return process


def counts(receiver: HttpReceiver) -> collections.Counter[str]:
    return collections.Counter(p.path for p in receiver.received())


def test_kill_9_at_random_points_loses_nothing_and_repeats_only_the_sends_in_flight(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    n, batch = 80, 4
    setup_outbox(engine, tmp_path, http_receiver, n, claim_batch=batch)
    http_receiver.delay = 0.1
    rng = random.Random(13)
    kills = 0
    settings = notify_settings(tmp_path, database_url, apprise_config=tmp_path / "apprise.yml")
    settings = replace(
        settings, notify=NotifySettings(lease_seconds=LEASE_SECONDS, claim_batch=batch)
    )
    engine.dispose()  # no pooled connection is shared with the forked deliverers
    for _ in range(KILLS):
        before = len(http_receiver.received())
        process = forked_deliverer(settings)
        deadline = time.monotonic() + 30
        while len(http_receiver.received()) == before and process.is_alive():
            assert time.monotonic() < deadline, "deliverer sent nothing within 30 s"
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.4))  # somewhere in the middle of a lane's work
        if process.is_alive():
            assert process.pid is not None
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        process.join()
        # Sometimes the next deliverer starts within the dead one's lease, sometimes after.
        time.sleep(rng.uniform(0, LEASE_SECONDS * 1.2))
    time.sleep(LEASE_SECONDS + 0.2)
    before = len(http_receiver.received())
    rest = forked_deliverer(settings)  # the next run, once the lease has run out
    rest.join(timeout=120)
    assert rest.exitcode == 0

    received = counts(http_receiver)
    duplicates = sum(received.values()) - len(received)
    print(
        f"\nkill -9 ×{kills}: {n} notices, {duplicates} sent again (in flight at a kill), "
        f"{sum(received.values()) - before} sent by the next run"
    )
    assert kills >= KILLS // 2
    assert sorted(received) == [f"/r{i:03d}" for i in range(n)]  # nothing lost
    # A repeat is a send in flight at a kill: at most one per lane, `batch` lanes per run.
    assert duplicates <= kills * batch
    with engine.connect() as conn:
        statuses = collections.Counter(conn.execute(sa.select(Notice.status)).scalars())
    assert statuses == {"sent": n}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("deliverers", [2, 4])
def test_several_deliverers_share_the_outbox_and_send_each_notice_once(
    engine: sa.Engine,
    database_url: str,
    tmp_path: Path,
    http_receiver: HttpReceiver,
    deliverers: int,
) -> None:
    n = 200
    env = setup_outbox(engine, tmp_path, http_receiver, n, claim_batch=5)
    http_receiver.delay = 0.05
    start = time.monotonic()
    processes = [deliverer(env, tmp_path) for _ in range(deliverers)]
    outputs = [p.communicate(timeout=120) for p in processes]
    elapsed = time.monotonic() - start

    assert [p.returncode for p in processes] == [0] * deliverers, [e for _, e in outputs]
    shares = [json.loads(out)["sent"] for out, _ in outputs]
    print(f"\n{deliverers} deliverers: shares {shares}, {elapsed:.1f} s")
    assert sum(shares) == n
    received = counts(http_receiver)
    assert sorted(received) == [f"/r{i:03d}" for i in range(n)]
    assert set(received.values()) == {1}
