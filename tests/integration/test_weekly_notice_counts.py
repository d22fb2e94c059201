"""The 整改周报 says how many notices each unit received in its week, by kind: in the
e-mail's text and table, and in the Word report's unit table."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from docx import Document

from ledger.documents.render import render_docx
from ledger.documents.weekly import WeeklyDocument
from ledger.summary import weekly_summary
from ledger.uow import transaction
from models.rules import Rules
from notifications.chart import completion_chart
from notifications.daily import run_daily_check
from notifications.weekly import render_weekly
from tests.fixtures.notify import (
    HttpReceiver,
    TaskSpec,
    at_nine,
    build_ledger,
    notify_settings,
    write_apprise_config,
)


def test_each_unit_row_counts_the_notices_it_received_in_the_week(
    engine: sa.Engine, database_url: str, tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    # Due Fri 10/9 (test_daily_check_walk's calendar): 催办 on Sat 10/10 (调休) and 10/16.
    # 审计处 also leads a task due 10/23: its 提醒 at 10 working days left falls on 10/10.
    build_ledger(
        engine,
        [
            TaskSpec("建立项目资金台账", "财务处", date(2026, 10, 9), ["审计处"]),
            TaskSpec("完善项目验收制度", "审计处", date(2026, 10, 23)),
            TaskSpec("清理闲置扶贫资产", "农业农村局", date(2026, 12, 31)),
        ],
        registered=date(2026, 9, 1),
    )
    config = write_apprise_config(
        tmp_path / "a.yml", {http_receiver.url("all"): ["财务处", "审计处", "农业农村局"]}
    )
    settings = notify_settings(tmp_path, database_url, apprise_config=config)
    day = date(2026, 10, 8)
    while day <= date(2026, 10, 16):
        run_daily_check(engine, settings, as_of=day, now=at_nine(day))
        day += timedelta(days=1)
    received = {p.title for p in http_receiver.received()}
    assert received  # the walk did send: the counts below are of real deliveries

    # The weekly's period is as_of's ISO week, Monday to as_of.
    with transaction(engine) as session:
        summary = weekly_summary(session, as_of=date(2026, 10, 11), rules=Rules())
        after = weekly_summary(session, as_of=date(2026, 10, 16), rules=Rules())

    rows = {u.unit: u for u in summary.units}
    # 10/5 .. 10/11: 10/8 the 提醒 of the task due 10/9 (caught up) to its lead and co-unit;
    # 10/10 (调休) its 催办 to both, and 审计处's own 提醒 of the task due 10/23.
    assert (rows["财务处"].notices, rows["财务处"].notices_text) == (2, "2份(催办1份、提醒1份)")
    assert rows["审计处"].notices_text == "3份(催办1份、提醒2份)"
    assert rows["农业农村局"].notices_text == "0份"
    # 10/12 .. 10/16: the second 催办, on 10/16, to both.
    assert {u.unit: u.notices_text for u in after.units} == {
        "财务处": "1份(催办1份)",
        "审计处": "1份(催办1份)",
        "农业农村局": "0份",
    }

    text = render_weekly(summary, chart=None).text
    assert "逾期1项,完成率0.00%,本期收到通知2份(催办1份、提醒1份)" in text
    html = render_weekly(summary, chart=None).html
    assert "<th>本期收到通知</th>" in html and "<td>3份(催办1份、提醒2份)</td>" in html

    chart = completion_chart(
        summary.units, tmp_path / "chart.png", week=summary.week, week_label=summary.week_label
    )
    out = render_docx(WeeklyDocument(summary, chart.path, ""), tmp_path / "周报.docx")
    units = Document(str(out)).tables[0]
    assert units.rows[0].cells[-1].text == "本期收到通知"
    cells = {row.cells[1].text: row.cells[-1].text for row in units.rows[1:]}
    assert cells == {
        "财务处": "2份(催办1份、提醒1份)",
        "审计处": "3份(催办1份、提醒2份)",
        "农业农村局": "0份",
    }
