"""The office in headless Chromium retries a failed notice from /outbox: a real delivery to a
loopback receiver that refuses it marks it 发送失败 with the error; 重新发送 puts it back as
待发送; the next delivery sends it and the page shows 已发送. Other failed notices stay failed."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from ledger.context import TZ
from ledger.uow import transaction
from models.outbox import Notice
from notifications.delivery import deliver_pending
from notifications.outbox import NoticeDraft, enqueue
from tests.browser.conftest import LiveSite
from tests.fixtures.notify import HttpReceiver, write_apprise_config

pytestmark = pytest.mark.browser

TITLE = "【催办通知】2项整改任务已逾期未完成"


def _notice(site: LiveSite, notice_id: int) -> Notice:
    with transaction(site.world.engine) as session:
        found = session.get(Notice, notice_id)
        assert found is not None
        session.expunge(found)
        return found


def _fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll}px wide on a {width}px screen"


def test_the_office_retries_a_failed_notice_and_it_is_sent(
    live_site: LiveSite, http_receiver: HttpReceiver, tmp_path: Path
):
    site = live_site
    start = site.world.clock.at
    config = write_apprise_config(tmp_path / "apprise.yml", {http_receiver.url(): ["县科技局"]})
    # One refusal is final here (max_attempts 1), so the first delivery leaves it 发送失败.
    settings = dataclasses.replace(
        site.world.config.settings,
        apprise_config=config,
        rules=dataclasses.replace(site.world.config.settings.rules, max_attempts=1),
    )
    with transaction(site.world.engine) as session:
        [notice_id] = enqueue(
            [
                NoticeDraft(
                    kind="urge",
                    recipient="县科技局",
                    period=start.astimezone(TZ).date().isoformat(),
                    task_ids=[site.world.task_id("1.1")],
                    title=TITLE,
                    body_text="县科技局:任务1.1已逾期,请抓紧整改。",
                    body_html="<p>县科技局:任务1.1已逾期,请抓紧整改。</p>",
                    body_md="县科技局:任务1.1已逾期,请抓紧整改。",
                )
            ],
            session=session,
            now=start,
        ).notice_ids
    http_receiver.fail_next = 1000  # the receiver refuses everything for now
    deliver_pending(site.world.engine, settings, now=start + timedelta(minutes=1))
    failed = _notice(site, notice_id)
    assert (failed.status, failed.attempts) == ("failed", 1) and failed.last_error
    with transaction(site.world.engine) as session:
        others = [
            n.id
            for n in session.exec(select(Notice).where(Notice.status == "failed"))
            if n.id != notice_id
        ]

    office = site.page()
    office.goto(f"{site.base_url}/")
    site.login(office, "周主任")
    office.wait_for_url(f"{site.base_url}/")
    office.click("nav >> text=发件箱")
    office.wait_for_url(f"{site.base_url}/outbox")
    card = office.locator(f"#notice-{notice_id}")
    assert card.locator(".meta .badge").text_content() == "发送失败"
    assert "最近一次失败" in card.text_content() and TITLE in card.text_content()
    site.shot(office, "outbox-failed")

    site.world.clock.at = start + timedelta(minutes=2)
    card.locator("button:has-text('重新发送')").click()
    office.wait_for_url(f"{site.base_url}/outbox?retried=1")
    assert "已放回发件箱 1 份通知" in office.text_content("p.ok")
    card = office.locator(f"#notice-{notice_id}")
    assert card.locator(".meta .badge").text_content() == "待发送"
    assert card.locator("button:has-text('重新发送')").count() == 0
    site.shot(office, "outbox-retried")
    retried = _notice(site, notice_id)
    assert (retried.status, retried.attempts) == ("pending", 0)
    # Only the notice whose button was pressed went back.
    for other in others:
        assert _notice(site, other).status == "failed"

    http_receiver.fail_next = 0
    report = deliver_pending(site.world.engine, settings, now=start + timedelta(minutes=3))
    assert report.claimed == 1
    assert [p.title for p in http_receiver.received()] == [TITLE]
    office.reload()
    card = office.locator(f"#notice-{notice_id}")
    assert card.locator(".meta .badge").text_content() == "已发送"
    assert card.locator("button:has-text('重新发送')").count() == 0
    site.shot(office, "outbox-sent")
    office.click("a.badge:has-text('已发送')")
    office.wait_for_url(f"{site.base_url}/outbox?status=sent")
    assert office.locator(f"#notice-{notice_id}").count() == 1

    # The same page on a 375 px phone: nothing wider than the screen.
    phone = site.page(width=375, height=740)
    phone.goto(f"{site.base_url}/outbox")
    site.login(phone, "周主任")
    phone.wait_for_url(f"{site.base_url}/outbox")
    _fits(phone, 375)
    site.shot(phone, "outbox-375")
