"""The weekly 整改周报 on a real database (SQLite and PostgreSQL) and real receivers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from ledger.summary import weekly_summary
from ledger.uow import transaction
from models.outbox import Notice
from models.rules import Rules
from models.settings import Settings
from models.workdays import WorkCalendar
from notifications.weekly import plan_weekly_summary, render_weekly, run_weekly_summary
from tests.fixtures.notify import HttpReceiver, SmtpServer
from tests.fixtures.weekly import AS_OF, WeeklyLedger

NOW = datetime(2026, 12, 22, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai


def test_weekly_numbers_match_the_ledger(engine: sa.Engine, weekly_ledger: WeeklyLedger) -> None:
    with Session(engine) as session:
        s = weekly_summary(session, as_of=AS_OF, rules=Rules(), calendar=WorkCalendar(), now=NOW)
    assert s.week == "2026-W52" and s.period_text == "2026年12月21日至2026年12月22日"
    assert s.overall.headline == (
        "反馈问题4个,已完成整改0个,基本完成1个,未完成3个,总体完成率0.00%;"
        "整改措施共7项,已销号2项,待销号1项,整改中1项,待整改3项,逾期1项,长期坚持1项,"
        "措施完成率28.57%"
    )
    assert (s.change.newly_closed, s.change.newly_overdue) == (1, 1)
    [round_] = s.rounds
    assert round_.counts.headline == s.overall.headline
    assert (round_.change.newly_closed, round_.change.newly_overdue) == (1, 1)
    assert [(u.rank, u.unit, u.tasks, u.closed, u.overdue, u.completion_text) for u in s.units] == [
        (1, "县科技局", 4, 2, 0, "50.00%"),
        (2, "局办公室", 3, 0, 1, "0.00%"),
    ]
    assert [
        (t.code, t.lead_unit, t.deadline_text, t.days_overdue, t.workdays_overdue)
        for t in s.red_list
    ] == [("4.1", "局办公室", "2026年12月20日", 2, 2)]
    assert s.red_total == 1 and s.failed_total == 0


def test_failed_and_waiting_notices_are_listed_in_the_summary_with_their_totals(
    engine: sa.Engine, weekly_ledger: WeeklyLedger
) -> None:
    with transaction(engine) as session:
        session.add(
            Notice(
                key="remind:刘某:2026-12-01",
                kind="remind",
                recipient="刘某",
                period="2026-12-01",
                status="waiting",
                attempts=0,
                last_error="未配置通知渠道",
                created_at=NOW - timedelta(days=21),
            )
        )
        session.add(
            Notice(
                key="urge:局办公室:2026-12-21",
                kind="urge",
                recipient="局办公室",
                period="2026-12-21",
                status="failed",
                attempts=5,
                last_error="json://127.0.0.1:9/ 连接被拒绝",
                created_at=NOW - timedelta(days=1),
            )
        )
    with Session(engine) as session:
        s = weekly_summary(session, as_of=AS_OF, rules=Rules(), calendar=WorkCalendar(), now=NOW)
    assert (s.failed_total, s.waiting_total, s.undelivered_total) == (1, 1, 2)
    failed, waiting = s.failed_notices  # the latest first
    assert (failed.kind_label, failed.recipient, failed.attempts) == ("催办", "局办公室", 5)
    assert failed.last_error == "json://127.0.0.1:9/ 连接被拒绝"
    assert (waiting.kind_label, waiting.recipient, waiting.status_label) == (
        "提醒",
        "刘某",
        "未配置通知渠道",
    )
    text = render_weekly(s, chart=None).text
    assert "共2条通知未能送达:发送失败1条(多次发送失败,已停止重试),未配置通知渠道1条" in text
    assert (
        "1. 催办 → 局办公室(2026-12-21,发送失败,已尝试5次):json://127.0.0.1:9/ 连接被拒绝" in text
    )
    assert "2. 提醒 → 刘某(2026-12-01,未配置通知渠道,已尝试0次):未配置通知渠道" in text


def test_summary_reaches_office_and_leaders_with_the_chart_and_only_once_a_week(
    engine: sa.Engine,
    weekly_ledger: WeeklyLedger,
    weekly_settings: Callable[..., Settings],
    smtp_server: SmtpServer,
    http_receiver: HttpReceiver,
) -> None:
    settings = weekly_settings(
        {
            "office": smtp_server.url("zhenggaiban@example.com"),
            "李局长": smtp_server.url("li@example.com"),
            "王副局长": http_receiver.url("wang"),
        }
    )
    report = run_weekly_summary(engine, settings, as_of=AS_OF, now=NOW)
    counts = report.counts()
    assert (counts["recipients"], counts["planned"], counts["sent"], counts["duplicates"]) == (
        4,
        4,
        3,
        0,
    )
    assert counts["recipients_without_channel"] == [
        "张书记"
    ]  # a leader user nobody configured a channel for

    mails = {m.envelope_to[0]: m for m in smtp_server.messages}
    assert set(mails) == {"zhenggaiban@example.com", "li@example.com"}
    mail = mails["li@example.com"]
    assert mail.subject == "整改工作周报(2026年第52周):共7项,已销号2项,完成率28.57%"
    assert mail.attachments == ["整改周报-2026-W52.png"]
    png = next(mail.message.iter_attachments())  # type: ignore[attr-defined]
    assert png.get_content_type() == "image/png"
    assert png.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    html = mail.part("html")
    assert (
        "<td>1</td><td>县科技局</td><td>4</td><td>2</td><td>2</td><td>0</td><td>50.00%</td>" in html
    )
    assert "对2024年以来干部选拔任用情况开展自查" in html

    [post] = http_receiver.received()
    assert post.title == mail.subject
    assert (
        "四、逾期未销号任务(红灯)\n共1项。\n1. [4.1] 局办公室:对2024年以来干部选拔任用情况开展自查"
        in post.body
    )
    assert [(a["filename"], a["mimetype"]) for a in post.payload["attachments"]] == [
        ("整改周报-2026-W52.png", "image/png")
    ]

    files = sorted(p.name for p in settings.reports_dir.iterdir())
    assert files == ["整改周报-2026-W52.html", "整改周报-2026-W52.md", "整改周报-2026-W52.png"]
    assert '<img src="整改周报-2026-W52.png"' in (
        settings.reports_dir / "整改周报-2026-W52.html"
    ).read_text(encoding="utf-8")

    # Later the same week: nothing new is written or sent.
    again = run_weekly_summary(
        engine, settings, as_of=AS_OF + timedelta(days=2), now=NOW + timedelta(days=2)
    )
    assert (again.counts()["planned"], again.counts()["sent"], again.counts()["duplicates"]) == (
        0,
        0,
        4,
    )
    assert len(smtp_server.messages) == 2 and len(http_receiver.received()) == 1
    with Session(engine) as session:
        keys = sorted(n.key for n in session.exec(select(Notice).where(Notice.kind == "weekly")))
    assert keys == [
        "weekly:office:2026-W52",
        "weekly:张书记:2026-W52",
        "weekly:李局长:2026-W52",
        "weekly:王副局长:2026-W52",
    ]


def test_next_week_sends_a_new_summary(
    engine: sa.Engine,
    weekly_ledger: WeeklyLedger,
    weekly_settings: Callable[..., Settings],
    http_receiver: HttpReceiver,
) -> None:
    settings = weekly_settings({"office": http_receiver.url("office")})
    run_weekly_summary(engine, settings, as_of=AS_OF, now=NOW)
    run_weekly_summary(
        engine, settings, as_of=AS_OF + timedelta(days=7), now=NOW + timedelta(days=7)
    )
    titles = [p.title for p in http_receiver.received()]
    assert titles == [
        "整改工作周报(2026年第52周):共7项,已销号2项,完成率28.57%",
        "整改工作周报(2026年第53周):共7项,已销号2项,完成率28.57%",
    ]


def test_dry_run_renders_but_writes_and_sends_nothing(
    engine: sa.Engine,
    weekly_ledger: WeeklyLedger,
    weekly_settings: Callable[..., Settings],
    http_receiver: HttpReceiver,
) -> None:
    settings = weekly_settings({"office": http_receiver.url("office")})
    report = run_weekly_summary(engine, settings, as_of=AS_OF, now=NOW, dry_run=True)
    assert report.plan.rendered is not None
    assert report.plan.rendered.title == "整改工作周报(2026年第52周):共7项,已销号2项,完成率28.57%"
    assert report.counts()["planned"] == 4 and report.counts()["sent"] == 0
    assert http_receiver.received() == []
    assert not settings.reports_dir.exists()
    with Session(engine) as session:
        assert session.exec(select(Notice).where(Notice.kind == "weekly")).all() == []


def test_two_runs_at_once_plan_each_notice_once(
    engine: sa.Engine,
    weekly_ledger: WeeklyLedger,
    weekly_settings: Callable[..., Settings],
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    settings = weekly_settings(None)  # local folder channel
    with ThreadPoolExecutor(2) as pool:
        plans = list(pool.map(lambda _: _plan_or_conflict(engine, settings), range(2)))
    assert sum(p for p in plans) == 4
    with Session(engine) as session:
        assert len(session.exec(select(Notice).where(Notice.kind == "weekly")).all()) == 4


def _plan_or_conflict(engine: sa.Engine, settings: Settings) -> int:
    from ledger.errors import ConflictError

    try:
        return plan_weekly_summary(engine, settings, as_of=AS_OF, now=NOW).planned
    except ConflictError:  # SQLite: the second writer may be locked out; nothing half-written
        return 0


def test_the_summary_is_dated_its_as_of_day_not_the_day_it_was_made(
    engine: sa.Engine, weekly_ledger: WeeklyLedger
) -> None:
    with Session(engine) as session:
        s = weekly_summary(
            session,
            as_of=AS_OF,
            rules=Rules(),
            calendar=WorkCalendar(),
            now=NOW + timedelta(days=2),  # made two days later, e.g. a catch-up run
        )
    rendered = render_weekly(s, chart=None)
    assert rendered.text.rstrip().endswith("2026年12月22日")
