"""Migration 0002 (web accounts) upgrades a database made by 0001 that has users in it."""

from __future__ import annotations

import sqlalchemy as sa

from models.db import make_engine
from tests.fixtures.migrations import migrate


def test_users_of_0001_can_sign_in_once_given_a_password_after_0002(fresh_url):
    engine = make_engine(fresh_url)
    try:
        migrate(engine, "0001")
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO unit (id, name) VALUES (1, '县科技局')"))
            conn.execute(
                sa.text(
                    'INSERT INTO "user" (id, name, role, unit_id) VALUES '
                    "(1, '陈某', 'unit', 1), (2, '周主任', 'office', NULL)"
                )
            )
        migrate(engine, "0002")
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
