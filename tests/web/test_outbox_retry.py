"""The outbox's retry: one notice by its button, or every failed one; the office only, with
the form's token, and each notice put back is in history."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ledger.uow import transaction
from models.outbox import Notice
from models.tables import HistoryEntry
from tests.fixtures.web import form_token
from tests.web import test_outbox_page

outbox_world = test_outbox_page.outbox_world  # the page's fixture: a failed, a pending, a sent


def _notice(world, recipient: str) -> Notice:
    with transaction(world.engine) as session:
        # Registering the round wrote decision notices too: the fixture's are the 催办 ones.
        found = session.exec(
            select(Notice).where(Notice.recipient == recipient, Notice.kind == "urge")
        ).one()
        session.expunge(found)
        return found


def _retry(client, **data):
    token = form_token(client.get("/outbox").text)
    return client.post("/outbox/retry", data={"csrf_token": token, **data})


def test_a_failed_notice_has_a_retry_button_and_a_sent_one_none(outbox_world):
    page = outbox_world.login("周主任").get("/outbox").text
    failed = _notice(outbox_world, "局办公室")
    sent = _notice(outbox_world, "财务股")
    card = page[page.index(f'id="notice-{failed.id}"') :]
    assert card[: card.index("</li>")].count("重新发送") == 1
    card = page[page.index(f'id="notice-{sent.id}"') :]
    assert "重新发送" not in card[: card.index("</li>")]
    assert "重发全部失败通知(1 份)" in page


def test_the_retry_button_puts_the_notice_back_and_history_says_who(outbox_world):
    office = outbox_world.login("周主任")
    failed = _notice(outbox_world, "局办公室")
    response = _retry(office, notice_id=str(failed.id))
    assert response.status_code == 303
    assert "已放回发件箱 1 份通知" in office.get(response.headers["location"]).text
    again = _notice(outbox_world, "局办公室")
    assert (again.status, again.attempts, again.last_error) == (
        "pending",
        0,
        "连接被拒绝(json://127.0.0.1:***)",
    )
    with transaction(outbox_world.engine) as session:
        [line] = session.exec(select(HistoryEntry).where(HistoryEntry.action == "requeue")).all()
        assert (line.actor, line.entity, line.entity_id) == ("周主任", "notice", failed.id)
        assert (line.old_value, line.new_value) == ("failed", "pending")


def test_retry_all_failed_leaves_sent_and_pending_notices_alone(outbox_world):
    office = outbox_world.login("周主任")
    response = _retry(office)
    assert "已放回发件箱 1 份通知" in office.get(response.headers["location"]).text
    assert _notice(outbox_world, "财务股").status == "sent"
    # Nothing failed any more: a second press says so and changes nothing.
    response = _retry(office)
    assert "没有需要重新发送的通知" in office.get(response.headers["location"]).text


@pytest.mark.parametrize("who", ["陈某", "钱某", "赵某", "王副局长"])
def test_only_the_office_retries(outbox_world, who):
    client = outbox_world.login(who)
    token = form_token(client.get("/").text)
    failed = _notice(outbox_world, "局办公室")
    response = client.post("/outbox/retry", data={"csrf_token": token, "notice_id": failed.id})
    assert response.status_code == 403
    assert _notice(outbox_world, "局办公室").status == "failed"


def test_a_retry_without_the_form_token_is_refused(outbox_world):
    office = outbox_world.login("周主任")
    failed = _notice(outbox_world, "局办公室")
    for token in ("", "forged"):
        response = office.post("/outbox/retry", data={"csrf_token": token})
        assert response.status_code == 403 and "表单已失效" in response.text
    assert _notice(outbox_world, "局办公室").status == "failed"
    assert failed.attempts == 5


def test_an_anonymous_retry_goes_to_the_login(outbox_world):
    response = outbox_world.client().post("/outbox/retry", data={"csrf_token": "x"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
