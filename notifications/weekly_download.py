"""The 整改周报 in Word as a download (the chart needs matplotlib, hence this layer)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session

from ledger.actors import Actor, require_office
from ledger.documents.render import render_docx
from ledger.documents.weekly import WeeklyDocument
from ledger.downloads import DOCX, Download, new_folder
from ledger.summary import weekly_summary
from models.rules import Rules
from models.workdays import WorkCalendar
from notifications.chart import completion_chart


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
    require_office(actor, "生成整改周报")
    summary = weekly_summary(session, as_of=today, rules=rules, calendar=calendar, now=now)
    folder = new_folder(root)
    chart = completion_chart(
        summary.units, folder / "chart.png", week=summary.week, week_label=summary.week_label
    )
    name = f"整改周报-{summary.week}.docx"
    path = render_docx(WeeklyDocument(summary, chart.path), folder / name)
    chart.path.unlink(missing_ok=True)
    return Download(path, folder, name, DOCX)
