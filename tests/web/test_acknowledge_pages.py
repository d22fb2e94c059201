"""签收 on the web: the button on the task page, 未签收 on 我的任务 and on the office's board."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ledger.corrections import withdraw_task
from ledger.uow import transaction
from tests.builders import NOW, OFFICE
from tests.fixtures.web import form_token

BUTTON = '<button type="submit" class="primary">签收</button>'


def _signed_by(web_world, task_id: int) -> dict[str, str | None]:
    with web_world.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT unit.name, acknowledgement.acknowledged_by FROM acknowledgement"
                " JOIN unit ON unit.id = acknowledgement.unit_id WHERE task_id = :t"
            ),
            {"t": task_id},
        ).all()
    return {name: by for name, by in rows}


def _sign(client, task_id: int):
    token = form_token(client.get("/").text)
    return client.post(f"/tasks/{task_id}/acknowledge", data={"csrf_token": token})


def test_the_lead_unit_signs_from_the_task_page_and_the_button_and_badge_go(web_world):
    task_id = web_world.task_id("1.1")
    client = web_world.login("陈某")
    mine = client.get("/").text
    assert "未签收 4" in mine  # 县科技局 leads four tasks, none signed
    page = client.get(f"/tasks/{task_id}").text
    assert BUTTON in page and "牵头单位 县科技局" in page and "配合单位 财务股" in page
    response = _sign(client, task_id)
    assert response.status_code == 303
    assert response.headers["location"] == f"/tasks/{task_id}?ok=acknowledged"
    after = client.get(response.headers["location"]).text
    assert "已签收。" in after and BUTTON not in after
    assert "陈某" in after.split('id="acknowledge"', 1)[1].split("</section>", 1)[0]
    assert "未签收 3" in client.get("/").text
    assert _signed_by(web_world, task_id) == {"县科技局": "陈某", "财务股": None}
    history = after.split("变更记录", 1)[1]
    assert "<td>签收</td>" in history and "县科技局签收" in history


def test_signing_again_is_no_change_and_says_so(web_world):
    task_id = web_world.task_id("1.1")
    client = web_world.login("陈某")
    _sign(client, task_id)
    again = _sign(client, task_id)
    assert again.headers["location"] == f"/tasks/{task_id}?ok=already_acknowledged"
    assert "本单位此前已签收,无需重复签收" in client.get(again.headers["location"]).text
    assert _signed_by(web_world, task_id)["县科技局"] == "陈某"


@pytest.mark.parametrize(
    ("who", "status"), [("钱某", 303), ("赵某", 404), ("周主任", 403), ("王副局长", 403)]
)
def test_who_may_sign_task_1_1(web_world, who, status):
    task_id = web_world.task_id("1.1")
    response = _sign(web_world.login(who), task_id)
    assert response.status_code == status
    signed = {unit: by for unit, by in _signed_by(web_world, task_id).items() if by}
    assert signed == ({"财务股": "钱某"} if status == 303 else {})
    if who == "周主任":
        assert "不能代责任单位签收" in response.text


def test_only_a_unit_that_has_not_signed_sees_the_button(web_world):
    task_id = web_world.task_id("1.1")
    _sign(web_world.login("钱某"), task_id)
    assert BUTTON not in web_world.login("钱某").get(f"/tasks/{task_id}").text
    assert BUTTON in web_world.login("陈某").get(f"/tasks/{task_id}").text
    for reader in ("周主任", "王副局长"):
        page = web_world.login(reader).get(f"/tasks/{task_id}").text
        assert BUTTON not in page and "未签收" in page  # they see who has not signed


def test_a_withdrawn_task_refuses_a_signature_on_its_page(web_world):
    task_id = web_world.task_id("1.2")
    client = web_world.login("陈某")
    token = form_token(client.get(f"/tasks/{task_id}").text)
    with transaction(web_world.engine) as session:
        withdraw_task(task_id, reason="重复录入", session=session, actor=OFFICE, now=NOW)
    response = client.post(f"/tasks/{task_id}/acknowledge", data={"csrf_token": token})
    assert response.status_code == 400 and "已撤销" in response.text
    assert _signed_by(web_world, task_id) == {"县科技局": None}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no database logic here
def test_a_signature_without_its_csrf_token_changes_nothing(web_world):
    task_id = web_world.task_id("1.1")
    response = web_world.login("陈某").post(f"/tasks/{task_id}/acknowledge", data={})
    assert response.status_code == 403
    assert _signed_by(web_world, task_id) == {"县科技局": None, "财务股": None}


def test_the_office_board_counts_what_each_unit_has_not_signed(web_world):
    _sign(web_world.login("陈某"), web_world.task_id("1.1"))
    board = web_world.login("周主任").get("/").text
    card = board.split('id="unacknowledged"', 1)[1].split("</section>", 1)[0]
    rows = dict(
        (cells[0], cells[1])
        for cells in (
            [c.split("</td>")[0] for c in row.split("<td>")[1:]] for row in card.split("<tr>")[2:]
        )
    )
    assert rows == {
        "局办公室": "3",
        "县科技局": "3",
        "县人社局": "1",
        "县委组织部": "1",
        "财务股": "1",
    }
