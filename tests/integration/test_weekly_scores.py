"""The weekly summary carries the 单位考核 ranking of its period, with each unit's causes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import sqlalchemy as sa

from models.settings import Settings
from notifications.weekly import plan_weekly_summary
from tests.fixtures.scoring import at, d
from tests.integration.test_unit_scoring import _board, _close

AS_OF = date(2026, 11, 30)  # a Monday: the weekly of the last week of November


def _rendered(engine: sa.Engine, settings: Settings, as_of: date, now: datetime):  # type: ignore[no-untyped-def]
    plan = plan_weekly_summary(engine, settings, as_of=as_of, now=now, dry_run=True)
    assert plan.rendered is not None and plan.summary is not None
    return plan


def test_the_weekly_lists_each_units_score_and_its_causes(
    engine: sa.Engine,
    scored_ledger: dict[str, int],
    weekly_settings: Callable[..., Settings],
) -> None:
    expected = _board(engine, "周主任", today=AS_OF)
    plan = _rendered(engine, weekly_settings(), AS_OF, at(AS_OF))
    text, html, md = plan.rendered.text, plan.rendered.html, plan.rendered.md
    assert "七、单位考核(2026年11月,进行中(计至2026年11月30日)" not in text  # the last day
    assert "七、单位考核(2026年11月,已结束,待关账)" in text
    for u in expected.units:
        line = f"{u.rank}. {u.unit}:{u.score:g}分(扣{u.deducted:g}分,加{u.bonus:g}分)"
        assert line in text
        assert f"{u.rank}. {u.unit}:**{u.score:g}分**" in md
        assert f"<td>{u.unit}</td><td>{u.score:g}</td>" in html
    assert "[1.1]逾期6个工作日(整改时限2026年11月20日) -3" in text
    assert plan.summary.as_json()["scores"]["units"][0]["unit"] == "乙局"


def test_a_closed_period_is_reported_as_it_was_closed(
    engine: sa.Engine,
    scored_ledger: dict[str, int],
    weekly_settings: Callable[..., Settings],
) -> None:
    _close(engine, "周主任", at(d(12, 1)))
    plan = _rendered(engine, weekly_settings(), AS_OF, at(d(12, 1)))
    assert "七、单位考核(2026年11月,已关账(2026年12月1日,周主任))" in plan.rendered.text
