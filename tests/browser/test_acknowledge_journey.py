"""签收 in headless Chromium: a unit opens a task it was given, signs, and 未签收 goes."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LiveSite

pytestmark = pytest.mark.browser


def test_a_unit_opens_its_new_task_signs_and_the_unsigned_badge_goes(live_site: LiveSite):
    site = live_site
    task_id = site.world.task_id("1.1")
    unit = site.page()
    unit.goto(f"{site.base_url}/login")
    site.login(unit, "陈某")
    unit.wait_for_selector("h1:has-text('我的任务')")
    row = unit.locator(f"li.task:has(a[href='/tasks/{task_id}'])")
    assert row.locator(".badge.unacknowledged").text_content() == "未签收"
    assert "未签收 4" in unit.text_content(".counts")
    site.shot(unit, "my-tasks-unsigned")

    row.locator("a").click()
    unit.wait_for_url(f"**/tasks/{task_id}")
    card = unit.locator("#acknowledge")
    assert "牵头单位 县科技局:未签收" in card.text_content()
    site.shot(unit, "task-unsigned")
    card.locator("button:has-text('签收')").click()
    unit.wait_for_selector("text=已签收。")
    assert "牵头单位 县科技局:已签收" in unit.text_content("#acknowledge")
    assert unit.locator("#acknowledge button").count() == 0
    assert "签收" in unit.text_content("table.history")
    site.shot(unit, "task-signed")

    unit.goto(f"{site.base_url}/")
    row = unit.locator(f"li.task:has(a[href='/tasks/{task_id}'])")
    assert row.locator(".badge.unacknowledged").count() == 0
    assert "未签收 3" in unit.text_content(".counts")
    site.shot(unit, "my-tasks-signed")
