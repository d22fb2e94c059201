"""The weekly 整改周报: written under the reports folder and sent to the office and the leaders.

One notice per recipient and ISO week (key weekly:<tag>:2026-W49), so a rerun, a retry or
a second worker in the same week finds the keys taken and sends nothing twice. The report
files and the chart are written only when there is something new to send, so the files
always match what was sent.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.files import write_text
from ledger.queries import live_tasks
from ledger.scoring import UnitScore
from ledger.summary import RedItem, UnitRow, WeeklySummary, iso_week, weekly_summary
from ledger.uow import transaction
from models.enums import Role
from models.office import OFFICE_TAG
from models.settings import Settings
from models.tables import Task, User
from notifications.channels import load_channels
from notifications.chart import Chart, completion_chart
from notifications.delivery import DeliveryReport, deliver_pending
from notifications.outbox import NoticeDraft, enqueue, existing_keys, notice_key, send_time
from notifications.render import Rendered, render

KIND = "weekly"
SENDER = "整改办"
# The plain-text and Markdown bodies go to IM robots with message-size limits: they list
# at most this many units and red items; the HTML e-mail and the report file list all.
TEXT_UNITS = 50
TEXT_UNITS_WORST = 30
TEXT_RED = 50
TEXT_SCORES = 30  # 单位考核 ranks a notice lists (the web page and the xlsx hold every unit)


def report_stem(week: str) -> str:
    return f"整改周报-{week}"


@dataclass
class WeeklyPlan:
    """What planning the weekly summary did (or, on a dry run, would do)."""

    as_of: date
    period: str  # 2026-W49
    summary: WeeklySummary | None  # None when the week's notices were all planned before
    recipients: list[str]  # tags: office first, then the leaders
    recipients_without_channel: list[str]  # 未配置通知渠道
    planned: int = 0  # notices written to the outbox (on a dry run: that would be)
    duplicates: int = 0  # recipients who have this week's notice already
    notice_ids: list[int] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # report files written this run
    chart_font: str | None = None
    rendered: Rendered | None = None  # the notice as it is (or would be) sent
    dry_run: bool = False

    def counts(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "recipients": len(self.recipients),
            "planned": self.planned,
            "duplicates": self.duplicates,
            "recipients_without_channel": self.recipients_without_channel,
            "files": [str(p) for p in self.files],
            "dry_run": self.dry_run,
        }


def weekly_recipients(session: Session) -> list[str]:
    """`office`, then every leader (Task.leader names and users with role leader) as a tag.

    A user row of that name with a notify_tag gives the tag instead of the name, for when
    two leaders share a name.
    """
    # Leaders of live tasks only: a withdrawn task makes nobody a recipient.
    task_leaders = session.exec(
        select(Task.leader).where(col(Task.leader) != "", live_tasks()).distinct()
    ).all()
    users = session.exec(
        select(User).where(
            sa.or_(col(User.role) == Role.leader, col(User.name).in_(list(task_leaders)))
        )
    ).all()
    tag_of = {u.name: (u.notify_tag or u.name) for u in users}
    names = sorted(
        set(task_leaders) | {u.name for u in users if u.role == Role.leader},
    )
    return list(dict.fromkeys([OFFICE_TAG, *(tag_of.get(n, n) for n in names)]))


def _shown_units(units: list[UnitRow]) -> tuple[list[UnitRow], str]:
    if len(units) <= TEXT_UNITS:
        return units, ""
    worst = units[-TEXT_UNITS_WORST:]
    return worst, (
        f"共{len(units)}个牵头单位,以下列出完成率最低的{len(worst)}个,完整排名见邮件或周报文件。"
    )


def _shown_red(summary: WeeklySummary) -> tuple[list[RedItem], str]:
    red = summary.red_list[:TEXT_RED]
    if len(red) < summary.red_total:
        return red, f"以下列出逾期最久的{len(red)}项"
    return red, ""


def _shown_scores(summary: WeeklySummary) -> tuple[list[UnitScore], str]:
    """The 考核 ranking a notice lists: every unit up to TEXT_SCORES, then the top ones."""
    board = summary.scores
    if board is None:
        return [], ""
    if len(board.units) <= TEXT_SCORES:
        return board.units, ""
    return board.units[:TEXT_SCORES], (
        f"共{len(board.units)}个单位,以下列出前{TEXT_SCORES}名,完整排名和扣分明细见整改通“单位考核”页面。"
    )


def weekly_context(
    summary: WeeklySummary,
    *,
    chart: Chart | None,
    chart_src: str | None,
    base_url: str | None = None,
) -> dict[str, Any]:
    units, units_note = _shown_units(summary.units)
    red, red_note = _shown_red(summary)
    scores, scores_note = _shown_scores(summary)
    return {
        "scores": scores,
        "scores_note": scores_note,
        "s": summary,
        "units": units,
        "units_note": units_note,
        "red": red,
        "red_note": red_note,
        "chart_src": chart_src,
        "chart_note": chart.note if chart else "",
        "sender": SENDER,
        "base_url": base_url,  # each listed task links to its web page when set
    }


def render_weekly(
    summary: WeeklySummary,
    *,
    chart: Chart | None,
    chart_src: str | None = None,
    templates_dir: Path | None = None,
    base_url: str | None = None,
) -> Rendered:
    context = weekly_context(summary, chart=chart, chart_src=chart_src, base_url=base_url)
    return render(KIND, context, templates_dir=templates_dir)


def write_report_files(
    summary: WeeklySummary,
    *,
    folder: Path,
    templates_dir: Path | None,
    base_url: str | None = None,
) -> tuple[Chart, list[Path], Rendered]:
    """The chart (PNG), the report as HTML and Markdown; returns the notice's rendering."""
    stem = report_stem(summary.week)
    chart = completion_chart(
        summary.units, folder / f"{stem}.png", week=summary.week, week_label=summary.week_label
    )
    as_file = render_weekly(
        summary,
        chart=chart,
        chart_src=chart.path.name,
        templates_dir=templates_dir,
        base_url=base_url,
    )
    html_path, md_path = folder / f"{stem}.html", folder / f"{stem}.md"
    write_text(html_path, as_file.html)
    write_text(md_path, as_file.md)
    notice = render_weekly(summary, chart=chart, templates_dir=templates_dir, base_url=base_url)
    return chart, [chart.path, html_path, md_path], notice


def plan_weekly_summary(
    engine: sa.Engine, settings: Settings, *, as_of: date, now: datetime, dry_run: bool = False
) -> WeeklyPlan:
    """Summarise the week, write the report files and enqueue one notice per recipient.

    One transaction. With dry_run, everything is rendered but nothing is written or queued.
    """
    channels = load_channels(settings)
    period = iso_week(as_of)
    with transaction(engine) as session:
        recipients = weekly_recipients(session)
        keys = [notice_key(KIND, tag, period) for tag in recipients]
        taken = existing_keys(session, keys)
        plan = WeeklyPlan(
            as_of=as_of,
            period=period,
            summary=None,
            recipients=recipients,
            recipients_without_channel=channels.without_channel(recipients),
            dry_run=dry_run,
        )
        if len(taken) == len(keys) and not dry_run:
            # Everything of this week was planned already: keep the files that were sent.
            plan.duplicates = len(keys)
            return plan
        summary = plan.summary = weekly_summary(
            session,
            as_of=as_of,
            rules=settings.rules,
            calendar=settings.calendar(),
            now=now,
            scoring=settings.scoring,
        )
        if dry_run:
            with tempfile.TemporaryDirectory() as scratch:
                chart, _, plan.rendered = write_report_files(
                    summary,
                    folder=Path(scratch),
                    templates_dir=settings.templates_dir,
                    base_url=settings.base_url,
                )
            plan.chart_font = chart.font
            plan.duplicates = len(taken)
            plan.planned = len(keys) - len(taken)
            return plan
        settings.reports_dir.mkdir(parents=True, exist_ok=True)
        chart, plan.files, rendered = write_report_files(
            summary,
            folder=settings.reports_dir,
            templates_dir=settings.templates_dir,
            base_url=settings.base_url,
        )
        plan.chart_font, plan.rendered = chart.font, rendered
        drafts = [
            NoticeDraft(
                kind=KIND,
                recipient=tag,
                period=period,
                task_ids=[],
                title=rendered.title,
                body_text=rendered.text,
                body_html=rendered.html,
                body_md=rendered.md,
                attachments=[str(chart.path.resolve())],
            )
            for tag in recipients
        ]
        result = enqueue(drafts, session=session, now=now, send_at=send_time(settings, now))
        plan.planned, plan.duplicates, plan.notice_ids = (
            result.created,
            result.duplicates,
            result.notice_ids,
        )
    return plan


@dataclass
class WeeklyReport:
    """Planning and delivery of one weekly run: the counts `rectify weekly --json` prints."""

    plan: WeeklyPlan
    delivery: DeliveryReport | None  # None on a dry run

    def counts(self) -> dict[str, Any]:
        delivery = self.delivery or DeliveryReport()
        return {
            "as_of": self.plan.as_of.isoformat(),
            "period": self.plan.period,
            "recipients": len(self.plan.recipients),
            "planned": self.plan.planned,
            "duplicates": self.plan.duplicates,
            "recipients_without_channel": self.plan.recipients_without_channel,
            "sent": delivery.sent,
            "local": delivery.local,
            "waiting": delivery.waiting,
            "failed": delivery.failed,
            "retrying": delivery.retrying,
            "delivery_errors": delivery.errors,
            "files": [str(p) for p in self.plan.files],
            "dry_run": self.plan.dry_run,
        }


def run_weekly_summary(
    engine: sa.Engine, settings: Settings, *, as_of: date, now: datetime, dry_run: bool = False
) -> WeeklyReport:
    """Plan the week's summary, then deliver everything due in the outbox (not on a dry run)."""
    plan = plan_weekly_summary(engine, settings, as_of=as_of, now=now, dry_run=dry_run)
    if dry_run:
        return WeeklyReport(plan=plan, delivery=None)
    return WeeklyReport(plan=plan, delivery=deliver_pending(engine, settings, now=now))
