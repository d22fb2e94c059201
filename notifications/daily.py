"""The daily deadline check: plan the reminder digests into the outbox, then deliver.

Planning is one transaction: the notices, the steps marked done and the 督办通知单 are
written together, so a crash leaves either all of them or none, and delivery (a separate
step) picks up whatever is pending. A concurrent run that wrote the same keys first makes
this transaction roll back and plan again, finding the work done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from ledger.errors import ConflictError
from ledger.reminders import (
    OFFICE_NAME,
    Digest,
    ReminderPlan,
    allocate_supervision_orders,
    gc_paused,
    plan_reminders,
    record_steps,
)
from ledger.uow import transaction
from models.reminders import Level
from models.settings import Settings
from models.workdays import work_calendar
from notifications.acknowledge import plan_acknowledge_reminders
from notifications.channels import Channels, load_channels
from notifications.delivery import DeliveryReport, deliver_pending
from notifications.followup import plan_followup_reminders
from notifications.outbox import NoticeDraft, enqueue, existing_keys, notice_key, send_time
from notifications.render import Renderer
from notifications.report_reminders import plan_report_reminders

log = logging.getLogger(__name__)

PLAN_RETRIES = 3
NOT_A_WORKDAY = "非工作日,不发送提醒"


@dataclass
class PlanReport:
    as_of: date
    is_workday: bool
    planned: int = 0  # notices created in the outbox
    duplicates: int = 0  # digests whose notice was already there (a rerun)
    tasks_due: int = 0
    steps_marked: int = 0
    supervision_orders: list[str] = field(default_factory=list)
    followups: int = 0  # 回头看提醒 notices created (notifications.followup)
    report_reminders: int = 0  # 进展报送提醒 notices created (notifications.report_reminders)
    acknowledge_reminders: int = 0  # 签收提醒 notices created (notifications.acknowledge)
    recipients_without_channel: list[str] = field(default_factory=list)
    by_level: dict[str, int] = field(default_factory=dict)
    drafts: list[NoticeDraft] = field(default_factory=list)  # filled on a dry run
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "is_workday": self.is_workday,
            "message": self.message,
            "planned": self.planned,
            "duplicates": self.duplicates,
            "tasks_due": self.tasks_due,
            "steps_marked": self.steps_marked,
            "by_level": self.by_level,
            "supervision_orders": self.supervision_orders,
            "followups": self.followups,
            "report_reminders": self.report_reminders,
            "acknowledge_reminders": self.acknowledge_reminders,
            "recipients_without_channel": self.recipients_without_channel,
        }


@dataclass
class CheckReport:
    plan: PlanReport
    delivery: DeliveryReport | None

    def as_dict(self) -> dict[str, Any]:
        data = self.plan.as_dict()
        delivery = self.delivery or DeliveryReport()
        data.update(
            sent=delivery.sent,
            local=delivery.local,
            waiting=delivery.waiting,
            failed=delivery.failed,
            retrying=delivery.retrying,
            delivery_errors=delivery.errors,
        )
        return data


def draft_for(
    digest: Digest,
    *,
    as_of: date,
    settings: Settings,
    period: str,
    renderer: Renderer | None = None,
) -> NoticeDraft:
    """The notice of one digest. It lists the most urgent `digest_max_items` tasks in full and
    counts the rest in a closing line (a 28,000-row email is read by nobody); its task_ids
    still cover every task, so each is marked as told."""
    listed = digest.listed(settings.rules.digest_max_items)
    context = {
        "names": digest.names,
        "recipient": digest.recipient,
        "role": digest.role,  # a 督办's addressee, or a copy (ledger.reminders.audience)
        "as_of": as_of,
        "tasks": [t.as_context() for t in listed],
        "total": len(digest.tasks),
        "more": len(digest.tasks) - len(listed),
        "office_name": OFFICE_NAME,
        "supervise_after": settings.rules.supervise_after_workdays,
        "silence_days": settings.rules.ongoing_silence_days,
        "base_url": settings.base_url,  # each task links to its web page when set
    }
    renderer = renderer or Renderer(settings.templates_dir)
    rendered = renderer.render(digest.level.value, context)
    return NoticeDraft(
        kind=digest.level.value,
        recipient=digest.recipient,
        period=period,
        task_ids=digest.task_ids,
        title=rendered.title,
        body_text=rendered.text,
        body_html=rendered.html,
        body_md=rendered.md,
    )


def _plan_once(
    engine: sa.Engine, settings: Settings, *, as_of: date, now: datetime, dry_run: bool
) -> tuple[PlanReport, ReminderPlan]:
    calendar = work_calendar(settings.holiday_file)
    period = as_of.isoformat()
    renderer = Renderer(settings.templates_dir)
    # Planning a catch-up day builds a few hundred thousand objects without cycles; the
    # cyclic collector would walk them all again and again (see ledger.reminders).
    with gc_paused(), transaction(engine) as session:
        plan = plan_reminders(session, today=as_of, calendar=calendar, rules=settings.rules)
        report = PlanReport(as_of=as_of, is_workday=plan.is_workday, tasks_due=len(plan.due))
        if not plan.is_workday:
            report.message = f"{as_of.isoformat()} 为{NOT_A_WORKDAY}"
            return report, plan
        keys = [notice_key(d.level.value, d.recipient, period) for d in plan.digests]
        taken = existing_keys(session, keys)
        fresh = [d for d, k in zip(plan.digests, keys, strict=True) if k not in taken]
        report.duplicates = len(plan.digests) - len(fresh)
        # Tasks whose every digest was already sent today wait for the next run.
        told = {t.task_id: t for d in fresh for t in d.tasks}
        supervised = [t for t in told.values() if t.step.level is Level.supervise]
        if dry_run:
            for t in supervised:
                t.order_label = f"督办〔{as_of.year}〕(编号待定)号"
                t.reply_due = calendar.add_workdays(as_of, settings.rules.reply_workdays)
            report.drafts = [
                draft_for(d, as_of=as_of, settings=settings, period=period, renderer=renderer)
                for d in fresh
            ]
            reports = plan_report_reminders(
                session,
                as_of=as_of,
                now=now,
                settings=settings,
                calendar=calendar,
                renderer=renderer,
                dry_run=True,
            )
            report.drafts += reports
            report.report_reminders = len(reports)
            report.planned = len(report.drafts)
            session.rollback()
            _count_levels(report, fresh)
            return report, plan
        orders = allocate_supervision_orders(
            session, supervised, today=as_of, calendar=calendar, rules=settings.rules
        )
        drafts = [
            draft_for(d, as_of=as_of, settings=settings, period=period, renderer=renderer)
            for d in fresh
        ]
        result = enqueue(drafts, session=session, now=now, send_at=send_time(settings, now))
        if result.raced_keys:
            raise ConflictError("另一次检查同时写入了相同的通知,本次重新规划")
        notice_of_task: dict[int, int] = {}
        for draft in drafts:
            notice_id = result.ids_by_key[draft.key]
            for task_id in draft.task_ids:
                notice_of_task.setdefault(task_id, notice_id)
        report.steps_marked = record_steps(
            session,
            list(told.values()),
            notice_of_task=notice_of_task,
            orders=orders,
            today=as_of,
            now=now,
        )
        report.planned = result.created
        report.duplicates += result.duplicates
        report.supervision_orders = [o.label for o in orders]
        report.followups = plan_followup_reminders(
            session, as_of=as_of, now=now, settings=settings, renderer=renderer, period=period
        )
        report.report_reminders = len(
            plan_report_reminders(
                session,
                as_of=as_of,
                now=now,
                settings=settings,
                calendar=calendar,
                renderer=renderer,
            )
        )
        report.acknowledge_reminders = plan_acknowledge_reminders(
            session,
            as_of=as_of,
            now=now,
            settings=settings,
            calendar=calendar,
            renderer=renderer,
            period=period,
        )
        _count_levels(report, fresh)
    return report, plan


def _count_levels(report: PlanReport, digests: list[Digest]) -> None:
    for d in digests:
        report.by_level[d.level.value] = report.by_level.get(d.level.value, 0) + 1


def plan_daily_check(
    engine: sa.Engine,
    settings: Settings,
    *,
    as_of: date,
    now: datetime,
    dry_run: bool = False,
    channels: Channels | None = None,
) -> PlanReport:
    """Writes today's reminder digests into the outbox (or, on a dry run, only renders them)."""
    channels = channels or load_channels(settings)
    for attempt in range(1, PLAN_RETRIES + 1):
        try:
            report, plan = _plan_once(engine, settings, as_of=as_of, now=now, dry_run=dry_run)
            break
        except (ConflictError, sa.exc.IntegrityError):
            # Another run planned the same day at the same moment: plan again on top of it.
            if attempt == PLAN_RETRIES:
                raise
            log.info("每日检查与另一次运行冲突,第%s次重新规划", attempt)
    report.recipients_without_channel = channels.without_channel(
        [d.recipient for d in plan.digests]
    )
    return report


def run_daily_check(
    engine: sa.Engine,
    settings: Settings,
    *,
    as_of: date,
    now: datetime,
    dry_run: bool = False,
    channels: Channels | None = None,
) -> CheckReport:
    """Plan, then deliver everything pending (today's digests and earlier retries)."""
    channels = channels or load_channels(settings)
    plan = plan_daily_check(
        engine, settings, as_of=as_of, now=now, dry_run=dry_run, channels=channels
    )
    if dry_run:
        return CheckReport(plan, None)
    delivery = deliver_pending(engine, settings, now=now, channels=channels)
    return CheckReport(plan, delivery)
