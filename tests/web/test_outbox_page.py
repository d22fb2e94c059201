"""`/outbox`: pending / sent / failed with the error; the office reads every notice, the others theirs."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import select

from ledger.uow import transaction
from models.office import TZ
from models.outbox import Notice
from notifications.outbox import NoticeDraft, enqueue
from tests.builders import NOW


def _draft(recipient: str, title: str) -> NoticeDraft:
    return NoticeDraft(
        kind="urge",
        recipient=recipient,
        period="2026-11-02",
        task_ids=[1, 2],
        title=title,
        body_text="正文",
        body_html="<p>正文</p>",
        body_md="正文",
    )


@pytest.fixture
def outbox_world(web_world):
    with transaction(web_world.engine) as session:
        made = enqueue(
            [
                _draft("局办公室", "【催办通知】2项整改任务已逾期未完成"),
                _draft("县科技局", "【催办通知】<script>x</script>"),
                _draft("财务股", "【催办通知】已发出"),
            ],
            session=session,
            now=NOW,
        )
        failed, _, sent = (session.get(Notice, i) for i in made.notice_ids)
        failed.status, failed.attempts = "failed", 5
        failed.last_error = "连接被拒绝(json://127.0.0.1:***)"
        sent.status, sent.attempts = "sent", 1
        session.add_all([failed, sent])
    return web_world


def test_an_anonymous_visitor_goes_to_the_login(outbox_world):
    assert outbox_world.client().get("/outbox").status_code == 303


@pytest.mark.parametrize(
    ("who", "sees", "not_seen"),
    [
        ("周主任", ["局办公室", "县科技局", "财务股"], []),
        ("陈某", ["县科技局"], ["局办公室", "财务股"]),  # its unit's notices only
        ("钱某", ["财务股"], ["局办公室", "县科技局"]),
        ("赵某", ["局办公室"], ["县科技局", "财务股"]),
        ("王副局长", [], ["局办公室", "县科技局", "财务股"]),  # nothing addressed to them
    ],
)
def test_each_user_reads_the_notices_addressed_to_them_or_their_unit(
    outbox_world, who, sees, not_seen
):
    response = outbox_world.login(who).get("/outbox")
    assert response.status_code == 200
    shown = [r for r in ("局办公室", "县科技局", "财务股") if f"收件人:{r}" in response.text]
    assert shown == sees
    assert not any(f"收件人:{r}" in response.text for r in not_seen)
    if who != "周主任":  # reading is not retrying: the buttons are the office's
        assert "重新发送" not in response.text and "重发全部失败通知" not in response.text


@pytest.mark.parametrize(
    ("who", "link"),
    [("周主任", "发件箱"), ("陈某", "我的通知"), ("赵某", "我的通知"), ("王副局长", "我的通知")],
)
def test_every_reader_finds_the_outbox_in_the_menu(outbox_world, who, link):
    page = outbox_world.login(who).get("/").text
    assert f'<a href="/outbox">{link}</a>' in page


def test_a_notice_waiting_for_the_send_window_shows_when_it_goes_out(outbox_world):
    outbox_world.clock.at = datetime(2026, 12, 1, 19, 0, tzinfo=TZ)  # a Tuesday evening
    later = datetime(2026, 12, 2, 8, 0, tzinfo=TZ)
    with transaction(outbox_world.engine) as session:
        notice = session.exec(
            select(Notice).where(Notice.recipient == "县科技局", Notice.kind == "urge")
        ).one()
        notice.next_attempt_at = later  # written in quiet hours: not before the morning
        session.add(notice)
    page = outbox_world.login("周主任").get("/outbox").text
    card = page[page.index(f'id="notice-{notice.id}"') :]
    card = card[: card.index("</li>")]
    assert "已尝试 0 次" in card and "下次发送 2026-12-02 08:00" in card
    # A sent notice, or a pending one due at the next delivery, says nothing of it.
    assert page.count("下次发送") == 1


def test_the_outbox_shows_each_status_and_the_error(outbox_world):
    page = outbox_world.login("周主任").get("/outbox").text
    assert "待发送 1" in page and "已发送 1" in page and "发送失败 1" in page
    assert "最近一次失败:连接被拒绝(json://127.0.0.1:***)" in page
    assert "已尝试 5 次" in page
    failed = outbox_world.login("周主任").get("/outbox", params={"status": "failed"}).text
    assert "局办公室" in failed and "财务股" not in failed
    # An unknown status is no filter.
    assert "财务股" in outbox_world.login("周主任").get("/outbox?status=bogus").text


def test_a_notice_title_with_script_is_escaped(outbox_world):
    page = outbox_world.login("周主任").get("/outbox").text
    assert "<script>x" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
