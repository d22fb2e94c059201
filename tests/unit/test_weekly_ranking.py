"""Ranking of units and the small formatting rules of the weekly summary (pure)."""

from __future__ import annotations

from datetime import date

from ledger.stats import Totals
from ledger.summary import Counts, cn_date, cn_number, iso_week, rank_units


def test_units_are_ranked_by_completion_rate_then_by_fewer_overdue_tasks() -> None:
    rows = rank_units(
        {
            "县财政局": Totals(tasks=4, closed=1, overdue=2),  # 25.00%
            "县科技局": Totals(tasks=4, closed=1, overdue=0),  # 25.00%, fewer overdue
            "局办公室": Totals(tasks=2, closed=2, overdue=0),  # 100.00%
            "县人社局": Totals(tasks=3, closed=0, overdue=3),  # 0.00%
        }
    )
    assert [(r.rank, r.unit, r.completion_text) for r in rows] == [
        (1, "局办公室", "100.00%"),
        (2, "县科技局", "25.00%"),
        (3, "县财政局", "25.00%"),
        (4, "县人社局", "0.00%"),
    ]
    assert rows[2].open == 3 and rows[2].overdue == 2


def test_equal_units_are_ranked_by_more_tasks_then_by_name() -> None:
    rows = rank_units(
        {
            "乙单位": Totals(tasks=2, closed=1),
            "甲单位": Totals(tasks=2, closed=1),
            "丙单位": Totals(tasks=4, closed=2),
        }
    )
    assert [r.unit for r in rows] == ["丙单位", "乙单位", "甲单位"]  # names in code-point order


def test_counts_read_as_the_office_writes_them() -> None:
    counts = Counts.of(
        "总体",
        Totals(
            tasks=11,
            closed=3,
            submitted=1,
            in_progress=4,
            pending=3,
            overdue=2,
            ongoing=1,
            problems=5,
            problems_done=1,
            problems_nearly=1,
        ),
    )
    assert counts.brief == "共11项,已销号3项,完成率27.27%"
    assert counts.headline == (
        "反馈问题5个,已完成整改1个,基本完成1个,未完成3个,总体完成率20.00%;"
        "整改措施共11项,已销号3项,待销号1项,整改中4项,待整改3项,逾期2项,长期坚持1项,"
        "措施完成率27.27%"
    )
    assert counts.open == 8


def test_completion_rate_of_an_empty_ledger_is_a_dash_not_zero() -> None:
    assert Counts.of("总体", Totals()).brief == "共0项,已销号0项,完成率—"


def test_dates_weeks_and_section_numerals() -> None:
    assert cn_date(date(2026, 12, 1)) == "2026年12月1日"
    assert iso_week(date(2026, 12, 1)) == "2026-W49"
    assert iso_week(date(2027, 1, 3)) == "2026-W53"  # a Sunday still in the ISO year 2026
    assert iso_week(date(2027, 1, 4)) == "2027-W01"
    assert [cn_number(n) for n in (1, 9, 10, 11, 20, 21, 99)] == [
        "一",
        "九",
        "十",
        "十一",
        "二十",
        "二十一",
        "九十九",
    ]
