"""`/outbox`: pending / sent / failed with the error, for the office only."""

from __future__ import annotations

import pytest

from ledger.uow import transaction
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


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("周主任", 200),
        ("陈某", 403),
        ("钱某", 403),
        ("赵某", 403),
        ("王副局长", 403),
        ("anonymous", 303),
    ],
)
def test_the_outbox_is_the_office_s(outbox_world, who, status):
    client = outbox_world.client() if who == "anonymous" else outbox_world.login(who)
    response = client.get("/outbox")
    assert response.status_code == status
    if status == 403:
        assert "连接被拒绝" not in response.text and "仅限整改办" in response.text


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
