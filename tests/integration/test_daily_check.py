"""The daily deadline check end to end: real database, real loopback HTTP and SMTP receivers."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from models.outbox import Notice
from notifications.daily import plan_daily_check, run_daily_check
from notifications.delivery import deliver_pending
from tests.fixtures.notify import (
    HttpReceiver,
    SmtpServer,
    TaskSpec,
    at_nine,
    build_ledger,
    notify_settings,
    write_apprise_config,
)

MONDAY = date(2026, 10, 26)  # first working day after Friday 10/23


def overdue_ledger(engine: sa.Engine) -> list[int]:
    return build_ledger(
        engine,
        [
            TaskSpec(
                "建立项目资金台账,逐笔核对拨付情况",
                "财务处",
                date(2026, 10, 23),
                ["审计处"],
                leader="王副县长",
                person="李明",
            ),
            TaskSpec("完善项目验收制度", "财务处", date(2026, 10, 23), leader="王副县长"),
            TaskSpec("清理闲置扶贫资产", "农业农村局", date(2026, 12, 31), leader="赵副县长"),
        ],
        registered=date(2026, 9, 1),
    )


def routes_to(receiver: HttpReceiver, *tags: str) -> dict[str, list[str]]:
    return {receiver.url(f"to/{i}"): [tag] for i, tag in enumerate(tags)}


def notice_rows(engine: sa.Engine) -> list[sa.Row]:
    """The reminders in the outbox (not the 新任务交办 digests the registration wrote)."""
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT kind, recipient, status, attempts, last_error FROM notice"
                " WHERE kind <> 'assign' ORDER BY kind, recipient"
            )
        ).all()


def test_overdue_tasks_reach_each_unit_and_leader_as_one_digest_with_chinese_text_intact(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    overdue_ledger(engine)
    config = write_apprise_config(
        tmp_path / "apprise.yml", routes_to(http_receiver, "财务处", "审计处", "王副县长")
    )
    settings = notify_settings(tmp_path, database_url, apprise_config=config)

    report = run_daily_check(engine, settings, as_of=MONDAY, now=at_nine(MONDAY))

    posts = {p.path: p for p in http_receiver.received()}
    assert report.plan.planned == 3 and report.delivery is not None and report.delivery.sent == 3
    finance = posts["/to/0"]
    assert finance.title == "【催办通知】2项整改任务已逾期未完成"
    assert "财务处:" in finance.body
    assert "1. 任务1.1:建立项目资金台账,逐笔核对拨付情况\n" in finance.body
    assert "整改时限:2026年10月23日(已逾期1个工作日)" in finance.body
    assert "2. 任务1.2:完善项目验收制度" in finance.body
    assert "任务1.1" in posts["/to/1"].body and "任务1.2" not in posts["/to/1"].body
    assert "责任领导:王副县长" in posts["/to/2"].body
    assert report.plan.recipients_without_channel == []


def test_email_digest_arrives_as_html_with_the_task_table(
    engine: sa.Engine, database_url: str, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    overdue_ledger(engine)
    config = write_apprise_config(
        tmp_path / "apprise.yml",
        {
            smtp_server.url("caiwu@example.cn"): ["财务处"],
            smtp_server.url("wang@example.cn"): ["王副县长", "审计处"],
        },
    )
    settings = notify_settings(tmp_path, database_url, apprise_config=config)

    report = run_daily_check(engine, settings, as_of=MONDAY, now=at_nine(MONDAY))

    assert report.delivery is not None and report.delivery.sent == 3
    mails = {(m.envelope_to[0], m.subject) for m in smtp_server.messages}
    assert ("caiwu@example.cn", "【催办通知】2项整改任务已逾期未完成") in mails
    finance = next(m for m in smtp_server.messages if m.envelope_to == ["caiwu@example.cn"])
    html = finance.part("html")
    assert '<h3 style="text-align:center">催办通知</h3>' in html
    assert "<td>建立项目资金台账,逐笔核对拨付情况</td>" in html
    assert "<td>已逾期1个工作日</td>" in html


def test_a_rerun_on_the_same_day_sends_nothing_new(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    overdue_ledger(engine)
    config = write_apprise_config(
        tmp_path / "a.yml", routes_to(http_receiver, "财务处", "审计处", "王副县长")
    )
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    run_daily_check(engine, settings, as_of=MONDAY, now=at_nine(MONDAY))

    again = run_daily_check(
        engine, settings, as_of=MONDAY, now=at_nine(MONDAY) + timedelta(hours=2)
    )

    assert again.plan.planned == 0
    assert again.delivery is not None and again.delivery.sent == 0
    assert len(http_receiver.received()) == 3


def test_two_runs_at_once_send_each_notice_exactly_once(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    overdue_ledger(engine)
    config = write_apprise_config(
        tmp_path / "a.yml", routes_to(http_receiver, "财务处", "审计处", "王副县长")
    )
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    barrier = threading.Barrier(2)
    reports = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            reports.append(run_daily_check(engine, settings, as_of=MONDAY, now=at_nine(MONDAY)))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sorted(p.path for p in http_receiver.received()) == ["/to/0", "/to/1", "/to/2"]
    assert sum(r.plan.planned for r in reports) == 3
    assert sum(r.delivery.sent for r in reports if r.delivery) == 3


def test_a_receiver_answering_500_leaves_the_notice_pending_and_the_next_run_sends_it(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    overdue_ledger(engine)
    config = write_apprise_config(
        tmp_path / "a.yml", {http_receiver.url("all"): ["财务处", "审计处", "王副县长"]}
    )
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    http_receiver.fail_next = 100

    first = run_daily_check(engine, settings, as_of=MONDAY, now=at_nine(MONDAY))

    assert first.delivery is not None and (first.delivery.sent, first.delivery.retrying) == (0, 3)
    rows = notice_rows(engine)
    assert {r.status for r in rows} == {"pending"} and {r.attempts for r in rows} == {1}
    assert all("500" in r.last_error or "Internal Server Error" in r.last_error for r in rows)

    http_receiver.fail_next = 0
    second = run_daily_check(
        engine, settings, as_of=MONDAY + timedelta(days=1), now=at_nine(MONDAY + timedelta(days=1))
    )

    assert second.delivery is not None and second.delivery.sent == 3
    assert len(http_receiver.received()) == 3
    assert {r.status for r in notice_rows(engine)} == {"sent"}


def test_a_crash_between_planning_and_delivery_is_delivered_by_the_next_run(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    overdue_ledger(engine)
    config = write_apprise_config(
        tmp_path / "a.yml", routes_to(http_receiver, "财务处", "审计处", "王副县长")
    )
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    plan_daily_check(engine, settings, as_of=MONDAY, now=at_nine(MONDAY))  # then the process dies
    assert http_receiver.received() == []

    later = run_daily_check(
        engine, settings, as_of=MONDAY, now=at_nine(MONDAY) + timedelta(minutes=30)
    )

    assert later.plan.planned == 0
    assert later.delivery is not None and later.delivery.sent == 3
    assert len(http_receiver.received()) == 3


def test_a_notice_left_sending_by_a_crashed_run_is_sent_once_its_lease_runs_out(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    overdue_ledger(engine)
    config = write_apprise_config(
        tmp_path / "a.yml", routes_to(http_receiver, "财务处", "审计处", "王副县长")
    )
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    now = at_nine(MONDAY)
    plan_daily_check(engine, settings, as_of=MONDAY, now=now)
    lease = timedelta(seconds=settings.notify.lease_seconds)

    def crashed(claimed_ago: timedelta) -> None:  # a run claimed everything, then died
        claimed_at = datetime.now(UTC) - claimed_ago
        with engine.begin() as conn:
            conn.execute(
                sa.update(Notice).values(
                    status="sending", claimed_at=claimed_at, claim_token="dead"
                )
            )

    crashed(lease - timedelta(seconds=30))
    within_lease = deliver_pending(engine, settings, now=now)
    crashed(lease + timedelta(seconds=1))
    after_lease = deliver_pending(engine, settings, now=now)

    assert (within_lease.claimed, after_lease.sent) == (0, 3)
    assert len(http_receiver.received()) == 3


def test_a_recipient_without_a_channel_is_named_in_the_report_never_dropped(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    overdue_ledger(engine)
    config = write_apprise_config(tmp_path / "a.yml", routes_to(http_receiver, "财务处"))
    settings = notify_settings(tmp_path, database_url, apprise_config=config)

    report = run_daily_check(engine, settings, as_of=MONDAY, now=at_nine(MONDAY))

    assert report.plan.recipients_without_channel == ["审计处", "王副县长"]
    assert report.delivery is not None and sorted(report.delivery.skipped_no_channel) == [
        "审计处",
        "王副县长",
    ]
    waiting = [r for r in notice_rows(engine) if r.recipient != "财务处"]
    assert {(r.status, r.attempts) for r in waiting} == {("waiting", 0)}
    assert all("未配置通知渠道" in r.last_error for r in waiting)


def test_nothing_is_planned_on_a_public_holiday(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    build_ledger(
        engine, [TaskSpec("整改事项", "财务处", date(2026, 9, 28))], registered=date(2026, 9, 1)
    )
    settings = notify_settings(tmp_path, database_url)

    report = plan_daily_check(
        engine, settings, as_of=date(2026, 10, 2), now=at_nine(date(2026, 10, 2))
    )

    assert (report.is_workday, report.planned) == (False, 0)
    assert "非工作日" in report.message
    assert notice_rows(engine) == []


def test_supervision_orders_are_numbered_per_year_and_named_in_the_notice(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    build_ledger(
        engine,
        [
            TaskSpec("规范项目招投标", "财务处", date(2026, 10, 9), leader="王副县长"),
            TaskSpec("追回违规资金", "审计处", date(2026, 10, 9), leader="王副县长"),
        ],
        registered=date(2026, 9, 1),
    )
    settings = notify_settings(tmp_path, database_url)
    day = date(2026, 10, 23)  # 11 working days after 10/9 (10/10 is a make-up Saturday)

    report = run_daily_check(engine, settings, as_of=day, now=at_nine(day))

    assert report.plan.supervision_orders == ["督办〔2026〕1号", "督办〔2026〕2号"]
    leader_files = sorted((tmp_path / "data" / "notices" / "王副县长").glob("*.txt"))
    text = leader_files[0].read_text(encoding="utf-8")
    assert text.startswith("【督办通知单(抄送)】督办〔2026〕1号等2份\n")
    assert "督办〔2026〕2号\n   任务:1.2 追回违规资金" in text
    assert "逾期:11个工作日" in text and "回复时限:2026年10月28日前书面回复" in text
    office = sorted((tmp_path / "data" / "notices" / "office").glob("*.txt"))
    assert len(office) == 1 and "整改办(存档):" in office[0].read_text(encoding="utf-8")
    lead = sorted((tmp_path / "data" / "notices" / "财务处").glob("*.txt"))
    assert [f.name for f in lead if "督办" in f.name] == ["0001-【督办通知单】督办〔2026〕1号.txt"]
    with engine.connect() as conn:
        history = (
            conn.execute(
                sa.text("SELECT new_value FROM history WHERE action='supervise' ORDER BY id")
            )
            .scalars()
            .all()
        )
    assert history == ["督办〔2026〕1号", "督办〔2026〕2号"]


def test_a_dry_run_renders_the_digests_and_writes_or_sends_nothing(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    overdue_ledger(engine)
    settings = notify_settings(tmp_path, database_url)

    report = run_daily_check(engine, settings, as_of=MONDAY, now=at_nine(MONDAY), dry_run=True)

    assert [d.recipient for d in report.plan.drafts] == ["审计处", "王副县长", "财务处"]
    assert report.plan.drafts[2].title == "【催办通知】2项整改任务已逾期未完成"
    assert notice_rows(engine) == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM remindermark")).scalar() == 0
    assert not (tmp_path / "data" / "notices").exists()


def test_a_unit_with_120_overdue_tasks_gets_one_notice_listing_the_50_most_overdue(
    engine: sa.Engine, database_url: str, tmp_path: Path
) -> None:
    # Deadlines on the ten working days 10/12..10/23: overdue by 10 down to 1 on MONDAY.
    days = [date(2026, 10, 12) + timedelta(days=d) for d in range(12)]
    deadlines = [d for d in days if d.weekday() < 5]
    ids = build_ledger(
        engine,
        [TaskSpec(f"整改措施第{i}项", "财务处", deadlines[i % len(deadlines)]) for i in range(120)],
        registered=date(2026, 9, 1),
    )
    settings = notify_settings(tmp_path, database_url)

    report = plan_daily_check(engine, settings, as_of=MONDAY, now=at_nine(MONDAY))

    assert report.planned == 1 and report.steps_marked == 120
    with engine.connect() as conn:
        title, text, task_ids = conn.execute(
            sa.text("SELECT title, body_text, task_ids FROM notice WHERE kind = 'urge'")
        ).one()
    assert title == "【催办通知】120项整改任务已逾期未完成"
    listed = [line for line in text.splitlines() if "整改时限:" in line]
    assert len(listed) == 50
    # The most overdue first: the twelve tasks due 10/12 lead the list.
    assert all("已逾期10个工作日" in line for line in listed[:12])
    assert "已逾期9个工作日" in listed[12]
    assert "另有70项,请登录系统查看完整台账" in text
    stored = task_ids if isinstance(task_ids, list) else json.loads(task_ids)
    assert sorted(stored) == sorted(ids)
