"""签收催办 over three weeks of daily checks (2026-09-28 .. 2026-10-16), both backends, with
`acknowledge_urge_workdays = 2`: a unit still unsigned 2 working days after its 签收提醒 is
urged once, and the task's 分管领导 gets a copy.

Worked out by hand (国庆 10/1-10/7, the 调休 Saturday 10/10 is a working day):
  1.1 (财务处, 分管领导 王副县长) and 1.2 (农业农村局, same leader), registered Thu 9/24, are
  not signed within their 2 working days (Mon 9/28, Tue 9/29): both units get their 签收提醒
  on Wed 9/30. The 2 working days after it are Thu 10/8 and Fri 10/9.
  农业农村局 signs at 08:00 on Fri 10/9: never urged.
  财务处 never signs: urged on Sat 10/10 (a working day), its copy to 王副县长 the same day,
  listing 1.1 only; never again on the following working days.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from ledger import registry
from ledger.acknowledge import acknowledge
from ledger.actors import Actor, resolve_actor
from ledger.inputs import UserCreate
from ledger.uow import transaction
from models.enums import Role
from notifications.daily import plan_daily_check
from tests.fixtures.notify import TaskSpec, at_nine, build_ledger, notify_settings

OFFICE = Actor("整改办", Role.office)
REGISTERED = date(2026, 9, 24)
GOLDEN = {
    date(2026, 9, 30): [("acknowledge", "农业农村局", ["1.2"]), ("acknowledge", "财务处", ["1.1"])],
    date(2026, 10, 10): [
        ("acknowledge_urge", "王副县长", ["1.1"]),
        ("acknowledge_urge", "财务处", ["1.1"]),
    ],
}


def test_a_unit_still_unsigned_after_its_reminder_is_urged_once_with_a_copy_to_its_leader(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    task_ids = build_ledger(
        engine,
        [
            TaskSpec("建立扶贫资金台账", "财务处", date(2026, 12, 31), leader="王副县长"),
            TaskSpec("整改项目验收问题", "农业农村局", date(2026, 12, 31), leader="王副县长"),
        ],
        registered=REGISTERED,
        acknowledged=False,
    )
    ids = dict(zip(["1.1", "1.2"], task_ids, strict=True))
    code_of = {v: k for k, v in ids.items()}
    with transaction(engine) as session:
        registry.add_user(
            UserCreate(name="农业员", role=Role.unit, unit="农业农村局"),
            session=session,
            actor=OFFICE,
            now=at_nine(REGISTERED),
        )
    settings = notify_settings(tmp_path, database_url, acknowledge_urge_workdays=2)

    seen: dict[date, list[tuple[str, str, list[str]]]] = {}
    urges = 0
    for offset in range(19):
        day = date(2026, 9, 28) + timedelta(days=offset)
        if day == date(2026, 10, 9):
            with transaction(engine) as session:
                acknowledge(
                    ids["1.2"],
                    session=session,
                    actor=resolve_actor(session, "农业员"),
                    now=at_nine(day) - timedelta(hours=1),
                )
        report = plan_daily_check(engine, settings, as_of=day, now=at_nine(day))
        urges += report.acknowledge_urges
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT kind, recipient, task_ids FROM notice WHERE period = :p"
                    " AND kind IN ('acknowledge', 'acknowledge_urge') ORDER BY kind, recipient"
                ),
                {"p": day.isoformat()},
            ).all()
        if rows:
            seen[day] = [
                (
                    kind,
                    recipient,
                    sorted(code_of[i] for i in (t if isinstance(t, list) else json.loads(t))),
                )
                for kind, recipient, t in rows
            ]

    assert seen == GOLDEN
    assert urges == 2
    with engine.connect() as conn:
        notices = {
            r.recipient: (r.title, r.body_text)
            for r in conn.execute(
                sa.text(
                    "SELECT recipient, title, body_text FROM notice WHERE kind = 'acknowledge_urge'"
                )
            )
        }
    title, body = notices["财务处"]
    assert title == "【签收催办】1项交办的整改任务经提醒仍未签收"
    assert "贵单位在此后2个工作日内仍未签收" in body and "本催办已抄送分管领导" in body
    assert "贵单位为牵头单位,2026年9月24日交办,2026年9月30日已提醒签收" in body
    title, body = notices["王副县长"]
    assert title == "【签收催办(抄送)】1项整改任务的责任单位经提醒仍未签收"
    assert "财务处(牵头单位),2026年9月24日交办,2026年9月30日已提醒签收" in body
