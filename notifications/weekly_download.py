"""The 整改周报 in Word, with its 完成率 chart (the chart needs matplotlib, hence this layer).

`write_weekly_docx` lays out a summary read by ledger.documents.weekly.weekly_report_data
(which checks the reader); the command line writes it where the user asks, the web into a
download folder of its own.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session

from ledger.actors import Actor
from ledger.documents.render import render_docx
from ledger.documents.weekly import WeeklyDocument, weekly_report_data
from ledger.downloads import DOCX, Download, new_folder
from ledger.summary import WeeklySummary
from models.rules import Rules
from models.workdays import WorkCalendar
from notifications.chart import Chart, completion_chart


def write_weekly_docx(summary: WeeklySummary, out: Path, *, template: Path | None = None) -> Chart:
    """Writes the Word file (whole or not at all); the chart it drew says which font it used."""
    with tempfile.TemporaryDirectory(prefix="rectify-weekly-") as folder:
        chart = completion_chart(
            summary.units,
            Path(folder) / "chart.png",
            week=summary.week,
            week_label=summary.week_label,
        )
        render_docx(
            WeeklyDocument(summary, chart.path, chart_note=chart_note(chart)),
            out,
            template=template,
        )
    return chart


def chart_note(chart: Chart) -> str:
    """The line under the chart in the Word file."""
    scope = (
        f"完成率最低的{chart.units_shown}个牵头单位"
        if chart.units_shown < chart.units_total
        else "各牵头单位"
    )
    labels = "" if chart.font else ";图中单位按上表排名编号"
    return f"上图为{scope}的整改完成率(仅计已销号任务,红色为有逾期任务的单位){labels}。"


def weekly_download(
    *,
    session: Session,
    actor: Actor,
    today: date,
    now: datetime,
    rules: Rules,
    calendar: WorkCalendar,
    root: Path,
) -> Download:
    summary = weekly_report_data(
        session, actor=actor, as_of=today, rules=rules, calendar=calendar, now=now
    )
    folder = new_folder(root)
    name = f"整改周报-{summary.week}.docx"
    write_weekly_docx(summary, folder / name)
    return Download(folder / name, folder, name, DOCX)
