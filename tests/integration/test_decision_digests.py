"""新任务交办 and 任务调整: one digest per unit and day, written with the registration or import
that assigns or moves the tasks, sent from the next day on to a loopback receiver."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from ledger.actors import Actor
from ledger.importing import RoundFields, import_ledger
from ledger.uow import transaction
from models.enums import Role
from models.rules import Rules
from models.workdays import WorkCalendar
from notifications.delivery import deliver_pending
from tests.fixtures.ledger_io import LedgerSpec, write_csv
from tests.fixtures.notify import HttpReceiver, notify_settings, write_apprise_config

OFFICE = Actor(name="整改办", role=Role.office)
# 2026-11-02 10:00 in Asia/Shanghai, a Monday.
NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
ROUND = RoundFields(
    body="县委第一巡察组", feedback_date=date(2026, 10, 15), title="县委第一巡察组反馈问题整改"
)


def run_import(engine: sa.Engine, path: Path, *, now: datetime, **kw: object) -> None:
    with transaction(engine) as session:
        import_ledger(
            path,
            session=session,
            actor=OFFICE,
            now=now,
            today=now.date(),
            rules=Rules(),
            calendar=WorkCalendar(),
            **kw,  # type: ignore[arg-type]
        )


def notices(engine: sa.Engine, kind: str) -> list[sa.Row]:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT recipient, period, status, task_ids FROM notice WHERE kind = :k"
                " ORDER BY recipient"
            ),
            {"k": kind},
        ).all()


def test_an_imported_ledger_reaches_each_unit_as_one_digest_the_next_day(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    spec = LedgerSpec()
    run_import(engine, write_csv(tmp_path / "v1.csv", spec), now=NOW, round_fields=ROUND)
    config = write_apprise_config(
        tmp_path / "a.yml",
        {http_receiver.url("keji"): ["县科技局"], http_receiver.url("renshe"): ["县人社局"]},
    )
    settings = notify_settings(tmp_path, database_url, apprise_config=config)

    same_day = deliver_pending(engine, settings, now=NOW + timedelta(hours=8))
    assert same_day.claimed == 0 and http_receiver.received() == []

    next_day = NOW + timedelta(days=1)
    deliver_pending(engine, settings, now=next_day)
    deliver_pending(engine, settings, now=next_day + timedelta(hours=1))

    keji = [p for p in http_receiver.received() if p.path == "/keji"]
    assert len(keji) == 1
    assert keji[0].title.startswith("【新任务交办】2026年11月2日交办")
    assert "建立科技项目资金拨付台账" in keji[0].body
    assert "修订科技特派员考核办法" in keji[0].body
    # The co-unit hears of the task it works on, in its own digest.
    renshe = [p for p in http_receiver.received() if p.path == "/renshe"]
    assert len(renshe) == 1 and "修订科技特派员考核办法" in renshe[0].body
    assert "建立科技项目资金拨付台账" not in renshe[0].body


def test_a_reimport_that_moves_a_task_tells_the_new_and_the_former_unit(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    spec = LedgerSpec()
    run_import(engine, write_csv(tmp_path / "v1.csv", spec), now=NOW, round_fields=ROUND)
    with engine.connect() as conn:
        inspection_id = conn.execute(sa.text("SELECT id FROM inspection")).scalar_one()
    spec.rows[0][4] = "县财政局"  # 1.1 moves from 县科技局 to 县财政局
    spec.rows[0][7] = "2027-02-28"
    later = NOW + timedelta(days=3)
    run_import(engine, write_csv(tmp_path / "v2.csv", spec), now=later, inspection_id=inspection_id)
    run_import(engine, write_csv(tmp_path / "v2.csv", spec), now=later, inspection_id=inspection_id)

    adjusted = notices(engine, "adjust")
    assert [(r.recipient, r.period, r.status) for r in adjusted] == [
        ("县科技局", "2026-11-05", "draft"),
        ("县财政局", "2026-11-05", "draft"),
        ("财务股", "2026-11-05", "draft"),
    ]
    config = write_apprise_config(tmp_path / "a.yml", {http_receiver.url("caizheng"): ["县财政局"]})
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    deliver_pending(engine, settings, now=later + timedelta(days=1))

    [post] = http_receiver.received()
    assert post.title == "【任务调整】2026年11月5日1项整改任务有调整"
    assert "牵头单位:县科技局 → 县财政局" in post.body
    assert "整改时限:2026-12-31 → 2027-02-28" in post.body
    assert "调整依据:导入台账 v2.csv" in post.body
