"""Quiet hours end to end: notices written at night or on a holiday wait for 08:00 of the next
working day, then go out to a real loopback receiver. The clock is passed in; nothing sleeps."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ledger import lifecycle, registry
from ledger.actors import resolve_actor
from ledger.inputs import UserCreate
from ledger.uow import transaction
from models.enums import Role
from models.outbox import Notice
from models.settings import NotifySettings, Settings
from notifications.daily import run_daily_check
from notifications.delivery import deliver_pending
from tests.builders import OFFICE
from tests.fixtures.notify import (
    HttpReceiver,
    TaskSpec,
    build_ledger,
    notify_settings,
    write_apprise_config,
)

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 10, 26)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ).astimezone(UTC)


def office_hours(settings: Settings) -> Settings:
    return replace(settings, notify=NotifySettings(send_from="08:00", send_until="20:00"))


def pending_at(engine: sa.Engine, kind: str) -> list[datetime]:
    table = Notice.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(table.c.next_attempt_at).where(
                table.c.kind == kind, table.c.status == "pending"
            )
        ).scalars()
        return [r if r.tzinfo else r.replace(tzinfo=UTC) for r in rows]


def test_a_check_run_before_eight_queues_its_digests_for_eight_and_sends_them_then(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    build_ledger(
        engine,
        [TaskSpec("建立项目资金台账", "财务处", date(2026, 10, 23), leader="王副县长")],
        registered=date(2026, 9, 1),
    )
    config = write_apprise_config(
        tmp_path / "a.yml", {http_receiver.url("all"): ["财务处", "王副县长"]}
    )
    settings = office_hours(notify_settings(tmp_path, database_url, apprise_config=config))

    early = run_daily_check(engine, settings, as_of=MONDAY, now=local(MONDAY, 7))

    assert early.plan.planned == 2 and http_receiver.received() == []
    assert early.delivery is not None and early.delivery.quiet_until == local(MONDAY, 8)
    assert "2026年10月26日8:00起发出" in early.delivery.summary()
    assert pending_at(engine, "urge") == [local(MONDAY, 8)] * 2

    still_early = deliver_pending(engine, settings, now=local(MONDAY, 7, 59))
    assert still_early.claimed == 0 and http_receiver.received() == []

    at_eight = deliver_pending(engine, settings, now=local(MONDAY, 8))

    assert at_eight.sent == 2 and at_eight.quiet_until is None
    assert (
        sorted(p.title for p in http_receiver.received())
        == ["【催办通知】1项整改任务已逾期未完成"] * 2
    )


def test_a_return_decided_on_friday_night_reaches_the_unit_at_eight_on_monday(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    (task_id,) = build_ledger(
        engine, [TaskSpec("建立项目资金台账", "财务处", date(2026, 12, 31))], registered=MONDAY
    )
    with transaction(engine) as s:
        registry.add_user(
            UserCreate(name="李明", role=Role.unit, unit="财务处"),
            session=s,
            actor=OFFICE,
            now=local(MONDAY, 9),
        )
    with transaction(engine) as s:
        worker = resolve_actor(s, "李明")
    friday, saturday, next_monday = date(2026, 10, 30), date(2026, 10, 31), date(2026, 11, 2)
    with transaction(engine) as s:
        lifecycle.submit_for_closure(
            task_id,
            summary="台账已建立",
            no_evidence_reason="制度文件已公开",
            session=s,
            actor=worker,
            now=local(friday, 15),
            evidence_store=tmp_path / "evidence",
        )
    with transaction(engine) as s:
        lifecycle.return_for_rework(
            task_id, reason="缺少核查记录", session=s, actor=OFFICE, now=local(friday, 21)
        )
    config = write_apprise_config(tmp_path / "a.yml", {http_receiver.url("unit"): ["财务处"]})
    settings = office_hours(notify_settings(tmp_path, database_url, apprise_config=config))

    at_night = deliver_pending(engine, settings, now=local(friday, 21, 5))
    on_saturday = deliver_pending(engine, settings, now=local(saturday, 10))

    assert (at_night.claimed, on_saturday.claimed) == (0, 0)
    assert on_saturday.quiet_until == local(next_monday, 8)
    assert http_receiver.received() == []
    assert pending_at(engine, "return") == [local(next_monday, 8)]

    monday = deliver_pending(engine, settings, now=local(next_monday, 8))

    assert monday.sent == 1
    (post,) = http_receiver.received()
    assert "缺少核查记录" in post.body


def test_without_quiet_hours_a_notice_written_at_night_goes_at_once(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    build_ledger(
        engine,
        [TaskSpec("建立项目资金台账", "财务处", date(2026, 10, 23))],
        registered=date(2026, 9, 1),
    )
    config = write_apprise_config(tmp_path / "a.yml", {http_receiver.url("all"): ["财务处"]})
    settings = notify_settings(tmp_path, database_url, apprise_config=config)

    report = run_daily_check(engine, settings, as_of=MONDAY, now=local(MONDAY, 23))

    assert report.delivery is not None and report.delivery.sent == 1
    assert report.delivery.quiet_until is None
