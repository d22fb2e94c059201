"""`/users`: the office adds, edits, resets and deactivates; nobody else reaches it."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ledger.uow import transaction
from models.tables import HistoryEntry, User
from tests.fixtures.web import PASSWORD, form_token


def _user(world, name: str) -> User:
    with transaction(world.engine) as session:
        user = session.exec(select(User).where(User.name == name)).one()
        session.expunge(user)
        return user


def _post(client, url: str, **data):
    token = form_token(client.get("/users").text)
    return client.post(url, data={"csrf_token": token, **data})


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
def test_the_user_list_is_the_office_s(web_world, who, status):
    client = web_world.client() if who == "anonymous" else web_world.login(who)
    response = client.get("/users")
    assert response.status_code == status
    if status == 200:
        assert "陈某" in response.text and "县科技局" in response.text
        assert "argon2" not in response.text  # no hash ever on a page


def test_the_office_adds_a_user_who_can_then_sign_in(web_world):
    office = web_world.login("周主任")
    done = _post(
        office, "/users", name="孙某", role="unit", unit="县人社局", password="Renshe-2026"
    )
    assert done.status_code == 303 and done.headers["location"] == "/users?ok=added"
    assert "用户已登记" in office.get("/users?ok=added").text
    assert "我的任务" in web_world.login("孙某", "Renshe-2026").get("/").text
    with transaction(web_world.engine) as session:
        notes = session.exec(select(HistoryEntry.action).where(HistoryEntry.entity == "user")).all()
    assert "password_set" in notes
    with transaction(web_world.engine) as session:
        values = session.exec(select(HistoryEntry.new_value)).all()
    assert all("Renshe-2026" not in (v or "") for v in values)


def test_bad_input_is_shown_beside_its_field_and_nothing_is_added(web_world):
    office = web_world.login("周主任")
    short = _post(office, "/users", name="孙某", role="unit", unit="县人社局", password="short")
    assert short.status_code == 400
    assert 'id="password-error"' in short.text and "密码至少 8 位" in short.text
    assert 'value="孙某"' in short.text  # what was typed stays
    unknown = _post(office, "/users", name="孙某", role="unit", unit="不存在局", password=PASSWORD)
    assert unknown.status_code == 400 and 'id="unit-error"' in unknown.text
    no_unit = _post(office, "/users", name="孙某", role="unit", unit="", password=PASSWORD)
    assert no_unit.status_code == 400 and "须指定所在单位" in no_unit.text
    taken = _post(office, "/users", name="陈某", role="leader", password=PASSWORD)
    assert taken.status_code == 400 and "已登记" in taken.text
    with transaction(web_world.engine) as session:
        assert session.exec(select(User).where(User.name == "孙某")).first() is None


def test_the_office_edits_a_user_and_history_keeps_each_field(web_world):
    office = web_world.login("周主任")
    target = _user(web_world, "钱某")
    done = _post(office, f"/users/{target.id}", role="unit", unit="县科技局", notify_tag="qian")
    assert done.status_code == 303
    assert _user(web_world, "钱某").notify_tag == "qian"
    with transaction(web_world.engine) as session:
        changed = session.exec(
            select(HistoryEntry.field, HistoryEntry.old_value, HistoryEntry.new_value).where(
                HistoryEntry.entity_id == target.id, HistoryEntry.action == "edit"
            )
        ).all()
    assert ("unit", "财务股", "县科技局") in changed and ("notify_tag", "", "qian") in changed


def test_deactivating_ends_the_user_s_session_and_refuses_sign_in(web_world):
    unit = web_world.login("赵某")
    assert unit.get("/").status_code == 200
    office = web_world.login("周主任")
    target = _user(web_world, "赵某")
    assert _post(office, f"/users/{target.id}/active", active="0").status_code == 303
    assert unit.get("/").status_code == 303  # the open session ended
    browser = web_world.client()
    page = browser.get("/login")
    refused = browser.post(
        "/login",
        data={"username": "赵某", "password": PASSWORD, "csrf_token": form_token(page.text)},
    )
    assert refused.status_code == 400 and "该账号已停用" in refused.text
    assert _post(office, f"/users/{target.id}/active", active="1").status_code == 303
    assert web_world.login("赵某").get("/").status_code == 200
    me = _user(web_world, "周主任")
    itself = _post(office, f"/users/{me.id}/active", active="0")
    assert itself.status_code == 400
    assert "不能停用自己的账号" in itself.text


def test_a_password_reset_lets_the_user_in_with_the_new_one(web_world):
    office = web_world.login("周主任")
    target = _user(web_world, "陈某")
    assert _post(office, f"/users/{target.id}/password", password="Xinmima-2026").status_code == 303
    assert web_world.login("陈某", "Xinmima-2026").get("/").status_code == 200
    short = _post(office, f"/users/{target.id}/password", password="x")
    assert short.status_code == 400 and "密码至少 8 位" in short.text


def test_user_changes_need_the_office_and_the_form_token(web_world):
    target = _user(web_world, "钱某")
    office = web_world.login("周主任")
    assert office.post("/users", data={"name": "x", "password": PASSWORD}).status_code == 403
    assert office.post(f"/users/{target.id}/active", data={"active": "0"}).status_code == 403
    leader = web_world.login("王副局长")
    token = form_token(leader.get("/").text)
    for url, data in [
        ("/users", {"name": "x", "role": "office", "password": PASSWORD}),
        (f"/users/{target.id}/active", {"active": "0"}),
        (f"/users/{target.id}/password", {"password": PASSWORD + "x"}),
        (f"/users/{target.id}", {"role": "office"}),
    ]:
        assert leader.post(url, data={"csrf_token": token, **data}).status_code in (400, 403)
    assert _user(web_world, "钱某").active and _user(web_world, "钱某").role.value == "unit"
    with transaction(web_world.engine) as session:
        assert session.exec(select(User).where(User.name == "x")).first() is None


def test_a_user_name_with_script_is_escaped(web_world):
    office = web_world.login("周主任")
    _post(office, "/users", name="<script>x</script>", role="leader", password=PASSWORD)
    page = office.get("/users").text
    assert "<script>x" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
