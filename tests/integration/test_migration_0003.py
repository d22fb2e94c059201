"""Migration 0003 keeps every row of a 0002 database and adds the correction marks empty."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from models.db import alembic_config, make_engine, schema_is_current, upgrade_schema


def _drop_everything(engine: sa.Engine) -> None:
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:
            metadata.drop_all(conn)


def test_a_0002_database_with_rows_upgrades_with_its_rows_intact(database_url):
    engine = make_engine(database_url)
    _drop_everything(engine)
    with engine.begin() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    now = "2026-11-01 08:00:00+00:00"
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO unit (id, name) VALUES (1, '县科技局')"))
        conn.execute(
            sa.text(
                "INSERT INTO inspection (id, source_kind, body, subject, inspected_org,"
                " feedback_date, plan_doc_no, title, created_at) VALUES (1, '巡察', '县委第一巡察组',"
                " '', '县科技局', '2026-10-15', '', '县委第一巡察组反馈问题整改', :now)"
            ),
            {"now": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO problem (id, inspection_id, seq, serial, category, description, goal)"
                " VALUES (1, 1, 1, '1', '', '资金拨付滞后', '')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO task (id, inspection_id, problem_id, code, measure, lead_unit_id,"
                " leader, person, kind, deadline, original_deadline, status, version, note,"
                " created_at, updated_at) VALUES (1, 1, 1, '1.1', '建立拨付台账', 1, '', '',"
                " 'dated', '2026-12-31', '2026-12-31', 'in_progress', 2, '', :now, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO progressreport (id, task_id, kind, actor, reported_at, text, issues,"
                " next_steps, no_evidence_reason) VALUES (1, 1, 'progress', '陈某', :now,"
                " '已建立台账', '', '', '')"
            ),
            {"now": now},
        )
    upgrade_schema(engine)
    assert schema_is_current(engine)
    with engine.connect() as conn:
        inspection = conn.execute(
            sa.text("SELECT title, feedback_date, withdrawn_at FROM inspection")
        ).one()
        task = conn.execute(
            sa.text("SELECT code, measure, status, version, withdrawn_at, extra FROM task")
        ).one()
        report = conn.execute(sa.text("SELECT text, ledger_date FROM progressreport")).one()
    assert inspection[0] == "县委第一巡察组反馈问题整改"
    assert str(inspection[1]) == "2026-10-15"
    assert inspection[2] is None
    assert tuple(task[:4]) == ("1.1", "建立拨付台账", "in_progress", 2)
    assert task[4] is None and task[5] is None
    assert tuple(report) == ("已建立台账", None)
    # The feedback date may now be unknown.
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE inspection SET feedback_date = NULL"))
        assert conn.execute(sa.text("SELECT feedback_date FROM inspection")).scalar() is None
    engine.dispose()
