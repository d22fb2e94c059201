"""The office cannot be locked out, and history says where each change came from."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from ledger import lifecycle, registry
from ledger.actors import LOCAL_OPERATOR, WEB, resolve_actor
from ledger.errors import ForbiddenError, InvalidInputError
from ledger.inputs import UserCreate
from ledger.uow import transaction
from ledger.users import set_active
from models.enums import Role
from models.tables import HistoryEntry
from tests.builders import NOW, OFFICE, build_sample_round
from tests.conftest import Cli


def test_a_unit_user_registered_first_leaves_the_local_operator_the_office(
    engine: sa.Engine,
) -> None:
    build_sample_round(engine)
    with transaction(engine) as s:
        operator = resolve_actor(s, None)
        registry.add_user(
            UserCreate(name="陈某", role=Role.unit, unit="县科技局"),
            session=s,
            actor=operator,
            now=NOW,
        )
    with transaction(engine) as s:
        still = resolve_actor(s, None)
        assert still.name == LOCAL_OPERATOR and still.is_office
        assert resolve_actor(s, "陈某").role is Role.unit  # a registered user is who they are
        registry.add_user(
            UserCreate(name="周主任", role=Role.office), session=s, actor=still, now=NOW
        )
    with transaction(engine) as s, pytest.raises(ForbiddenError, match="须说明操作人"):
        resolve_actor(s, None)  # an office user exists: nobody unnamed acts as the office


def test_the_last_active_office_user_cannot_be_deactivated(engine: sa.Engine) -> None:
    with transaction(engine) as s:
        registry.add_user(
            UserCreate(name="周主任", role=Role.office), session=s, actor=OFFICE, now=NOW
        )
    with transaction(engine) as s, pytest.raises(InvalidInputError) as err:
        set_active("周主任", False, session=s, actor=resolve_actor(s, "周主任"), now=NOW)
    assert err.value.message == (
        "“周主任”是最后一名启用的整改办用户,停用后将无人能登记或启用用户;请先登记另一名整改办用户"
    )
    with transaction(engine) as s:
        zhou = resolve_actor(s, "周主任")
        registry.add_user(
            UserCreate(name="吴科长", role=Role.office), session=s, actor=zhou, now=NOW
        )
        set_active("周主任", False, session=s, actor=zhou, now=NOW)
    with transaction(engine) as s:
        with pytest.raises(ForbiddenError, match="已停用"):
            resolve_actor(s, "周主任")
        with pytest.raises(InvalidInputError, match="最后一名"):
            set_active("吴科长", False, session=s, actor=resolve_actor(s, "吴科长"), now=NOW)


def test_a_change_made_through_the_web_records_the_web_channel(
    engine: sa.Engine, tmp_path: Path
) -> None:
    task_id = build_sample_round(engine).task_ids[0]
    with transaction(engine) as s:
        lifecycle.report_progress(
            task_id,
            text="已建立台账",
            session=s,
            actor=OFFICE.via(WEB),
            now=NOW,
            evidence_store=tmp_path,
        )
    with transaction(engine) as s:
        rows = s.exec(select(HistoryEntry).where(HistoryEntry.task_id == task_id)).all()
    made = [(r.action, r.channel) for r in rows if r.at == NOW and r.action != "register"]
    assert made and all(channel == "web" for _action, channel in made)
    assert [r.channel for r in rows if r.action == "register"] == [""]  # built without a channel


def test_the_command_line_records_the_os_user_beside_the_claimed_name(
    cli: Cli, engine: sa.Engine
) -> None:
    cli("init", check=True)
    cli("unit", "add", "县科技局", check=True)
    cli("user", "add", "周主任", "--role", "office", check=True)
    cli("user", "add", "吴科长", "--role", "office", user="周主任", check=True)
    assert cli("user", "disable", "吴科长", user="周主任", check=True).out == "已停用用户 吴科长\n"
    refused = cli("user", "disable", "周主任", user="周主任")
    assert refused.code == 1 and "最后一名启用的整改办用户" in refused.err
    with engine.connect() as conn:
        history = conn.execute(
            sa.text("SELECT actor, action, channel FROM history ORDER BY id")
        ).all()
    me = f"cli:{getpass.getuser()}"
    assert [tuple(r) for r in history] == [
        ("本地管理员", "register", me),
        ("本地管理员", "register", me),
        ("周主任", "register", me),
        ("周主任", "deactivate", me),
    ]
