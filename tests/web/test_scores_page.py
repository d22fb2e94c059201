"""单位考核 on the web: the ranking page, the board's ranking, the xlsx, each role's reads."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from ledger.actors import resolve_actor
from ledger.context import TZ
from ledger.scoring import unit_scores
from ledger.uow import transaction
from models.workdays import work_calendar

# 2026-12-25: the sample round's 4.1 (due 12-20) and 2.2 (立行立改) are overdue.
DAY = datetime(2026, 12, 25, 10, 0, tzinfo=TZ)


@pytest.fixture
def world(web_world):
    web_world.clock.at = DAY
    return web_world


def _board(world, who: str):
    settings = world.config.settings
    with transaction(world.engine) as session:
        return unit_scores(
            None,
            session=session,
            actor=resolve_actor(session, who),
            today=DAY.date(),
            scoring=settings.scoring,
            rules=settings.rules,
            calendar=work_calendar(None),
        )


def test_the_office_reads_every_units_score_and_its_causes(world) -> None:
    expected = _board(world, "周主任")
    assert expected.units and any(u.items for u in expected.units)
    page = world.login("周主任").get("/scores")
    assert page.status_code == 200
    assert "单位考核 · 2026年12月" in page.text
    for u in expected.units:
        assert f"{u.unit}:{u.score:g} 分(第 {u.rank} 名)" in page.text
        for item in u.items:
            assert item.what in page.text


def test_a_unit_reads_its_own_score_only(world) -> None:
    page = world.login("陈某").get("/scores")
    assert page.status_code == 200
    assert "县科技局:" in page.text and "局办公室:" not in page.text


def test_the_board_ranks_the_units_of_the_current_period(world) -> None:
    expected = _board(world, "周主任")
    page = world.login("周主任").get("/")
    section = page.text.split('id="scores"', 1)[1].split("</section>", 1)[0]
    assert "单位考核(2026年12月" in section
    rows = [f"<td>{u.rank}</td><td>{u.unit}</td><td>{u.score:g}</td>" for u in expected.units]
    assert all(r in section for r in rows)


def test_a_leader_downloads_the_ranking_as_xlsx(world) -> None:
    expected = _board(world, "王副局长")
    response = world.login("王副局长").get("/scores.xlsx?period=2026-12")
    assert response.status_code == 200
    assert "spreadsheetml" in response.headers["content-type"]
    ws = load_workbook(BytesIO(response.content))["考核排名"]
    units = [row[1].value for row in ws.iter_rows(min_row=3)]
    assert units == [u.unit for u in expected.units]


def test_a_period_that_cannot_be_read_is_shown_beside_the_field(world) -> None:
    page = world.login("周主任").get("/scores?period=十二月")
    assert page.status_code == 400
    assert "2026-Q4" in page.text and 'id="period-error"' in page.text
