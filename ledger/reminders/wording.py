"""What a reminder notice shows of a task: its template context and the timing words."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING

from ledger.wording import cn_date

if TYPE_CHECKING:
    from ledger.reminders.due import DueTask


def task_context(task: DueTask) -> SimpleNamespace:
    """What templates show of the task (t.code, t.deadline, ...). Attributes, not a dict:
    Jinja tries an attribute first, and the failed try per field was a third of rendering
    time."""
    step = task.step
    if step.workdays_overdue is not None:
        timing = f"已逾期{step.workdays_overdue}个工作日"
    elif step.workdays_left is not None:
        timing = "今日到期" if step.workdays_left == 0 else f"剩余{step.workdays_left}个工作日"
    else:
        timing = f"已{step.silent_days}天未报送进展"
    units = f"{task.lead_unit}(牵头)" + (
        f"、{'、'.join(task.co_units)}(配合)" if task.co_units else ""
    )
    return SimpleNamespace(
        id=task.task_id,
        code=task.code,
        measure=task.measure,
        inspection=task.inspection,
        kind_label=task.kind.label,
        deadline=task.deadline,
        lead_unit=task.lead_unit,
        co_units=task.co_units,
        units=units,
        leader=task.leader,
        person=task.person,
        last_activity=task.last_activity,
        # Never a progress date nobody reported: without a report, the registration says so.
        last_activity_text=cn_date(task.last_activity)
        if task.reported
        else f"无({cn_date(task.last_activity)}登记以来未报送)",
        workdays_left=step.workdays_left,
        workdays_overdue=step.workdays_overdue,
        silent_days=step.silent_days,
        timing=timing,
        order_label=task.order_label,
        reply_due=task.reply_due,
    )
