"""Migration 0002 (web accounts) upgrades a database made by 0001 that has users in it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from models.db import alembic_config, make_engine


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    server = request.getfixturevalue("postgres_server_url")
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    name = f"rectify_mig_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield admin.url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _upgrade(engine: sa.Engine, revision: str) -> None:
    with engine.begin() as connection:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def test_users_of_0001_can_sign_in_once_given_a_password_after_0002(empty_database):
    engine = make_engine(empty_database)
    try:
        _upgrade(engine, "0001")
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO unit (id, name) VALUES (1, '县科技局')"))
            conn.execute(
                sa.text(
                    'INSERT INTO "user" (id, name, role, unit_id) VALUES '
                    "(1, '陈某', 'unit', 1), (2, '周主任', 'office', NULL)"
                )
            )
        _upgrade(engine, "0002")
        with engine.connect() as conn:
            # At 0002 (later migrations may follow; SCHEMA_HEAD is then newer).
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
            assert version == "0002"
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT name, role, unit_id, password_hash, active, failed_logins, locked_until "
                    'FROM "user" ORDER BY id'
                )
            ).all()
            sessions = conn.execute(sa.text("SELECT count(*) FROM web_session")).scalar_one()
        assert [tuple(r) for r in rows] == [
            ("陈某", "unit", 1, None, True, 0, None),
            ("周主任", "office", None, None, True, 0, None),
        ]
        assert sessions == 0
    finally:
        engine.dispose()
