"""The 进展报送提醒 of the daily check: units whose tasks are due a report on their 报送周期.

Called from the daily check's planning transaction (notifications.daily), beside the ladder's
digests. One digest per lead unit and period (its outbox key is report:<unit>:<period>, e.g.
report:县科技局:2026-W49/weekly:1), so a unit is reminded once per period however many
runs there are; a unit with tasks on two rhythms gets one notice for each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from ledger.reminders import OFFICE_NAME
from ledger.report_due import ReportOwed, reports_due
from models.settings import Settings
from models.workdays import WorkCalendar
from notifications.outbox import NoticeDraft, enqueue, existing_keys
from notifications.render import Renderer

KIND = "report"


@dataclass
class _Digest:
    recipient: str
    name: str
    period: str
    tasks: list[ReportOwed] = field(default_factory=list)


def report_drafts(
    owed: list[ReportOwed], *, as_of: date, settings: Settings, renderer: Renderer
) -> list[NoticeDraft]:
    """One draft per lead unit and period, its tasks in unit, round and task order."""
    digests: dict[tuple[str, str], _Digest] = {}
    for task in owed:
        key = (task.lead_tag, task.period.key)
        digest = digests.get(key)
        if digest is None:
            digest = digests[key] = _Digest(task.lead_tag, task.lead_unit, task.period.key)
        digest.tasks.append(task)
    limit = max(settings.rules.digest_max_items, 1)
    drafts = []
    for digest in sorted(digests.values(), key=lambda d: (d.recipient, d.period)):
        first = digest.tasks[0]
        listed = digest.tasks[:limit]
        rendered = renderer.render(
            KIND,
            {
                "names": [digest.name],
                "recipient": digest.recipient,
                "as_of": as_of,
                "cadence": first.cadence.label,
                "period": first.period.label,
                "due_on": first.period.due,
                "tasks": [t.as_context() for t in listed],
                "total": len(digest.tasks),
                "more": len(digest.tasks) - len(listed),
                "office_name": OFFICE_NAME,
                "base_url": settings.base_url,
            },
        )
        drafts.append(
            NoticeDraft(
                kind=KIND,
                recipient=digest.recipient,
                period=digest.period,
                task_ids=[t.task_id for t in digest.tasks],
                title=rendered.title,
                body_text=rendered.text,
                body_html=rendered.html,
                body_md=rendered.md,
            )
        )
    return drafts


def plan_report_reminders(
    session: Session,
    *,
    as_of: date,
    now: datetime,
    settings: Settings,
    calendar: WorkCalendar,
    renderer: Renderer,
    dry_run: bool = False,
) -> list[NoticeDraft]:
    """Writes today's 进展报送提醒 (or, on a dry run, only renders them); returns the drafts
    of the notices created (a rerun finds their keys taken and creates none)."""
    owed = reports_due(
        session, as_of=as_of, calendar=calendar, default=settings.rules.report_cadence
    )
    if not owed:
        return []
    drafts = report_drafts(owed, as_of=as_of, settings=settings, renderer=renderer)
    taken = existing_keys(session, [d.key for d in drafts])
    fresh = [d for d in drafts if d.key not in taken]
    if dry_run or not fresh:
        return fresh
    result = enqueue(fresh, session=session, now=now)
    # A key a concurrent run wrote between the two reads is that run's notice, sent once.
    return [d for d in fresh if d.key not in result.raced_keys]
