"""The key that signs session cookies: made on first start and kept in the data folder (a
restart keeps everyone signed in), or given as RECTIFY_WEB_SECRET (then no file is made);
never written to history or the outbox."""

from __future__ import annotations

import dataclasses

from fastapi.testclient import TestClient
from sqlmodel import select

from ledger.uow import transaction
from models.outbox import Notice
from models.tables import HistoryEntry
from tests.fixtures.web import PASSWORD
from web.app import create_app
from web.config import WebConfig
from web.security import SESSION_COOKIE


def _restarted(world, settings=None) -> TestClient:
    config = WebConfig.from_settings(settings or world.config.settings, clock=world.clock)
    return TestClient(create_app(config), base_url=world.base_url, follow_redirects=False)


def test_the_key_is_made_once_in_the_data_folder_and_a_restart_keeps_the_sessions(web_world):
    key_file = web_world.config.settings.data_dir / "web-session-secret"
    assert key_file.read_bytes().strip() == web_world.config.secret
    assert key_file.stat().st_mode & 0o077 == 0  # readable by the service's user only
    desk = web_world.login("陈某")
    cookie = desk.cookies[SESSION_COOKIE]

    after_restart = _restarted(web_world)
    after_restart.cookies.set(SESSION_COOKIE, cookie)
    page = after_restart.get("/")
    assert page.status_code == 200 and "我的任务" in page.text
    assert key_file.read_bytes().strip() == web_world.config.secret  # not made again

    secret = web_world.config.secret.decode()
    with transaction(web_world.engine) as session:
        for h in session.exec(select(HistoryEntry)):
            assert secret not in f"{h.old_value}{h.new_value}{h.note}"
        for n in session.exec(select(Notice)):
            assert secret not in f"{n.body_text}{n.body_html}{n.body_md}"


def test_a_given_key_is_used_and_no_file_is_made(web_world, monkeypatch, tmp_path):
    monkeypatch.setenv("RECTIFY_WEB_SECRET", "a-key-the-operator-keeps-in-a-vault-0123456789")
    settings = dataclasses.replace(web_world.config.settings, data_dir=tmp_path / "fresh")
    refusing = _restarted(web_world, settings)
    assert not (tmp_path / "fresh" / "web-session-secret").exists()
    # A cookie signed with the data folder's key does not pass under the given one.
    stranger = web_world.login("陈某").cookies[SESSION_COOKIE]
    refusing.cookies.set(SESSION_COOKIE, stranger)
    assert refusing.get("/").status_code == 303
    # Signing in under the given key works, and a second process with the same key agrees.
    given = _restarted(web_world, settings)
    page = given.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    signed = given.post(
        "/login", data={"username": "陈某", "password": PASSWORD, "csrf_token": token}
    )
    assert signed.status_code == 303
    other = _restarted(web_world, settings)
    other.cookies.set(SESSION_COOKIE, given.cookies[SESSION_COOKIE])
    assert other.get("/").status_code == 200
