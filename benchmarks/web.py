"""The web workspace on a synthetic ledger: pages rendered in-process, argon2, a loopback load run.

- 我的任务 of the unit with the most tasks, and the office's home page (`/`), rendered
  server-side through the whole app (routing, session check, service, template) with
  Starlette's in-process client; the floor is the same selection (or aggregation) as one
  raw SQL statement.
- The sign-in's argon2id hash and verification (pwdlib defaults), medians.
- A bounded load run: `rectify web` in a process of its own on loopback, N connections
  asking for 我的任务 for S seconds; requests per second, p50/p95/p99, errors.

    python -m benchmarks --only web [--scale full]
    python -m benchmarks --only dashboard [--scale full]   # the two pages only, no load run
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from benchmarks.measure import median_seconds, result
from benchmarks.synthetic import generate_ledger
from ledger import accounts
from ledger.actors import Actor
from ledger.uow import transaction
from models.db import make_engine, upgrade_schema
from models.enums import Role
from models.rules import Rules
from models.settings import Settings
from models.tables import User

AS_OF = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
PASSWORD = "Bench-pass-2026"
OFFICE = Actor(name="基准整改办", role=Role.office)

# The unit's tasks (lead or co-unit) with what 我的任务 shows: one statement.
MY_TASKS_FLOOR = """
SELECT t.id, t.code, t.measure, t.deadline, t.status, i.title, p.description, u.name
FROM task t JOIN inspection i ON i.id = t.inspection_id JOIN problem p ON p.id = t.problem_id
JOIN unit u ON u.id = t.lead_unit_id
WHERE t.lead_unit_id = :unit OR t.id IN (SELECT task_id FROM taskcounit WHERE unit_id = :unit)
ORDER BY t.inspection_id, p.seq, t.id
"""
# The office board's aggregation: per round and lead unit, tasks / closed / red / yellow.
BOARD_FLOOR = """
SELECT t.inspection_id, t.lead_unit_id, count(*),
       sum(CASE WHEN t.status = 'closed' THEN 1 ELSE 0 END),
       sum(CASE WHEN t.status <> 'closed' AND t.deadline < :today THEN 1 ELSE 0 END),
       sum(CASE WHEN t.status <> 'closed' AND t.deadline >= :today
                 AND t.deadline <= :yellow THEN 1 ELSE 0 END)
FROM task t GROUP BY t.inspection_id, t.lead_unit_id
"""


def _db_label(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def _busiest_unit(engine: sa.Engine) -> tuple[int, str, int]:
    with engine.connect() as conn:
        unit_id, count = conn.execute(
            sa.text(
                "SELECT unit_id, count(*) FROM (SELECT lead_unit_id AS unit_id FROM task "
                "UNION ALL SELECT unit_id FROM taskcounit) x GROUP BY unit_id "
                "ORDER BY count(*) DESC LIMIT 1"
            )
        ).one()
        name = conn.execute(sa.text("SELECT name FROM unit WHERE id = :u"), {"u": unit_id}).one()[0]
    return int(unit_id), str(name), int(count)


def _accounts(engine: sa.Engine, unit_id: int) -> None:
    with transaction(engine) as session:
        session.add(User(name="基准整改办", role=Role.office))
        session.add(User(name="基准联络员", role=Role.unit, unit_id=unit_id))
        session.flush()
        for name in ("基准整改办", "基准联络员"):
            accounts.set_password(name, PASSWORD, session=session, actor=OFFICE, now=NOW)


def _signed_in(client: Any, name: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/login", data={"username": name, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303, response.text


def bench_argon2(repeat: int = 5) -> dict[str, Any]:
    digest = accounts.PASSWORDS.hash(PASSWORD)
    hash_s = median_seconds(lambda: accounts.PASSWORDS.hash(PASSWORD), repeat)
    verify_s = median_seconds(lambda: accounts.PASSWORDS.verify(PASSWORD, digest), repeat)
    return result("web_argon2_verify", "-", 0, verify_s, None, None, hash_s=round(hash_s, 4))


def bench_pages(
    n_tasks: int,
    n_units: int,
    db_url: str,
    *,
    repeat: int = 5,
    load_seconds: float = 3.0,
    connections: int = 10,
) -> list[dict[str, Any]]:
    from fastapi.testclient import TestClient

    from web.app import create_app
    from web.config import WebConfig

    engine = make_engine(db_url)
    upgrade_schema(engine)
    db = _db_label(db_url)
    rows: list[dict[str, Any]] = []
    try:
        generate_ledger(engine, n_tasks=n_tasks, n_units=n_units, as_of=AS_OF)
        unit_id, unit_name, unit_tasks = _busiest_unit(engine)
        _accounts(engine, unit_id)
        with tempfile.TemporaryDirectory(prefix="rectify-bench-web-") as scratch:
            settings = Settings(
                database_url=db_url,
                data_dir=Path(scratch),
                rules=Rules(),
                holiday_file=None,
                apprise_config=None,
                templates_dir=None,
            )
            config = WebConfig.from_settings(settings)
            try:
                app = create_app(config)
                unit = TestClient(app, follow_redirects=False)
                office = TestClient(app, follow_redirects=False)
                _signed_in(unit, "基准联络员")
                _signed_in(office, "基准整改办")

                def my_tasks() -> None:
                    response = unit.get("/")
                    assert response.status_code == 200

                def office_home() -> None:
                    response = office.get("/")
                    assert response.status_code == 200

                def my_floor() -> None:
                    with engine.connect() as conn:
                        conn.execute(sa.text(MY_TASKS_FLOOR), {"unit": unit_id}).all()

                def board_floor() -> None:
                    with engine.connect() as conn:
                        conn.execute(
                            sa.text(BOARD_FLOOR),
                            {"today": AS_OF, "yellow": date(2026, 12, 11)},
                        ).all()

                for fn in (my_tasks, office_home, my_floor, board_floor):
                    fn()  # warm-up: statement caches, templates
                rows.append(
                    result(
                        "web_my_tasks",
                        db,
                        n_tasks,
                        median_seconds(my_tasks, repeat),
                        median_seconds(my_floor, repeat),
                        None,
                        unit_tasks=unit_tasks,
                        n_units=n_units,
                    )
                )
                rows.append(
                    result(
                        "web_office_home",
                        db,
                        n_tasks,
                        median_seconds(office_home, repeat),
                        median_seconds(board_floor, repeat),
                        None,
                        n_units=n_units,
                    )
                )
            finally:
                config.engine.dispose()
            if load_seconds > 0:  # the dashboard scenario renders the pages only
                rows.append(
                    _load_run(db_url, Path(scratch), db, n_tasks, load_seconds, connections)
                )
    finally:
        engine.dispose()
    return rows


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _load_run(
    db_url: str, data_dir: Path, db: str, n_tasks: int, seconds: float, connections: int
) -> dict[str, Any]:
    """`rectify web` in its own process; `connections` clients ask for 我的任务 for `seconds`."""
    port = _free_port()
    env = {**os.environ, "RECTIFY_DATABASE_URL": db_url, "RECTIFY_DATA_DIR": str(data_dir)}
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "web", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/login", timeout=5)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("rectify web did not start") from None
                time.sleep(0.2)
        with httpx.Client(base_url=base, follow_redirects=False) as login:
            _signed_in(login, "基准联络员")
            cookies = dict(login.cookies)
        latencies, errors, elapsed = asyncio.run(_hammer(base, cookies, seconds, connections))
    finally:
        server.terminate()
        server.communicate(timeout=30)
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return result(
        "web_load_my_tasks",
        db,
        n_tasks,
        statistics.median(latencies) if latencies else 0.0,
        None,
        None,
        connections=connections,
        seconds=seconds,
        requests=len(latencies),
        rps=round(len(latencies) / elapsed, 1),
        p50_ms=round(quantiles[49] * 1000, 1),
        p95_ms=round(quantiles[94] * 1000, 1),
        p99_ms=round(quantiles[98] * 1000, 1),
        errors=errors,
    )


async def _hammer(
    base: str, cookies: dict[str, str], seconds: float, connections: int
) -> tuple[list[float], int, float]:
    """Bounded in time and in connections; every response must be 我的任务 (200)."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    started = time.perf_counter()
    stop = started + seconds
    async with httpx.AsyncClient(
        base_url=base, cookies=cookies, limits=limits, timeout=30
    ) as client:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                try:
                    response = await client.get("/")
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors += 1

        await asyncio.gather(*(worker() for _ in range(connections)))
    return latencies, errors, time.perf_counter() - started
