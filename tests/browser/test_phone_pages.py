"""Every page of every role on a 375 px phone (a unit liaison opens the link inside 钉钉):
with every form on the page opened, nothing is wider than the screen and every field and
button lies within it (a wide table may scroll inside its own box). A screenshot of each."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from ledger import lifecycle
from ledger.actors import Actor
from ledger.uow import transaction
from models.enums import Role
from models.tables import Unit
from tests.browser.conftest import LiveSite
from tests.web.test_dashboard import DAY
from tests.web.test_ledger_upload import BAD, GOOD

pytestmark = pytest.mark.browser

WIDTH = 375

# Controls that stick out of the screen, unless inside a box that scrolls sideways itself.
OFFENDERS = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === "auto" || x === "scroll") return true;
    }
    return false;
  };
  return [...document.querySelectorAll("input, select, textarea, button, a.button, summary")]
    .filter((el) => el.offsetParent !== null && el.type !== "hidden")
    .filter((el) => {
      const r = el.getBoundingClientRect();
      return (r.right > width + 1 || r.left < -1) && !scrolls(el);
    })
    .map((el) => `${el.tagName.toLowerCase()}#${el.id || el.name || el.textContent.trim()}`);
}"""


def _check(site: LiveSite, page, path: str | None, name: str) -> None:
    """The page at `path` (None: the page as it is now, after a form was sent)."""
    if path is not None:
        page.goto(site.base_url + path)
    assert page.url.startswith(site.base_url), page.url
    # Open every form, as a liaison would tap each one.
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => (d.open = true))")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= WIDTH, f"{path} is {scroll}px wide on a {WIDTH}px screen"
    assert page.evaluate(OFFENDERS) == [], path
    site.shot(page, name)


def _signed_in(site: LiveSite, who: str):
    page = site.page(width=WIDTH, height=740)
    page.goto(f"{site.base_url}/login")
    site.login(page, who)
    page.wait_for_url(f"{site.base_url}/")
    return page


@pytest.fixture
def busy_site(live_site: LiveSite, tmp_path: Path) -> LiveSite:
    """Something on every page: a report with a file, a closure request and an extension
    waiting in the review queue."""
    site = live_site
    site.world.clock.at = DAY
    proof = tmp_path / "科技项目资金拨付台账(2026年11月).pdf"
    proof.write_bytes(b"%PDF-1.4 ledger")
    w = site.world
    with transaction(w.engine) as session:
        unit = session.exec(select(Unit.id).where(Unit.name == "县科技局")).one()
        chen = Actor(name="陈某", role=Role.unit, unit_id=unit)
        store = w.config.settings.evidence_dir
        lifecycle.report_progress(
            w.task_id("1.1"), text="已建立科技项目资金拨付台账,逐项核查28个项目",
            issues="2个项目承担单位尚未提交拨付凭证", evidence=[proof], session=session,
            actor=chen, now=DAY, evidence_store=store,
        )  # fmt: skip
        lifecycle.submit_for_closure(
            w.task_id("1.2"), summary="已约谈全部滞后项目承担单位,资金已拨付到位",
            no_evidence_reason="约谈记录已存档", session=session, actor=chen, now=DAY,
            evidence_store=store,
        )  # fmt: skip
        lifecycle.request_extension(
            w.task_id("1.1"), new_deadline=date(2027, 2, 28), reason="涉及项目多,核查需时",
            session=session, actor=chen, now=DAY, today=DAY.date(),
        )  # fmt: skip
    return site


def test_every_page_of_every_role_fits_a_375px_phone(busy_site: LiveSite, tmp_path: Path):
    site = busy_site
    w = site.world
    t11, t12, t21 = w.task_id("1.1"), w.task_id("1.2"), w.task_id("2.1")
    round_id = w.round.inspection_id

    anonymous = site.page(width=WIDTH, height=740)
    _check(site, anonymous, "/login", "login")

    unit = _signed_in(site, "陈某")
    for path, name in [
        ("/", "unit-my-tasks"),
        ("/?light=red", "unit-my-tasks-filtered"),
        (f"/tasks/{t11}", "unit-task-forms"),
        (f"/tasks/{t12}", "unit-task-submitted"),
        ("/scores", "unit-scores"),
        ("/account/password", "unit-password"),
        ("/logout", "unit-logout"),
    ]:
        _check(site, unit, path, name)

    co_unit = _signed_in(site, "钱某")
    _check(site, co_unit, f"/tasks/{t11}", "co-unit-task-part")

    leader = _signed_in(site, "王副局长")
    for path, name in [
        ("/", "leader-board"),
        (f"/rounds/{round_id}", "leader-round"),
        (f"/tasks/{t11}", "leader-task"),
    ]:
        _check(site, leader, path, name)

    office = _signed_in(site, "周主任")
    for path, name in [
        ("/", "office-board"),
        ("/tasks", "office-tasks"),
        (f"/tasks/{t11}", "office-task"),
        (f"/tasks/{t12}", "office-task-review"),
        (f"/tasks/{t21}", "office-task-urge"),
        (f"/tasks/{t11}/edit", "office-task-edit"),
        ("/review", "office-review"),
        ("/rounds", "office-rounds"),
        (f"/rounds/{round_id}", "office-round-board"),
        ("/import", "office-import"),
        ("/users", "office-users"),
        ("/outbox", "office-outbox"),
        ("/scores", "office-scores"),
        ("/tasks/999999", "office-not-found"),
    ]:
        _check(site, office, path, name)

    # A ledger upload's answers: the row errors, then the dry run of a good one.
    for text, shown, name in ((BAD, "#row-errors", "office-import-errors"),
                              (GOOD, "#dry-run", "office-import-dry-run")):  # fmt: skip
        ledger = tmp_path / f"{name}.csv"
        ledger.write_text(text, encoding="utf-8")
        office.goto(f"{site.base_url}/import")
        office.set_input_files("#file", str(ledger))
        office.click("button:has-text('试导入')")
        office.wait_for_selector(shown)
        _check(site, office, None, name)

    # A refused form comes back with its message beside the field, on the phone too.
    office.goto(f"{site.base_url}/tasks/{t11}/edit")
    office.fill("#report_cadence", "每两周")
    office.fill("#edit-reason", "按方案")
    office.click("#edit-task button[type=submit]")
    office.wait_for_selector("#report_cadence-error")
    _check(site, office, None, "office-task-edit-refused")
