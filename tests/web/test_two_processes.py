"""Two `rectify web` processes on one PostgreSQL database behave as one: lockouts and logouts
hold in both."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ledger import accounts, registry
from ledger.inputs import UserCreate
from ledger.uow import transaction
from models.db import make_engine
from models.enums import Role
from tests.builders import NOW, OFFICE
from tests.conftest import _cli_env, _truncate_all
from tests.fixtures.notify import free_port

PASSWORD = "Zhenggai-2026"


def _start(env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "web", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, f"http://127.0.0.1:{port}"


def _wait(process: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{base}/login", timeout=5)
            return
        except httpx.TransportError:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "rectify web did not start in 60 s"
            time.sleep(0.3)


@pytest.fixture
def two_servers(postgres_database: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two processes on one PostgreSQL database, as behind a reverse proxy (SQLite serves
    one machine; its single file is shared the same way, through the same code)."""
    database_url = postgres_database
    _truncate_all(database_url)
    engine = make_engine(database_url)
    with transaction(engine) as session:
        registry.add_unit("县科技局", session=session, actor=OFFICE, now=NOW)
        registry.add_user(
            UserCreate(name="陈某", role=Role.unit, unit="县科技局"),
            session=session,
            actor=OFFICE,
            now=NOW,
        )
        accounts.set_password("陈某", PASSWORD, session=session, actor=OFFICE, now=NOW)
    engine.dispose()
    env = _cli_env(database_url, tmp_path)
    started = [_start(env, tmp_path), _start(env, tmp_path)]
    try:
        for process, base in started:
            _wait(process, base)
        yield started[0][1], started[1][1]
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            process.communicate(timeout=30)


def _login(base: str, password: str, client: httpx.Client | None = None) -> httpx.Response:
    client = client or httpx.Client(base_url=base)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(
        "/login", data={"username": "陈某", "password": password, "csrf_token": token}
    )


def test_a_lockout_reached_through_one_process_holds_in_the_other(two_servers):
    first, second = two_servers
    for attempt in range(5):
        # Alternate: the counter lives in the database, not in either process.
        response = _login(first if attempt % 2 == 0 else second, "wrong-pass")
        assert response.status_code == 400
    assert "账号已锁定 15 分钟" in response.text
    for base in (first, second):
        locked = _login(base, PASSWORD)
        assert locked.status_code == 400 and "账号已锁定至" in locked.text


def test_a_logout_through_one_process_ends_the_session_in_both(two_servers):
    first, second = two_servers
    with httpx.Client(base_url=first) as client:
        assert _login(first, PASSWORD, client).status_code == 303
        cookie = client.cookies["rectify_session"]
        with httpx.Client(base_url=second, cookies={"rectify_session": cookie}) as other:
            assert other.get("/").status_code == 200  # the same session, served by the other
            page = client.get("/")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            assert client.post("/logout", data={"csrf_token": token}).status_code == 303
            after = other.get("/")
            assert after.status_code == 303 and after.headers["location"] == "/login"
