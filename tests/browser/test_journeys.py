"""Whole journeys in headless Chromium: what a unit liaison and the office actually click."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import LiveSite

pytestmark = pytest.mark.browser


def _files(tmp_path: Path) -> tuple[Path, Path]:
    pdf = tmp_path / "资金拨付台账.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% evidence\n")
    png = tmp_path / "现场照片.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    return pdf, png


def _fits(page, width: int) -> None:
    """Nothing wider than the phone: no sideways scrolling."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll}px wide on a {width}px screen"


def test_a_unit_reports_and_asks_closure_the_office_returns_then_verifies(
    live_site: LiveSite, tmp_path
):
    site = live_site
    task_id = site.world.task_id("1.1")
    pdf, png = _files(tmp_path)

    # The unit opens the link a reminder carried while signed out.
    unit = site.page()
    unit.goto(f"{site.base_url}/tasks/{task_id}")
    assert "/login?next=" in unit.url
    site.shot(unit, "login-from-notice-link")
    site.login(unit, "陈某")
    unit.wait_for_url(f"**/tasks/{task_id}")
    assert "建立科技项目资金拨付台账" in unit.text_content("main")
    site.shot(unit, "task-page")

    unit.click("#progress summary")
    unit.fill("#progress-text", "已建立资金拨付台账,完成首轮核查")
    unit.set_input_files("#progress-files", [str(pdf), str(png)])
    unit.click("#progress button[type=submit]")
    unit.wait_for_selector("text=进展已填报")
    assert unit.is_visible("a:has-text('资金拨付台账.pdf')")
    site.shot(unit, "progress-reported")

    unit.click("#submit summary")
    unit.fill("#submit-summary", "台账已建立,滞后项目已全部拨付")
    unit.set_input_files("#submit-files", str(pdf))
    # 财务股 has not marked its part (tests/browser/test_co_unit_part_journey.py does).
    unit.fill("#submit-parts-reason", "财务股的部分由牵头单位统筹")
    unit.click("#submit button[type=submit]")
    unit.wait_for_selector("text=已申请销号,等待整改办审核")
    site.shot(unit, "closure-asked")

    # The office returns it with a reason.
    office = site.page()
    office.goto(f"{site.base_url}/review")
    site.login(office, "周主任")
    office.wait_for_url("**/review")
    assert "台账已建立,滞后项目已全部拨付" in office.text_content(f"#task-{task_id}")
    site.shot(office, "review-queue")
    office.fill(f"#reason-task-{task_id}", "缺少拨付凭证")
    office.click(f"#task-{task_id} button.danger")
    office.wait_for_selector("text=已退回")

    # The unit sees why and asks again.
    unit.reload()
    assert "缺少拨付凭证" in unit.text_content(".returned")
    site.shot(unit, "returned-with-reason")
    unit.click("#submit summary")
    unit.fill("#submit-summary", "已补充拨付凭证")
    unit.fill("#submit-reason", "凭证已随上次进展上传")
    unit.fill("#submit-parts-reason", "财务股的部分由牵头单位统筹")
    unit.click("#submit button[type=submit]")
    unit.wait_for_selector("text=已申请销号,等待整改办审核")

    # The office verifies; the task shows as closed everywhere.
    office.goto(f"{site.base_url}/review")
    office.click(f"#task-{task_id} button.primary")
    office.wait_for_selector("text=已销号。")
    office.goto(f"{site.base_url}/?status=closed")
    assert "建立科技项目资金拨付台账" in office.text_content("main")
    site.shot(office, "closed-list")
    unit.goto(f"{site.base_url}/")
    assert "已销号 1" in unit.text_content(".counts")
    site.shot(unit, "my-tasks-after-closure")


def test_an_extension_is_asked_and_approved(live_site: LiveSite):
    site = live_site
    task_id = site.world.task_id("2.1")
    unit = site.page()
    unit.goto(f"{site.base_url}/tasks/{task_id}")
    site.login(unit, "陈某")
    unit.wait_for_url(f"**/tasks/{task_id}")
    unit.click("#extension summary")
    unit.fill("#extension-date", "2027-06-30")
    unit.fill("#extension-reason", "需等待省级配套文件出台")
    unit.click("#extension button[type=submit]")
    unit.wait_for_selector("text=延期申请已提交")
    site.shot(unit, "extension-asked")

    office = site.page()
    office.goto(f"{site.base_url}/review")
    site.login(office, "周主任")
    office.wait_for_url("**/review")
    assert "2027-03-31 → 2027-06-30" in office.text_content("main")
    site.shot(office, "extension-in-queue")
    office.click("article[id^=extension-] button.primary")
    office.wait_for_selector("text=已批准延期")

    unit.reload()
    assert "2027-06-30(原时限 2027-03-31)" in unit.text_content(".facts")
    site.shot(unit, "extension-approved")


def test_a_liaison_on_a_375px_phone_finds_and_reports(live_site: LiveSite, tmp_path):
    site = live_site
    task_id = site.world.task_id("1.2")
    pdf, _ = _files(tmp_path)
    phone = site.page(width=375, height=740)
    phone.goto(f"{site.base_url}/")
    _fits(phone, 375)
    site.shot(phone, "phone-login")
    site.login(phone, "陈某")
    phone.wait_for_selector("h1:has-text('我的任务')")
    _fits(phone, 375)
    site.shot(phone, "phone-my-tasks")
    phone.fill("input[name=q]", "约谈")
    phone.click("form.filters button")
    phone.wait_for_url("**q=*")
    assert phone.locator("li.task").count() == 1
    phone.click("li.task a")
    phone.wait_for_url(f"**/tasks/{task_id}")
    _fits(phone, 375)
    site.shot(phone, "phone-task")
    phone.click("#progress summary")
    phone.fill("#progress-text", "已约谈3家承担单位")
    phone.set_input_files("#progress-files", str(pdf))
    phone.click("#progress button[type=submit]")
    phone.wait_for_selector("text=进展已填报")
    _fits(phone, 375)
    site.shot(phone, "phone-reported")
