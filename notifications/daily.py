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
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

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
from ledger.reminders.escalation import escalation_marks, escalations
from ledger.reminders.marks import record_escalations
from ledger.uow import transaction
from models.reminders import Level
from models.settings import Settings
from notifications.acknowledge import plan_acknowledge_reminders, plan_acknowledge_urges
from notifications.channels import Channels, load_channels
from notifications.delivery import DeliveryReport, deliver_pending
from notifications.folding import (
    FOLDED_KIND,
    Folding,
    HeldNotice,
    folding_order,
    hold,
    mark_folded,
    plan_folding,
)
from notifications.followup import plan_followup_reminders
from notifications.outbox import NoticeDraft, enqueue, existing_keys, notice_key, send_time
from notifications.render import Renderer
from notifications.report_reminders import plan_report_reminders

if TYPE_CHECKING:
    from ledger.actors import Actor

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
    acknowledge_urges: int = 0  # 签收催办 notices created, the 分管领导's copies included
    escalated: int = 0  # tasks reported to their 分管领导 after N ignored 催办
    held: int = 0  # digests the daily cap held for the recipients' next digest
    folded: int = 0  # held items of earlier days carried in today's notices
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
            "acknowledge_urges": self.acknowledge_urges,
            "escalated": self.escalated,
            "held": self.held,
            "folded": self.folded,
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
    folded: list[dict[str, Any]] | None = None,
) -> NoticeDraft:
    """The notice of one digest. It lists the most urgent `digest_max_items` tasks in full and
    counts the rest in a closing line (a 28,000-row email is read by nobody); its task_ids
    still cover every task, so each is marked as told. `folded`: the items the daily cap held
    on earlier days, shown below the digest's own list (notifications.folding)."""
    listed = digest.listed(settings.rules.digest_max_items)
    context = {
        "folded": [SimpleNamespace(**item) for item in folded or ()],
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
        "escalate_after": settings.rules.escalate_after_urges,
        "base_url": settings.base_url,  # each task links to its web page when set
    }
    renderer = renderer or Renderer(settings.templates_dir)
    rendered = renderer.render(digest.level.value, context)
    return NoticeDraft(
        kind=digest.level.value,
        recipient=digest.recipient,
        period=period,
        task_ids=list(dict.fromkeys([*digest.task_ids, *(item["id"] for item in folded or ())])),
        title=rendered.title,
        body_text=rendered.text,
        body_html=rendered.html,
        body_md=rendered.md,
    )


def folded_draft(
    recipient: str,
    held: list[HeldNotice],
    *,
    as_of: date,
    settings: Settings,
    period: str,
    renderer: Renderer,
) -> NoticeDraft:
    """A 顺延事项 notice: the held items of a recipient with no digest of its own that day."""
    items = folding_order([item for h in held for item in h.items])
    names = list(dict.fromkeys(name for h in held for name in h.names))
    rendered = renderer.render(
        FOLDED_KIND,
        {
            "names": names,
            "recipient": recipient,
            "as_of": as_of,
            "folded": [SimpleNamespace(**item) for item in items],
            "folded_only": True,  # the items are the notice: no "另:" before them
            "total": len(items),
            "office_name": OFFICE_NAME,
            "base_url": settings.base_url,
        },
    )
    return NoticeDraft(
        kind=FOLDED_KIND,
        recipient=recipient,
        period=period,
        task_ids=list(dict.fromkeys(item["id"] for item in items)),
        title=rendered.title,
        body_text=rendered.text,
        body_html=rendered.html,
        body_md=rendered.md,
    )


def _drafts(
    folding: Folding, *, as_of: date, settings: Settings, period: str, renderer: Renderer
) -> tuple[list[NoticeDraft], list[NoticeDraft]]:
    """(the drafts to send, the drafts the cap holds)."""
    carrying = {id(d): r for r, d in folding.carrier.items() if d is not None}
    drafts = [
        draft_for(
            d,
            as_of=as_of,
            settings=settings,
            period=period,
            renderer=renderer,
            folded=folding.items_for(d.recipient) if id(d) in carrying else None,
        )
        for d in folding.kept
    ]
    drafts += [
        folded_draft(
            r,
            folding.carried[r],
            as_of=as_of,
            settings=settings,
            period=period,
            renderer=renderer,
        )
        for r, d in folding.carrier.items()
        if d is None
    ]
    held = [
        draft_for(d, as_of=as_of, settings=settings, period=period, renderer=renderer)
        for d in folding.held
    ]
    return drafts, held


def _plan_once(
    engine: sa.Engine,
    settings: Settings,
    *,
    as_of: date,
    now: datetime,
    dry_run: bool,
    bodies: frozenset[str],
    by: Actor | None = None,
) -> tuple[PlanReport, ReminderPlan]:
    calendar = settings.calendar()
    period = as_of.isoformat()
    renderer = Renderer(settings.templates_dir, bodies=bodies)
    # Planning a catch-up day builds a few hundred thousand objects without cycles; the
    # cyclic collector would walk them all again and again (see ledger.reminders).
    with gc_paused(), transaction(engine) as session:
        plan = plan_reminders(session, today=as_of, calendar=calendar, rules=settings.rules)
        report = PlanReport(as_of=as_of, is_workday=plan.is_workday, tasks_due=len(plan.due))
        if not plan.is_workday:
            report.message = f"{as_of.isoformat()} 为{NOT_A_WORKDAY}"
            return report, plan
        # The 分管领导 of tasks whose unit ignored N 催办 hear of them beside the ladder.
        escalated = escalations(session, plan.due, rules=settings.rules)
        digests = plan.digests + escalated
        keys = [notice_key(d.level.value, d.recipient, period) for d in digests]
        taken = existing_keys(session, keys)
        fresh = [d for d, k in zip(digests, keys, strict=True) if k not in taken]
        report.duplicates = len(digests) - len(fresh)
        # Tasks whose every digest was already sent today wait for the next run. A digest the
        # daily cap holds counts as told: its tasks reach the recipient's next digest.
        told = {t.task_id: t for d in fresh for t in d.tasks}
        # 签收提醒 and 签收催办 first: written to the outbox now, they are among the notices a
        # recipient already has today, so the daily cap counts them (ledger.reminders.cap).
        report.acknowledge_reminders = plan_acknowledge_reminders(
            session,
            as_of=as_of,
            now=now,
            settings=settings,
            calendar=calendar,
            renderer=renderer,
            period=period,
        )
        report.acknowledge_urges = plan_acknowledge_urges(
            session,
            as_of=as_of,
            now=now,
            settings=settings,
            calendar=calendar,
            renderer=renderer,
            period=period,
        )
        folding = plan_folding(
            session, fresh, cap=settings.notify.daily_cap, period=period, now=now
        )
        supervised = [t for t in told.values() if t.step.level is Level.supervise]
        if dry_run:
            for t in supervised:
                t.order_label = f"督办〔{as_of.year}〕(编号待定)号"
                t.reply_due = calendar.add_workdays(as_of, settings.rules.reply_workdays)
            report.drafts, held = _drafts(
                folding, as_of=as_of, settings=settings, period=period, renderer=renderer
            )
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
            report.planned, report.held = len(report.drafts), len(held)
            report.folded = sum(len(folding.items_for(r)) for r in folding.carrier)
            session.rollback()
            _count_levels(report, folding.kept)
            return report, plan
        orders = allocate_supervision_orders(
            session, supervised, today=as_of, calendar=calendar, rules=settings.rules
        )
        drafts, held = _drafts(
            folding, as_of=as_of, settings=settings, period=period, renderer=renderer
        )
        result = enqueue(drafts + held, session=session, now=now, send_at=send_time(settings, now))
        if result.raced_keys:
            raise ConflictError("另一次检查同时写入了相同的通知,本次重新规划")
        hold(
            session,
            [(result.ids_by_key[h.key], d) for h, d in zip(held, folding.held, strict=True)],
            as_of=as_of,
        )
        mark_folded(
            session,
            [
                (h, result.ids_by_key[notice_key(d.level.value if d else FOLDED_KIND, r, period)])
                for r, d in folding.carrier.items()
                for h in folding.carried[r]
            ],
        )
        report.held = len(held)
        report.folded = sum(len(folding.items_for(r)) for r in folding.carrier)
        notice_of_task: dict[int, int] = {}
        for draft in drafts:
            notice_id = result.ids_by_key[draft.key]
            for task_id in draft.task_ids:
                notice_of_task.setdefault(task_id, notice_id)
        fresh_escalations = [d for d in fresh if d.level is Level.escalate]
        report.escalated = record_escalations(
            session,
            escalation_marks(
                fresh_escalations,
                notice_ids={
                    d.recipient: result.ids_by_key[notice_key(d.level.value, d.recipient, period)]
                    for d in fresh_escalations
                },
                now=now,
            ),
        )
        report.steps_marked = record_steps(
            session,
            list(told.values()),
            notice_of_task=notice_of_task,
            orders=orders,
            today=as_of,
            now=now,
            **({"actor": by.name, "channel": by.channel} if by is not None else {}),
        )
        report.planned = result.created - len(held)
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
        _count_levels(report, folding.kept)
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
    by: Actor | None = None,
) -> PlanReport:
    """Writes today's reminder digests into the outbox (or, on a dry run, only renders them).

    `by`: the office user who runs the check by hand; history names the 督办通知单 they
    issue after them (a scheduled run's are 定时任务's)."""
    channels = channels or load_channels(settings)
    for attempt in range(1, PLAN_RETRIES + 1):
        try:
            report, plan = _plan_once(
                engine,
                settings,
                as_of=as_of,
                now=now,
                dry_run=dry_run,
                bodies=channels.bodies_read(),
                by=by,
            )
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
    by: Actor | None = None,
) -> CheckReport:
    """Plan, then deliver everything pending (today's digests and earlier retries)."""
    channels = channels or load_channels(settings)
    plan = plan_daily_check(
        engine, settings, as_of=as_of, now=now, dry_run=dry_run, channels=channels, by=by
    )
    if dry_run:
        return CheckReport(plan, None)
    delivery = deliver_pending(engine, settings, now=now, channels=channels)
    return CheckReport(plan, delivery)
