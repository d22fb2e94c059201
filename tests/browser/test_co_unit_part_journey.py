"""A co-unit's own part in headless Chromium: the lead unit's closure request is refused while
财务股's part of task 1.1 is open; 财务股 reports on its part with a file and marks it 已完成;
then the lead unit's request goes through."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import LiveSite

pytestmark = pytest.mark.browser


def _ask_closure(page) -> None:
    page.click("#submit summary")
    page.fill("#submit-summary", "拨付台账已建立,滞后项目已全部拨付")
    page.fill("#submit-reason", "台账已在系统中")
    page.click("#submit button[type=submit]")


def test_a_co_unit_reports_its_part_with_a_file_and_marks_it_done_then_the_lead_asks_closure(
    live_site: LiveSite, tmp_path: Path
) -> None:
    site = live_site
    task_id = site.world.task_id("1.1")
    scan = tmp_path / "拨付核对表.pdf"
    scan.write_bytes(b"%PDF-1.4\n% co-unit evidence\n")

    # The lead unit asks for closure first: refused, the open part named beside the field.
    lead = site.page()
    lead.goto(f"{site.base_url}/tasks/{task_id}")
    site.login(lead, "陈某")
    lead.wait_for_url(f"**/tasks/{task_id}")
    assert "尚未完成的配合单位部分:财务股" in lead.text_content("#submit")
    _ask_closure(lead)
    lead.wait_for_selector("#open_parts_reason-error")
    assert "还有配合单位的部分未完成(财务股)" in lead.text_content("#open_parts_reason-error")
    assert "待整改" in lead.text_content("h1")
    site.shot(lead, "closure-refused-parts-open")

    # The co-unit reports on its own part, with a file, and marks it done.
    co_unit = site.page()
    co_unit.goto(f"{site.base_url}/tasks/{task_id}")
    site.login(co_unit, "钱某")
    co_unit.wait_for_url(f"**/tasks/{task_id}")
    assert co_unit.query_selector("#submit") is None  # the task is the lead unit's to close
    co_unit.click("#progress summary")
    assert "填报本单位承担部分的进展" in co_unit.text_content("#progress")
    co_unit.fill("#progress-text", "财务股已逐项核对拨付进度")
    co_unit.set_input_files("#progress-files", str(scan))
    co_unit.click("#progress button[type=submit]")
    co_unit.wait_for_selector("text=进展已填报")
    part = co_unit.locator("#parts")
    assert "财务股已逐项核对拨付进度" in part.text_content()
    assert part.locator("a:has-text('拨付核对表.pdf')").is_visible()
    site.shot(co_unit, "part-reported")
    co_unit.fill("#part-note", "核对完毕")
    co_unit.click("#parts button.primary")
    co_unit.wait_for_selector("text=本单位承担的部分已标记完成")
    assert "已完成" in co_unit.text_content("#parts")
    site.shot(co_unit, "part-done")

    # The lead unit sees the part done and its file; the closure request goes through.
    lead.goto(f"{site.base_url}/tasks/{task_id}")
    parts = lead.text_content("#parts")
    assert "已完成" in parts and "钱某" in parts and "核对完毕" in parts
    assert lead.locator("#parts a:has-text('拨付核对表.pdf')").is_visible()
    assert lead.query_selector("#submit-parts-reason") is None
    _ask_closure(lead)
    lead.wait_for_selector("text=已申请销号,等待整改办审核")
    assert "待销号" in lead.text_content("h1")
    site.shot(lead, "closure-accepted")
