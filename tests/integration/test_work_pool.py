"""Scheduled runs across machines: a real Prefect server, a process work pool with two
workers, overlapping daily-check runs, one worker killed mid-delivery, and every notice
counted at the receiver. One test (about a minute): it is the only one that needs it."""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from flows.local_server import local_server, stop, using_api
from models.outbox import Notice
from tests.conftest import ROOT
from tests.fixtures.notify import HttpReceiver, TaskSpec, build_ledger, write_apprise_config

pytestmark = pytest.mark.prefect_server

AS_OF = date(2026, 12, 1)
UNITS = 24
CLAIM_BATCH = 2
POOL = "rectify-test"


def descendants(pid: int) -> list[int]:
    """Every process started under `pid` (a worker's flow-run processes run in groups of
    their own, so killing the worker's group alone would leave them running)."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children[ppid].append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_machine(process: subprocess.Popen[bytes]) -> None:
    """kill -9 of a worker and of everything it started, as if its machine went away."""
    for pid in [process.pid, *descendants(process.pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait()


def wait_for(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s"
        time.sleep(0.2)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_two_workers_of_a_pool_share_overlapping_runs_and_a_killed_one_loses_nothing(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    units = [f"单位{i:02d}" for i in range(UNITS)]
    build_ledger(
        engine,
        [TaskSpec(f"整改措施{i}", unit, date(2026, 11, 20)) for i, unit in enumerate(units)],
        registered=date(2026, 9, 1),
    )
    config = write_apprise_config(
        tmp_path / "apprise.yml", {http_receiver.url(f"u{i:02d}"): [u] for i, u in enumerate(units)}
    )
    (tmp_path / "rectify.toml").write_text(
        f"[notify]\nlease_seconds = 2\nclaim_batch = {CLAIM_BATCH}\n", encoding="utf-8"
    )
    http_receiver.delay = 0.3  # a slow receiver: delivery takes seconds, the kill lands in it
    logs = []
    with local_server(tmp_path / "prefect") as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RECTIFY_"))}
        env.update(
            server.env(),
            RECTIFY_DATABASE_URL=database_url,
            RECTIFY_DATA_DIR=str(tmp_path / "data"),
            RECTIFY_APPRISE_CONFIG=str(config),
            RECTIFY_CONFIG=str(tmp_path / "rectify.toml"),
            PYTHONPATH=str(ROOT),
            PREFECT_WORKER_QUERY_SECONDS="1",
            PREFECT_WORKER_PREFETCH_SECONDS="1",
        )

        def run(*args: str) -> str:
            done = subprocess.run(
                [sys.executable, "-m", *args],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            return done.stdout

        run("prefect", "work-pool", "create", POOL, "--type", "process")
        deployed = run("cli", "deploy", "--pool", POOL)
        assert f"daily-check/daily-check-pool-{POOL}" in deployed
        workers = []
        for name in ("worker-a", "worker-b"):
            log = (tmp_path / f"{name}.log").open("wb")
            logs.append(log)
            workers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL]
                    + ["--name", name, "--limit", "1"],
                    cwd=tmp_path,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        try:
            with using_api(server.api_url):
                from prefect.client.orchestration import get_client
                from prefect.deployments import run_deployment

                name = f"daily-check/daily-check-pool-{POOL}"
                params = {"as_of": AS_OF.isoformat()}
                # Two overlapping runs of the same day: one per worker.
                first = [run_deployment(name, parameters=params, timeout=0) for _ in range(2)]
                wait_for(lambda: len(http_receiver.received()) >= 3, 120, "first notices")
                running = [w for w in workers if descendants(w.pid)]
                assert running, "no worker is running a flow"
                killed = running[0]
                kill_machine(killed)
                survivor = next(w for w in workers if w is not killed)

                def finished(run_id: object) -> bool:
                    with get_client(sync_client=True) as client:
                        state = client.read_flow_run(run_id).state  # type: ignore[arg-type]
                    return state is not None and state.is_final()

                # The killed worker's run stays 'Running' in Prefect; the other completes.
                wait_for(lambda: any(finished(r.id) for r in first), 120, "the surviving run")
                time.sleep(2.5)  # the killed run's lease runs out
                again = run_deployment(name, parameters=params, timeout=120)
                assert again.state is not None and again.state.is_completed()
                assert survivor.poll() is None
        finally:
            for w in workers:
                stop(w)
            for log in logs:
                log.close()

    with engine.connect() as conn:
        notices = conn.execute(sa.select(Notice.recipient, Notice.status)).all()
    received = collections.Counter(p.path for p in http_receiver.received())
    expected = {f"/u{units.index(r):02d}" for r, _ in notices}
    duplicates = sum(received.values()) - len(received)
    print(
        f"\nwork pool, 2 workers, one killed mid-delivery: {len(notices)} notices,"
        f" {sum(received.values())} posts, {duplicates} sent twice (in flight at the kill)"
    )
    assert len(notices) >= UNITS and {s for _, s in notices} == {"sent"}
    assert set(received) == expected  # every notice at least once
    assert duplicates <= CLAIM_BATCH  # only what the killed deliverer had in flight
