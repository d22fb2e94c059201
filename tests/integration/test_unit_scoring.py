"""单位考核 recomputed from a hand-written history (tests/fixtures/scoring.py, where each
point is counted by hand): the golden scores, the reads by role, and a frozen period."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from ledger.actors import resolve_actor
from ledger.corrections import withdraw_task
from ledger.errors import ForbiddenError, LifecycleError
from ledger.scoring import close_period, compute_board, unit_scores
from ledger.uow import transaction
from models.scoring import parse_period
from tests.builders import OFFICE
from tests.fixtures.scoring import CALENDAR, RULES, SCORING, at, d, return_for_rework


def _board(engine: sa.Engine, who: str, *, period: str = "2026-11", today: date = d(12, 1)):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return unit_scores(
            period,
            session=s,
            actor=resolve_actor(s, who),
            today=today,
            scoring=SCORING,
            rules=RULES,
            calendar=CALENDAR,
        )


def _close(engine: sa.Engine, who: str, now: datetime, period: str = "2026-11"):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return close_period(
            period,
            session=s,
            actor=resolve_actor(s, who),
            now=now,
            scoring=SCORING,
            rules=RULES,
            calendar=CALENDAR,
        )


def test_a_units_score_recomputed_from_its_history_is_the_hand_counted_one(
    engine: sa.Engine, scored_ledger: dict[str, int]
) -> None:
    board = _board(engine, "周主任")
    assert [(u.rank, u.unit, u.score) for u in board.units] == [
        (1, "乙局", 101.0),
        (2, "甲局", 91.0),
    ]
    jia = board.units[1]
    causes = sorted((i.task_code, i.cause, i.points) for i in jia.items)
    assert causes == [
        ("1.1", "overdue", -3.0),
        ("1.1", "supervised", -3.0),
        ("1.2", "early_close", 1.0),
        ("1.2", "returned", -2.0),
        ("1.3", "overdue", -1.0),
        ("2.1", "missed_report", -1.0),
    ]
    assert (jia.deducted, jia.bonus) == (10.0, 1.0)
    overdue = next(i for i in jia.items if i.task_code == "1.1" and i.cause == "overdue")
    assert overdue.what == "逾期6个工作日(整改时限2026年11月20日)"
    assert not board.frozen and board.as_of == d(11, 30)


def test_mid_period_the_score_counts_up_to_the_day_asked(
    engine: sa.Engine, scored_ledger: dict[str, int]
) -> None:
    board = _board(engine, "周主任", today=d(11, 24))
    jia = next(u for u in board.units if u.unit == "甲局")
    # By 24 Nov: 1.1 overdue 23-24 Nov (-1), no 督办 yet; the rest as in November.
    assert jia.score == 100 - 1 - 2 + 1 - 1 - 1
    assert board.status_text == "进行中(计至2026年11月24日)"


def test_a_unit_reads_its_own_row_and_leaders_and_the_office_read_every_unit(
    engine: sa.Engine, scored_ledger: dict[str, int]
) -> None:
    own = _board(engine, "甲局张某")
    assert [(u.unit, u.rank, u.score) for u in own.units] == [("甲局", 2, 91.0)]
    assert [u.unit for u in _board(engine, "乙局李某").units] == ["乙局"]
    assert [u.unit for u in _board(engine, "王书记").units] == ["乙局", "甲局"]


def test_a_closed_period_stays_as_closed_after_a_later_return_and_a_correction(
    engine: sa.Engine, scored_ledger: dict[str, int]
) -> None:
    closed = _close(engine, "周主任", at(d(12, 1)))
    assert closed.frozen and closed.closed_by == "周主任"
    # December: 2.3 returned, and 1.1 withdrawn as entered by mistake.
    with transaction(engine) as s:
        return_for_rework(s, scored_ledger["2.3"], at(d(12, 2)))
        withdraw_task(
            scored_ledger["1.1"], reason="重复登记", session=s, actor=OFFICE, now=at(d(12, 2))
        )
    after = _board(engine, "周主任", today=d(12, 3))
    assert after.as_json() == closed.as_json()
    assert [(u.unit, u.score) for u in after.units] == [("乙局", 101.0), ("甲局", 91.0)]
    # Recomputed, November would now read otherwise: the snapshot is what keeps it.
    with transaction(engine) as s:
        fresh = compute_board(
            s,
            parse_period("2026-11"),
            today=d(12, 3),
            scoring=SCORING,
            rules=RULES,
            calendar=CALENDAR,
        )
    assert next(u.score for u in fresh.units if u.unit == "甲局") == 97.0


def test_closing_is_for_the_office_once_and_only_after_the_period_ends(
    engine: sa.Engine, scored_ledger: dict[str, int]
) -> None:
    with pytest.raises(ForbiddenError):
        _close(engine, "甲局张某", at(d(12, 1)))
    with pytest.raises(LifecycleError, match="结束后才能关账"):
        _close(engine, "周主任", at(d(11, 30)))
    _close(engine, "周主任", at(d(12, 1)))
    with pytest.raises(LifecycleError, match="已关账"):
        _close(engine, "周主任", at(d(12, 2)))
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT actor, new_value FROM history WHERE action = 'score_close'")
        ).all()
    assert [tuple(r) for r in rows] == [("周主任", "2026-11")]


@pytest.mark.parametrize(
    ("period", "today"),
    [("2026-11", d(12, 1)), ("2026-11", d(11, 24)), ("2026-11", d(11, 19)), ("2026-Q4", d(12, 1))],
)
def test_the_ranking_aggregated_in_sql_agrees_with_the_itemised_board(
    engine: sa.Engine, scored_ledger: dict[str, int], period: str, today: date
) -> None:
    # The office's board ranks every unit from SQL aggregates and itemises the first few
    # only; its totals must be the itemised board's to the last point.
    with transaction(engine) as s:
        kw = {"today": today, "scoring": SCORING, "rules": RULES, "calendar": CALENDAR}
        full = compute_board(s, parse_period(period), **kw)  # type: ignore[arg-type]
        ranked = compute_board(s, parse_period(period), detail=1, **kw)  # type: ignore[arg-type]
    totals = [(u.rank, u.unit, u.score, u.deducted, u.bonus, u.items_total) for u in full.units]
    assert totals == [
        (u.rank, u.unit, u.score, u.deducted, u.bonus, u.items_total) for u in ranked.units
    ]
    assert ranked.units[0].items == full.units[0].items
    assert ranked.units[1].items == [] and full.units[1].items


def test_the_boards_ranking_is_kept_for_the_ledgers_state_and_recomputed_after_a_change(
    engine: sa.Engine, scored_ledger: dict[str, int]
) -> None:
    kw = {"today": d(12, 1), "scoring": SCORING, "rules": RULES, "calendar": CALENDAR}
    nov = parse_period("2026-11")

    def board(detail: int | None):  # type: ignore[no-untyped-def]
        with transaction(engine) as s:
            return compute_board(s, nov, detail=detail, **kw)  # type: ignore[arg-type]

    def kept() -> list[tuple[str, str]]:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT period, state FROM score_cache")).all()
        return [(r[0], r[1]) for r in rows]

    first = board(2)
    [(period, state)] = kept()
    assert period == "2026-11"
    again = board(2)
    assert again.as_json() == first.as_json() and again.detail == 2
    assert len(kept()) == 1
    # 2.3 (乙局, due 27 Nov) returned on 27 Nov: the kept ranking is no longer the ledger's.
    with transaction(engine) as s:
        return_for_rework(s, scored_ledger["2.3"], at(d(11, 27)))
    after = board(2)
    yi = next(u for u in after.units if u.unit == "乙局")
    assert yi.score == next(u.score for u in board(None).units if u.unit == "乙局") < 101
    [(_, now_state)] = kept()
    assert now_state != state
