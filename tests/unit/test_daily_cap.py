"""The daily cap (ledger.reminders.cap): the most urgent digests kept, 督办 always."""

from __future__ import annotations

from datetime import date

from ledger.reminders.cap import apply_daily_cap
from ledger.reminders.due import Digest, DueTask
from models.enums import TaskKind
from models.reminders import Level, Step


def digest(level: Level, recipient: str = "财务处") -> Digest:
    task = DueTask(
        1,
        "1.1",
        "建立台账",
        "巡视",
        TaskKind.dated,
        date(2026, 12, 31),
        recipient,
        [],
        "",
        "",
        None,
        Step(level, f"{level.value}:x"),
    )
    return Digest(level, recipient, [recipient], [task])


def levels(digests: list[Digest]) -> list[str]:
    return [d.level.value for d in digests]


def test_a_cap_of_two_keeps_the_urge_and_the_remind_and_holds_the_silence_reminder() -> None:
    day = [digest(Level.ongoing), digest(Level.remind), digest(Level.urge)]
    kept, held = apply_daily_cap(day, already={}, cap=2)
    assert (levels(kept), levels(held)) == (["remind", "urge"], ["ongoing"])


def test_notices_the_recipient_already_had_today_count_first() -> None:
    day = [digest(Level.remind), digest(Level.urge)]
    kept, held = apply_daily_cap(day, already={"财务处": 1}, cap=2)
    assert (levels(kept), levels(held)) == (["urge"], ["remind"])


def test_a_supervision_is_kept_even_past_the_cap() -> None:
    day = [digest(Level.urge), digest(Level.supervise)]
    kept, held = apply_daily_cap(day, already={"财务处": 3}, cap=2)
    assert (levels(kept), levels(held)) == (["supervise"], ["urge"])


def test_each_recipient_has_its_own_cap() -> None:
    day = [
        digest(Level.remind, "财务处"),
        digest(Level.remind, "审计处"),
        digest(Level.urge, "审计处"),
    ]
    kept, held = apply_daily_cap(day, already={}, cap=1)
    assert [(d.recipient, d.level.value) for d in kept] == [
        ("财务处", "remind"),
        ("审计处", "urge"),
    ]
    assert [(d.recipient, d.level.value) for d in held] == [("审计处", "remind")]


def test_without_a_cap_every_digest_is_kept() -> None:
    day = [digest(Level.remind), digest(Level.urge), digest(Level.ongoing)]
    assert apply_daily_cap(day, already={"财务处": 9}, cap=0) == (day, [])
