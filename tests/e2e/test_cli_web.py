"""`rectify user passwd` and `rectify web` as the operator types them."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx

from ledger import accounts
from ledger.uow import transaction
from models.db import make_engine
from tests.conftest import Cli
from tests.fixtures.notify import free_port


def _office_and_unit(cli: Cli) -> None:
    cli("init", check=True)
    cli("unit", "add", "县科技局", check=True)
    cli("user", "add", "周主任", "--role", "office", check=True)
    cli("user", "add", "陈某", "--role", "unit", "--unit", "县科技局", user="周主任", check=True)


def test_the_office_sets_a_password_and_a_unit_may_not(cli):
    _office_and_unit(cli)
    done = cli("user", "passwd", "陈某", "--password", "Zhenggai-2026", user="周主任")
    assert done.code == 0 and "已设置 陈某 的登录密码" in done.out
    refused = cli("user", "passwd", "周主任", "--password", "Zhenggai-2026", user="陈某")
    assert refused.code == 1 and "仅限整改办" in refused.err
    short = cli("user", "passwd", "陈某", "--password", "short", user="周主任")
    assert short.code == 1 and "密码至少 8 位" in short.err
    listed = cli("user", "list", "--json", user="周主任", check=True)
    assert "Zhenggai-2026" not in listed.out and "password" not in listed.out


def test_rectify_web_serves_the_login_page_and_signs_in(cli, tmp_path):
    _office_and_unit(cli)
    cli("user", "passwd", "陈某", "--password", "Zhenggai-2026", user="周主任", check=True)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "web", "--port", str(port)],
        cwd=cli.cwd,
        env=cli.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                page = httpx.get(f"{base}/login", timeout=5)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "rectify web did not start in 60 s"
                time.sleep(0.3)
        assert page.status_code == 200 and "登录整改通" in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        with httpx.Client(base_url=base, cookies=page.cookies) as client:
            signed_in = client.post(
                "/login",
                data={"username": "陈某", "password": "Zhenggai-2026", "csrf_token": token},
            )
            assert signed_in.status_code == 303
            assert "我的任务" in client.get("/").text
        assert (tmp_path / "data" / "web-session-secret").stat().st_mode & 0o077 == 0
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert "整改通网页工作台" in out
    assert "Zhenggai-2026" not in out + err


def test_user_add_with_a_password_can_sign_in_at_once(cli):
    cli("init", check=True)
    cli("unit", "add", "县科技局", check=True)
    cli("user", "add", "周主任", "--role", "office", "--password", "Office-pass-1", check=True)
    cli(
        "user",
        "add",
        "陈某",
        "--role",
        "unit",
        "--unit",
        "县科技局",
        "--password",
        "Unit-pass-1",
        user="周主任",
        check=True,
    )
    bad = cli("user", "add", "赵某", "--role", "office", "--password", "short", user="周主任")
    assert bad.code == 1 and "密码至少 8 位" in bad.err
    assert "赵某" not in cli("user", "list", user="周主任", check=True).out  # nothing half-written

    engine = make_engine(cli.env["RECTIFY_DATABASE_URL"])
    try:
        with transaction(engine) as session:
            signed = accounts.sign_in("陈某", "Unit-pass-1", session=session, now=datetime.now(UTC))
        assert signed.token is not None
    finally:
        engine.dispose()
