"""The office in headless Chromium: a ledger upload with a bad row writes nothing, the
corrected one is imported after its dry run, and the board's 完成率 moves after a 销号."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import func, select

from ledger import lifecycle
from ledger.actors import Actor
from ledger.uow import transaction
from models.enums import Role
from models.tables import Task
from tests.browser.conftest import LiveSite
from tests.builders import OFFICE
from tests.web.test_dashboard import DAY
from tests.web.test_ledger_upload import BAD, GOOD

pytestmark = pytest.mark.browser


def _tasks(site: LiveSite) -> int:
    with transaction(site.world.engine) as session:
        return session.exec(select(func.count()).select_from(Task)).one()


def _rate(page) -> str:
    return page.text_content(".board-totals .stat:nth-child(3) .n").strip()


def _fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll}px wide on a {width}px screen"


def _close(site: LiveSite, code: str) -> None:
    """The unit asks for closure and the office verifies (the review queue's own journey is
    web's; here only the board's reaction matters)."""
    task_id = site.world.task_id(code)
    with transaction(site.world.engine) as session:
        lead = session.get(Task, task_id).lead_unit_id
        lifecycle.submit_for_closure(
            task_id,
            summary="已完成",
            no_evidence_reason="制度已印发,见县科技局网站",
            open_parts_reason="配合单位的部分由牵头单位统筹",
            session=session,
            actor=Actor(name="陈某", role=Role.unit, unit_id=lead),
            now=DAY,
            evidence_store=site.world.config.settings.evidence_dir,
        )
        lifecycle.verify_closure(task_id, session=session, actor=OFFICE, now=DAY)


def test_the_office_uploads_a_ledger_and_the_board_moves_after_a_closure(
    live_site: LiveSite, tmp_path: Path
):
    site = live_site
    site.world.clock.at = DAY
    bad = tmp_path / "有错的台账.csv"
    bad.write_text(BAD, encoding="utf-8")
    good = tmp_path / "办公室整改台账.csv"
    good.write_text(GOOD, encoding="utf-8")

    office = site.page()
    office.goto(f"{site.base_url}/")
    site.login(office, "周主任")
    office.wait_for_url(f"{site.base_url}/")
    assert office.text_content("h1") == "挂图作战"
    assert _rate(office) == "0.00%"
    site.shot(office, "board")

    # A bad row: its error is shown and nothing is written.
    before = _tasks(site)
    office.click("nav >> text=导入台账")
    office.set_input_files("#file", str(bad))
    office.click("button:has-text('试导入')")
    office.wait_for_selector("#row-errors")
    errors = office.text_content("#row-errors")
    assert "第3行" in errors and "牵头单位" in errors and "本次未导入任何内容" in errors
    assert not office.is_visible("button:has-text('确认导入')")
    site.shot(office, "upload-bad-row")
    assert _tasks(site) == before

    # The corrected ledger: the dry run first, then the import.
    office.set_input_files("#file", str(good))
    office.click("button:has-text('试导入')")
    office.wait_for_selector("#dry-run")
    assert re.search(r"将新增\s*3\s*项", office.text_content("#dry-run"))
    site.shot(office, "upload-dry-run")
    assert _tasks(site) == before
    office.click("button:has-text('确认导入')")
    office.wait_for_selector("text=导入完成")
    site.shot(office, "upload-done")
    assert _tasks(site) == before + 3

    # The board counts the new round; a 销号 moves the 完成率.
    office.goto(f"{site.base_url}/")
    assert office.text_content(".board-totals .stat:nth-child(1) .n").strip() == "10"
    _close(site, "1.2")
    office.reload()
    assert _rate(office) == "10.00%"
    assert "新销号 1 项" in office.text_content(".week")
    site.shot(office, "board-after-closure")


def test_the_board_on_a_phone(live_site: LiveSite):
    site = live_site
    site.world.clock.at = DAY
    phone = site.page(width=375, height=800)
    phone.goto(f"{site.base_url}/login")
    site.login(phone, "周主任")
    phone.wait_for_url(f"{site.base_url}/")
    _fits(phone, 375)
    assert phone.is_visible("svg.bar")
    site.shot(phone, "board-375px")
    for path in (
        "/import",
        "/users",
        "/outbox",
        "/rounds",
        f"/rounds/{site.world.round.inspection_id}",
    ):
        phone.goto(site.base_url + path)
        _fits(phone, 375)
        site.shot(phone, path.strip("/").replace("/", "-") + "-375px")
    leader = site.page(width=375, height=800)
    leader.goto(f"{site.base_url}/login")
    site.login(leader, "王副局长")
    leader.wait_for_url(f"{site.base_url}/")
    assert "只读" in leader.text_content("main")
    _fits(leader, 375)
    site.shot(leader, "leader-board-375px")
