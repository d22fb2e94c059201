"""The weekly summary carries the 单位考核 ranking of its period, with each unit's causes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import docx
import sqlalchemy as sa

from models.settings import Settings
from notifications.weekly import plan_weekly_summary
from notifications.weekly_download import write_weekly_docx
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


def test_the_weekly_word_file_carries_the_ranking_and_each_units_largest_causes(
    engine: sa.Engine,
    scored_ledger: dict[str, int],
    weekly_settings: Callable[..., Settings],
    tmp_path: Path,
) -> None:
    plan = _rendered(engine, weekly_settings(), AS_OF, at(AS_OF))
    assert plan.summary is not None
    write_weekly_docx(plan.summary, tmp_path / "周报.docx")
    doc = docx.Document(str(tmp_path / "周报.docx"))
    headings = [p.text for p in doc.paragraphs if p.style is not None and "Heading" in p.style.name]
    assert "五、单位考核(2026年11月,已结束,待关账)" in headings
    assert "共2个单位。" in [p.text for p in doc.paragraphs]
    ranking = next(t for t in doc.tables if t.rows[0].cells[0].text == "名次")
    rows = [[c.text for c in r.cells] for r in ranking.rows[1:]]
    assert rows[0] == [
        "1",
        "乙局",
        "101",
        "0",
        "1",
        "[2.2]提前完成:2026年11月4日销号,早于整改时限2026年11月30日 +1",
    ]
    assert rows[1][:5] == ["2", "甲局", "91", "10", "1"]
    assert rows[1][5].startswith("[1.1]逾期6个工作日(整改时限2026年11月20日) -3;")
    assert rows[1][5].endswith("等6项")
    # Without [scoring] the Word file has no such section.
    write_weekly_docx(replace(plan.summary, scores=None), tmp_path / "无考核.docx")
    plain = docx.Document(str(tmp_path / "无考核.docx"))
    assert not any("单位考核" in p.text for p in plain.paragraphs)
    assert not any(t.rows[0].cells[0].text == "名次" for t in plain.tables)
