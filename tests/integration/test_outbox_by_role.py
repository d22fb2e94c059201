"""The outbox as each actor reads it, and who may start the scheduled runs by hand."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from ledger import registry
from ledger.actors import resolve_actor
from ledger.context import AppContext
from ledger.errors import ForbiddenError, InvalidInputError
from ledger.inputs import UserCreate
from ledger.outbox_view import outbox_page, parse_notice_status
from ledger.uow import transaction
from models.enums import Role
from models.outbox import Notice
from models.rules import Rules
from models.settings import Settings
from notifications.outbox import NoticeDraft, enqueue
from notifications.runs import check_now, deliver_now, weekly_now
from tests.builders import NOW, OFFICE, build_sample_round

# Recipients as the daily check addresses them: a unit's tag (or name), a person's, the office.
RECIPIENTS = ["kjj-tag", "陈某", "财务股", "王副局长", "office"]


@pytest.fixture
def outbox(engine: sa.Engine) -> None:
    build_sample_round(engine)
    with transaction(engine) as s:
        for name, tag in (("县科技局", "kjj-tag"),):
            unit = registry.units_by_name(s, [name], create=False)[name]
            unit.notify_tag = tag
            s.add(unit)
        for name, role, unit in (
            ("周主任", Role.office, None),
            ("陈某", Role.unit, "县科技局"),
            ("孙某", Role.unit, "财务股"),
            ("吴某", Role.unit, "局办公室"),
            ("王副局长", Role.leader, None),
        ):
            registry.add_user(
                UserCreate(name=name, role=role, unit=unit), session=s, actor=OFFICE, now=NOW
            )
        enqueue(
            [
                NoticeDraft("remind", r, "2026-12-01", [1], f"致{r}的提醒", "正文", "", "")
                for r in RECIPIENTS
            ],
            session=s,
            now=NOW,
        )


@pytest.mark.parametrize(
    ("name", "sees"),
    [
        ("周主任", RECIPIENTS),
        ("陈某", ["kjj-tag", "陈某"]),  # the unit's tag and its people
        ("孙某", ["财务股"]),
        ("吴某", []),
        ("王副局长", ["王副局长"]),
    ],
)
def test_each_actor_reads_the_notices_addressed_to_them(
    engine: sa.Engine, outbox: None, name: str, sees: list[str]
) -> None:
    with transaction(engine) as s:
        actor = resolve_actor(s, name)
        # Only this test's 提醒: registering the round also wrote 新任务交办 decision notices.
        page = outbox_page(session=s, actor=actor, now=NOW)
        notices = [n for n in page.notices if n.kind == "remind"]
        wanted = parse_notice_status("待发送")
        pending = [
            n
            for n in outbox_page(session=s, actor=actor, now=NOW, status=wanted).notices
            if n.kind == "remind"
        ]
    assert sorted(n.recipient for n in notices) == sorted(sees)
    assert [n.id for n in pending] == [n.id for n in notices]
    assert all(n.status_label == "待发送" and n.kind_label == "提醒" for n in notices)
    assert all("body" not in n.model_dump() for n in notices)
    # The counts by status are of the notices the actor may read, not of everyone's.
    assert sum(page.counts.values()) == page.total == len(page.notices)


def test_a_status_is_given_as_code_or_chinese_words() -> None:
    assert parse_notice_status("发送失败") == parse_notice_status("failed") == "failed"
    with pytest.raises(InvalidInputError) as refused:
        parse_notice_status("done")
    assert refused.value.field == "status" and "可选:" in refused.value.message
    assert "待发送/" in refused.value.message


def test_only_the_office_starts_a_check_a_delivery_or_the_weekly_summary(
    engine: sa.Engine, database_url: str, tmp_path: Path, outbox: None
) -> None:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        rules=Rules(),
        holiday_file=None,
        apprise_config=None,
        templates_dir=None,
    )
    ctx = AppContext(settings, engine=engine)
    as_of = NOW.date()
    for run in (
        lambda who: check_now(ctx, who, as_of=as_of, dry_run=True),
        lambda who: deliver_now(ctx, who),
        lambda who: weekly_now(ctx, who, as_of=as_of, dry_run=True),
    ):
        with pytest.raises(ForbiddenError, match="此操作仅限整改办"):
            run("陈某")
        with pytest.raises(ForbiddenError, match="须说明操作人"):
            run(None)
    assert check_now(ctx, "周主任", as_of=as_of, dry_run=True).plan is not None


def test_a_waiting_notice_says_when_it_goes_out_before_any_attempt(
    engine: sa.Engine, outbox: None
) -> None:
    tomorrow_morning = NOW + timedelta(hours=23)
    with transaction(engine) as s:
        rows = {n.recipient: n for n in s.exec(select(Notice).where(Notice.kind == "remind")).all()}
        # Written in quiet hours: not before the morning, no attempt yet.
        rows["kjj-tag"].next_attempt_at = tomorrow_morning
        # Refused once: waits out its back-off.
        rows["陈某"].attempts, rows["陈某"].next_attempt_at = 1, NOW + timedelta(minutes=30)
        rows["财务股"].status = "sent"
        s.add_all(rows.values())
    with transaction(engine) as s:
        office = resolve_actor(s, "周主任")
        open_now = {
            n.recipient: n.next_send_at
            for n in outbox_page(session=s, actor=office, now=NOW).notices
            if n.kind == "remind"
        }
        quiet = {
            n.recipient: n.next_send_at
            for n in outbox_page(
                session=s, actor=office, now=NOW, window_opens=NOW + timedelta(hours=12)
            ).notices
            if n.kind == "remind"
        }
    assert open_now == {
        "kjj-tag": tomorrow_morning,
        "陈某": NOW + timedelta(minutes=30),
        "财务股": None,  # sent
        "王副局长": None,  # due: goes with the next delivery
        "office": None,
    }
    # While the send window is shut, what is due goes out when it opens.
    assert quiet["王副局长"] == quiet["office"] == NOW + timedelta(hours=12)
    assert quiet["kjj-tag"] == tomorrow_morning and quiet["财务股"] is None
