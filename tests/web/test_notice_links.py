"""A reminder's link, opened while signed out, leads through the login to the task page."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime

import pytest

from models.settings import SettingsError, load_settings
from notifications.daily import plan_daily_check
from tests.fixtures.web import PASSWORD, form_token

BASE = "https://zg.example.gov.cn/rectify"


def test_the_unit_follows_the_link_in_its_reminder_to_the_task(web_world):
    settings = dataclasses.replace(web_world.config.settings, base_url=BASE)
    # 2.2 (立行立改, 县科技局) fell due on 2026-11-09: 催办 on the next working day.
    report = plan_daily_check(
        web_world.engine,
        settings,
        as_of=date(2026, 11, 10),
        now=datetime(2026, 11, 10, 1, 0, tzinfo=UTC),
        dry_run=True,
    )
    [notice] = [d for d in report.drafts if d.recipient == "县科技局"]
    task_id = web_world.task_id("2.2")
    link = f"{BASE}/tasks/{task_id}"
    assert f"办理:{link}" in notice.body_text
    assert f'href="{link}"' in notice.body_html and f"]({link})" in notice.body_md

    client = web_world.client()
    path = re.sub(f"^{re.escape(BASE)}", "", link)  # the path the reverse proxy passes on
    to_login = client.get(path)
    assert to_login.status_code == 303
    login_page = client.get(to_login.headers["location"])
    signed_in = client.post(
        "/login",
        data={
            "username": "陈某",
            "password": PASSWORD,
            "csrf_token": form_token(login_page.text),
            "next": path,
        },
    )
    assert signed_in.headers["location"] == path
    assert "建立科技特派员服务日志制度" in client.get(path).text


def test_a_base_url_that_is_not_an_address_is_refused(monkeypatch):
    monkeypatch.setenv("RECTIFY_BASE_URL", "zg.example.gov.cn")
    with pytest.raises(SettingsError, match="RECTIFY_BASE_URL"):
        load_settings()
    monkeypatch.setenv("RECTIFY_BASE_URL", "https://zg.example.gov.cn/")
    assert load_settings().base_url == "https://zg.example.gov.cn"
