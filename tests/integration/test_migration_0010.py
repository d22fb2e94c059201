"""Migration 0010 (签收): a database made by 0009 with tasks in it upgrades; every unit of a
task gets its row; a task with progress counts as signed, one still 待整改 waits to be signed
from the upgrade on."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from models.tables import UTCDateTime
from tests.fixtures.migrations import migrate

PREVIOUS, THIS = "0009", "0010"
REGISTERED = datetime(2026, 10, 8, 1, 0, tzinfo=UTC)
REPORTED = datetime(2026, 10, 20, 2, 30, tzinfo=UTC)
CHANGED = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)


def _table(name: str, *columns: str, times: tuple[str, ...] = ()) -> sa.TableClause:
    return sa.table(
        name, *(sa.column(c) for c in columns), *(sa.column(c, UTCDateTime()) for c in times)
    )


def test_tasks_with_progress_count_as_signed_and_the_others_wait_from_the_upgrade(
    fresh_url: str,  # noqa: F811
) -> None:
    from models.db import make_engine

    engine = make_engine(fresh_url)
    try:
        migrate(engine, PREVIOUS)
        unit = _table("unit", "id", "name")
        inspection = _table(
            "inspection",
            "id",
            "source_kind",
            "body",
            "subject",
            "inspected_org",
            "plan_doc_no",
            "title",
            times=("created_at",),
        )
        problem = _table(
            "problem", "id", "inspection_id", "seq", "serial", "category", "description", "goal"
        )
        task = _table(
            "task",
            "id",
            "inspection_id",
            "problem_id",
            "code",
            "measure",
            "lead_unit_id",
            "leader",
            "person",
            "kind",
            "status",
            "version",
            "note",
            times=("created_at", "updated_at"),
        )
        co_unit = _table("taskcounit", "task_id", "unit_id", "position")
        report = _table(
            "progressreport",
            "task_id",
            "kind",
            "actor",
            "text",
            "issues",
            "next_steps",
            "no_evidence_reason",
            times=("reported_at",),
        )
        with engine.begin() as conn:
            conn.execute(
                unit.insert(),
                [
                    {"id": 1, "name": "县科技局"},
                    {"id": 2, "name": "财务股"},
                    {"id": 3, "name": "局办公室"},
                ],
            )
            conn.execute(
                inspection.insert(),
                {
                    "id": 1,
                    "source_kind": "巡视",
                    "body": "省委第八巡视组",
                    "subject": "",
                    "inspected_org": "",
                    "plan_doc_no": "",
                    "title": "省委第八巡视组反馈问题整改",
                    "created_at": REGISTERED,
                },
            )
            conn.execute(
                problem.insert(),
                {
                    "id": 1,
                    "inspection_id": 1,
                    "seq": 1,
                    "serial": "一",
                    "category": "",
                    "description": "资金拨付滞后",
                    "goal": "",
                },
            )
            # 1.1 待整改, no report (lead + co-unit); 1.2 待整改 with an imported report;
            # 1.3 整改中 (its report lost to nothing: the status says it has progress); 1.4 已销号.
            conn.execute(
                task.insert(),
                [
                    {
                        "id": i,
                        "inspection_id": 1,
                        "problem_id": 1,
                        "code": f"1.{i}",
                        "measure": f"措施{i}",
                        "lead_unit_id": 1 if i < 4 else 3,
                        "leader": "",
                        "person": "",
                        "kind": "dated",
                        "status": status,
                        "version": 1,
                        "note": "",
                        "created_at": REGISTERED,
                        "updated_at": CHANGED,
                    }
                    for i, status in (
                        (1, "pending"),
                        (2, "pending"),
                        (3, "in_progress"),
                        (4, "closed"),
                    )
                ],
            )
            conn.execute(co_unit.insert(), {"task_id": 1, "unit_id": 2, "position": 0})
            conn.execute(
                report.insert(),
                {
                    "task_id": 2,
                    "kind": "imported",
                    "actor": "整改办",
                    "text": "已建立台账",
                    "issues": "",
                    "next_steps": "",
                    "no_evidence_reason": "",
                    "reported_at": REPORTED,
                },
            )

        before_upgrade = datetime.now(UTC)
        migrate(engine, THIS)

        ack = _table(
            "acknowledgement",
            "task_id",
            "unit_id",
            "acknowledged_by",
            "reminded_on",
            times=("assigned_at", "acknowledged_at"),
        )
        with engine.connect() as conn:
            rows = {
                (r.task_id, r.unit_id): r
                for r in conn.execute(sa.select(ack).order_by(ack.c.task_id, ack.c.unit_id))
            }
            tasks = conn.execute(sa.text("SELECT count(*) FROM task")).scalar_one()
        assert sorted(rows) == [(1, 1), (1, 2), (2, 1), (3, 1), (4, 3)] and tasks == 4
        waiting = [rows[(1, 1)], rows[(1, 2)]]
        assert all(r.acknowledged_at is None and r.acknowledged_by is None for r in waiting)
        assert all(r.assigned_at >= before_upgrade.replace(microsecond=0) for r in waiting)
        signed = {key: rows[key] for key in ((2, 1), (3, 1), (4, 3))}
        assert signed[(2, 1)].acknowledged_at == REPORTED  # at its first report
        assert signed[(3, 1)].acknowledged_at == CHANGED  # no report: its last change
        assert signed[(4, 3)].acknowledged_at == CHANGED
        assert {r.acknowledged_by for r in signed.values()} == {"(升级前已开展整改,视同签收)"}
        assert all(r.assigned_at == REGISTERED for r in signed.values())
        assert all(r.reminded_on is None for r in rows.values())
    finally:
        engine.dispose()
