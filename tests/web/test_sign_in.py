"""Signing in and out: cookie flags, CSRF, lockout, revocation, the way back to a page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from models.tables import HistoryEntry, User
from models.web_sessions import WebSession
from tests.fixtures.web import PASSWORD, form_token


def _post_login(client, name, password, next_url="/"):
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": name,
            "password": password,
            "csrf_token": form_token(page.text),
            "next": next_url,
        },
    )


def _history(engine, action):
    with Session(engine) as s:
        return list(
            s.exec(
                select(HistoryEntry)
                .where(HistoryEntry.action == action)
                .order_by(col(HistoryEntry.id))
            )
        )


def test_a_unit_signs_in_and_gets_an_httponly_lax_session_cookie(web_world):
    client = web_world.client()
    response = _post_login(client, "陈某", PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "rectify_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # plain http on loopback
    page = client.get("/")
    assert page.status_code == 200 and "我的任务" in page.text and "陈某" in page.text
    assert [e.actor for e in _history(web_world.engine, "login")] == ["陈某"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no database logic here
def test_over_https_the_session_cookie_is_secure(web_world):
    response = _post_login(web_world.client(https=True), "陈某", PASSWORD)
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_a_wrong_password_is_refused_in_chinese_and_counted(web_world):
    response = _post_login(web_world.client(), "陈某", "not-the-password")
    assert response.status_code == 400
    assert "用户名或密码不正确" in response.text
    assert "rectify_session" not in response.headers.get("set-cookie", "")
    failed = _history(web_world.engine, "login_failed")
    assert [e.actor for e in failed] == ["陈某"]
    assert "not-the-password" not in (failed[0].note + str(failed[0].new_value))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no database logic here
def test_an_unknown_name_gets_the_same_answer_as_a_wrong_password(web_world):
    response = _post_login(web_world.client(), "无此人", "whatever-1")
    assert response.status_code == 400 and "用户名或密码不正确" in response.text


def test_five_failures_lock_the_account_for_fifteen_minutes(web_world):
    client = web_world.client()
    for _ in range(4):
        assert "用户名或密码不正确" in _post_login(client, "陈某", "wrong-pass").text
    fifth = _post_login(client, "陈某", "wrong-pass")
    assert "账号已锁定 15 分钟" in fifth.text
    # Even the right password is refused while locked.
    locked = _post_login(client, "陈某", PASSWORD)
    assert locked.status_code == 400 and "账号已锁定至" in locked.text
    assert [e.actor for e in _history(web_world.engine, "lockout")] == ["陈某"]
    web_world.clock.at += timedelta(minutes=15, seconds=1)
    assert _post_login(client, "陈某", PASSWORD).status_code == 303


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no database logic here
def test_the_login_form_without_its_csrf_token_is_refused(web_world):
    client = web_world.client()
    client.get("/login")
    response = client.post("/login", data={"username": "陈某", "password": PASSWORD})
    assert response.status_code == 403 and "表单已过期" in response.text
    response = client.post(
        "/login", data={"username": "陈某", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no database logic here
def test_a_token_from_another_browser_does_not_pass(web_world):
    other = web_world.client()
    token = form_token(other.get("/login").text)
    client = web_world.client()
    client.get("/login")
    response = client.post(
        "/login", data={"username": "陈某", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 403


def test_a_page_opened_while_signed_out_leads_to_login_and_back(web_world):
    task_id = web_world.task_id("1.1")
    client = web_world.client()
    response = client.get(f"/tasks/{task_id}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=%2Ftasks%2F{task_id}"
    login_page = client.get(response.headers["location"])
    assert f'name="next" value="/tasks/{task_id}"' in login_page.text
    back = _post_login(client, "陈某", PASSWORD, next_url=f"/tasks/{task_id}")
    assert back.headers["location"] == f"/tasks/{task_id}"
    assert "建立科技项目资金拨付台账" in client.get(back.headers["location"]).text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no database logic here
def test_after_login_the_browser_never_goes_to_another_site(web_world):
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil", "/\t/evil.example"):
        response = _post_login(web_world.client(), "陈某", PASSWORD, next_url=target)
        assert response.headers["location"] == "/"


def test_logout_ends_the_session_even_for_a_copy_of_the_cookie(web_world):
    client = web_world.login("陈某")
    copied = dict(client.cookies)
    page = client.get("/")
    response = client.post("/logout", data={"csrf_token": form_token(page.text)})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    replay = web_world.client()
    replay.cookies.update(copied)
    assert replay.get("/").status_code == 303
    assert [e.actor for e in _history(web_world.engine, "logout")] == ["陈某"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no database logic here
def test_logout_without_the_token_is_refused_and_the_session_lives(web_world):
    client = web_world.login("陈某")
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no database logic here
def test_a_tampered_cookie_signs_nobody_in(web_world):
    client = web_world.login("陈某")
    value = client.cookies["rectify_session"]
    token, _, signature = value.rpartition(".")
    stranger = web_world.client()
    stranger.cookies.set("rectify_session", token + "x." + signature)
    assert stranger.get("/").status_code == 303


def test_an_expired_session_leads_back_to_login_and_is_cleared_at_the_next_one(web_world):
    client = web_world.login("陈某")
    web_world.clock.at += timedelta(hours=12, minutes=1)
    assert client.get("/").status_code == 303
    web_world.login("陈某")
    with Session(web_world.engine) as s:
        assert len(s.exec(select(WebSession)).all()) == 1


def test_changing_ones_password_ends_the_other_sessions(web_world):
    phone = web_world.login("陈某")
    desk = web_world.login("陈某")
    page = desk.get("/account/password")
    response = desk.post(
        "/account/password",
        data={
            "csrf_token": form_token(page.text),
            "old_password": PASSWORD,
            "new_password": "Another-pass-1",
            "confirm_password": "Another-pass-1",
        },
    )
    assert response.status_code == 303
    assert "密码已修改" in desk.get(response.headers["location"]).text
    assert phone.get("/").status_code == 303
    web_world.login("陈某", "Another-pass-1")
    [entry] = _history(web_world.engine, "password_change")
    with Session(web_world.engine) as s:
        user = s.exec(select(User).where(User.name == "陈某")).one()
    assert "Another-pass-1" not in f"{entry.note}{entry.new_value}{entry.old_value}"
    assert user.password_hash and user.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no database logic here
def test_a_wrong_old_password_is_shown_beside_its_field(web_world):
    client = web_world.login("陈某")
    page = client.get("/account/password")
    response = client.post(
        "/account/password",
        data={
            "csrf_token": form_token(page.text),
            "old_password": "wrong-old-1",
            "new_password": "Another-pass-1",
            "confirm_password": "Another-pass-1",
        },
    )
    assert response.status_code == 400
    assert 'id="old_password-error"' in response.text and "原密码不正确" in response.text
