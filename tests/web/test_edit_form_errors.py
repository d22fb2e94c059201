"""A refused edit (user, password reset, unit rename, round correction) shows the list again,
that row's form open with what was typed and the message beside its field; nothing changes."""

from __future__ import annotations

import re

from sqlmodel import select

from ledger.uow import transaction
from models.tables import HistoryEntry, Inspection, Unit, User
from tests.fixtures.web import form_token


def _post(client, page: str, url: str, **data):
    token = form_token(client.get(page).text)
    return client.post(url, data={"csrf_token": token, **data})


def _row(html: str, row_id: str) -> str:
    """The <li> of one user, round or unit."""
    start = html.index(f'id="{row_id}"')
    return html[start : html.index("</li>", start)]


def _beside(row: str, field_id: str, message: str) -> bool:
    """The message follows the input it is about, before the next input."""
    after = row[row.index(f'id="{field_id}"') :]
    found = re.search(r'<p class="field-error"[^>]*>([^<]*)</p>', after)
    return (
        found is not None
        and message in found.group(1)
        and "<input" not in after[after.index(">") : found.start()]
    )


def _user(world, name: str) -> User:
    with transaction(world.engine) as session:
        user = session.exec(select(User).where(User.name == name)).one()
        session.expunge(user)
        return user


def _history(world, entity: str) -> int:
    with transaction(world.engine) as session:
        return len(session.exec(select(HistoryEntry).where(HistoryEntry.entity == entity)).all())


def test_a_user_edit_with_an_unknown_unit_comes_back_with_the_values_and_the_error(web_world):
    office = web_world.login("周主任")
    user = _user(web_world, "陈某")
    before = _history(web_world, "user")
    refused = _post(
        office,
        "/users",
        f"/users/{user.id}",
        role="unit",
        unit="不存在的局",
        notify_tag="新标签",
    )
    assert refused.status_code == 400
    row = _row(refused.text, f"user-{user.id}")
    assert "<details open>" in row
    assert 'value="不存在的局"' in row and 'value="新标签"' in row
    assert _beside(row, f"unit-{user.id}", "单位“不存在的局”尚未登记")
    assert "全部用户" in refused.text  # the whole list, not an error page
    assert _user(web_world, "陈某").unit_id == user.unit_id
    assert _history(web_world, "user") == before


def test_a_unit_user_without_a_unit_is_refused_beside_the_unit(web_world):
    office = web_world.login("周主任")
    user = _user(web_world, "钱某")
    refused = _post(office, "/users", f"/users/{user.id}", role="unit", unit="")
    assert refused.status_code == 400
    assert _beside(_row(refused.text, f"user-{user.id}"), f"unit-{user.id}", "须指定所在单位")


def test_a_short_password_reset_is_refused_beside_the_field_and_never_echoed(web_world):
    office = web_world.login("周主任")
    user = _user(web_world, "陈某")
    refused = _post(office, "/users", f"/users/{user.id}/password", password="short7")
    assert refused.status_code == 400
    row = _row(refused.text, f"user-{user.id}")
    assert _beside(row, f"password-{user.id}", "密码至少 8 位")
    assert "short7" not in refused.text
    assert _user(web_world, "陈某").password_hash == user.password_hash


def test_the_office_cannot_deactivate_itself_and_is_told_on_its_row(web_world):
    office = web_world.login("周主任")
    me = _user(web_world, "周主任")
    refused = _post(office, "/users", f"/users/{me.id}/active", active="0")
    assert refused.status_code == 400
    assert "不能停用自己的账号" in _row(refused.text, f"user-{me.id}")
    assert _user(web_world, "周主任").active


def test_editing_a_user_that_does_not_exist_is_not_found(web_world):
    office = web_world.login("周主任")
    response = _post(office, "/users", "/users/9999", role="unit", unit="县科技局")
    assert response.status_code == 404


def test_a_unit_renamed_to_a_taken_name_comes_back_with_the_error_beside_the_name(web_world):
    office = web_world.login("周主任")
    with transaction(web_world.engine) as session:
        unit = session.exec(select(Unit).where(Unit.name == "财务股")).one()
        unit_id = unit.id
    refused = _post(office, "/rounds", f"/units/{unit_id}", name="县科技局", notify_tag="cw")
    assert refused.status_code == 400
    row = _row(refused.text, f"unit-{unit_id}")
    assert "<details open>" in row and 'value="cw"' in row
    assert _beside(row, f"u{unit_id}-name", "单位“县科技局”已登记")
    with transaction(web_world.engine) as session:
        assert session.get(Unit, unit_id).name == "财务股"


def test_a_round_correction_without_a_reason_keeps_what_was_typed(web_world):
    office = web_world.login("周主任")
    round_id = web_world.round.inspection_id
    refused = _post(
        office,
        "/rounds",
        f"/rounds/{round_id}",
        body="省委第九巡视组",
        subject="科技工作",
        feedback_date="2026-10-16",
    )
    assert refused.status_code == 400
    row = _row(refused.text, f"round-{round_id}")
    assert "<details open>" in row
    assert 'value="省委第九巡视组"' in row and 'value="2026-10-16"' in row
    assert _beside(row, f"r{round_id}-reason", "请写明理由")
    with transaction(web_world.engine) as session:
        assert session.get(Inspection, round_id).body == "省委第八巡视组"


def test_a_round_correction_with_a_bad_date_is_refused_beside_the_date(web_world):
    office = web_world.login("周主任")
    round_id = web_world.round.inspection_id
    refused = _post(
        office,
        "/rounds",
        f"/rounds/{round_id}",
        body="省委第八巡视组",
        feedback_date="2026-13-45",
        reason="更正日期",
    )
    assert refused.status_code == 400
    row = _row(refused.text, f"round-{round_id}")
    assert 'value="更正日期"' in row
    assert _beside(row, f"r{round_id}-day", "反馈日期")


def test_edit_forms_need_the_office_and_the_form_token(web_world):
    user = _user(web_world, "陈某")
    unit = web_world.login("陈某")
    token = form_token(unit.get("/").text)
    assert (
        unit.post(f"/users/{user.id}", data={"csrf_token": token, "role": "office"}).status_code
        == 403
    )
    office = web_world.login("周主任")
    forged = office.post(f"/users/{user.id}", data={"csrf_token": "x", "unit": "不存在"})
    assert forged.status_code == 403 and "表单已失效" in forged.text
    assert _user(web_world, "陈某").role == user.role
