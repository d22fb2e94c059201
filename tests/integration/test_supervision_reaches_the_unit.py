"""The 督办 reaches who must act: the lead unit receives its 督办通知单 (addressed to it, with
its number); the leader and the office receive copies, the office's addressed to itself
and signed by it. Loopback receivers, both backends."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa

from notifications.daily import run_daily_check
from tests.fixtures.notify import (
    HttpReceiver,
    TaskSpec,
    at_nine,
    build_ledger,
    notify_settings,
    write_apprise_config,
)

DAY = date(2026, 10, 23)  # 11 working days after 10/9 (10/10 is a make-up Saturday)


def test_each_lead_unit_receives_its_own_order_and_the_leader_and_office_a_copy(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    build_ledger(
        engine,
        [
            TaskSpec("规范项目招投标", "财务处", date(2026, 10, 9), leader="王副县长"),
            TaskSpec("追回违规资金", "审计处", date(2026, 10, 9), leader="王副县长"),
        ],
        registered=date(2026, 9, 1),
    )
    config = write_apprise_config(
        tmp_path / "a.yml",
        {
            http_receiver.url("caiwu"): ["财务处"],
            http_receiver.url("shenji"): ["审计处"],
            http_receiver.url("leader"): ["王副县长"],
            http_receiver.url("office"): ["office"],
        },
    )
    settings = notify_settings(tmp_path, database_url, apprise_config=config)

    report = run_daily_check(engine, settings, as_of=DAY, now=at_nine(DAY))
    again = run_daily_check(engine, settings, as_of=DAY, now=at_nine(DAY))

    assert report.plan.supervision_orders == ["督办〔2026〕1号", "督办〔2026〕2号"]
    assert again.plan.planned == 0
    posts = {p.path: p for p in http_receiver.received()}
    assert sorted(posts) == ["/caiwu", "/leader", "/office", "/shenji"]
    assert len(http_receiver.received()) == 4  # the rerun sent nothing

    caiwu = posts["/caiwu"]
    assert caiwu.title == "【督办通知单】督办〔2026〕1号"
    assert "\n财务处:\n" in caiwu.body and "你单位牵头的以下1项整改任务" in caiwu.body
    assert "规范项目招投标" in caiwu.body and "追回违规资金" not in caiwu.body
    shenji = posts["/shenji"]
    assert shenji.title == "【督办通知单】督办〔2026〕2号" and "\n审计处:\n" in shenji.body

    leader = posts["/leader"]
    assert leader.title == "【督办通知单(抄送)】督办〔2026〕1号等2份"
    assert "\n王副县长:\n" in leader.body and "现抄送你处" in leader.body

    office = posts["/office"]
    assert office.title == "【督办通知单(存档)】督办〔2026〕1号等2份"
    assert "\n整改办(存档):\n" in office.body and "本办于2026年10月23日" in office.body
    assert office.body.rstrip().endswith("整改办\n2026年10月23日")

    # Each 督办通知单 points at the notice of the unit it is addressed to.
    with engine.connect() as conn:
        linked = conn.execute(
            sa.text(
                "SELECT o.number, n.recipient FROM supervisionorder o"
                " JOIN notice n ON n.id = o.notice_id ORDER BY o.number"
            )
        ).all()
    assert [tuple(r) for r in linked] == [(1, "财务处"), (2, "审计处")]
