"""Pure rules of the lifecycle and the lights. No database, no clock: `today` is passed in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from models.enums import Light, TaskKind, TaskStatus


class RuleError(ValueError):
    """A step the rules forbid. The message is Chinese and says what to do instead;
    `field` names the input it is about, when there is one (see ledger.errors)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Rules:
    """Every number an office may configure (defaults from domain.md)."""

    yellow_days: int = 10  # 10 calendar days or fewer left: yellow
    immediate_workdays: int = 5  # 立行立改: due this many working days after registration
    remind_workdays: tuple[int, ...] = (10, 3)  # 提醒 at these working days left
    urge_every_workdays: int = 5  # 催办 again every N working days while overdue
    supervise_after_workdays: int = 10  # 督办 once overdue by more than N working days
    ongoing_silence_days: int = 30  # 长期坚持: remind when no progress for N days
    reply_workdays: int = 3  # 督办通知单: written reply due after N working days
    # Tell the task's 分管领导 (leader) once when the unit has ignored this many 催办 (no
    # progress reported since); 0: never (the leader is copied on every 催办 anyway).
    escalate_after_urges: int = 0
    max_attempts: int = 5  # a notice is marked failed after this many failed sends
    digest_max_items: int = 50  # a digest lists this many tasks in full, most urgent first
    # 报送周期 of rounds that set none (models.cadence): "每周一", "每月15日", "每季度", "none"
    report_cadence: str = "none"
    # 签收: a unit that has not signed for a task within N working days of getting it is
    # reminded once, on the next working day; 0 turns the 签收提醒 off.
    acknowledge_workdays: int = 2
    # 签收催办: still not signed N working days after its 签收提醒, the unit is urged once,
    # copied to the task's 分管领导 (once per task and unit); 0: never.
    acknowledge_urge_workdays: int = 0
    extra: dict[str, str] = field(default_factory=dict)


def light_of(
    *, kind: TaskKind, status: TaskStatus, deadline: date | None, today: date, rules: Rules
) -> Light:
    """The light of a task as of `today`. Mirrored in SQL by ledger.queries.light_case."""
    if status is TaskStatus.closed:
        return Light.done
    if kind is TaskKind.ongoing or deadline is None:
        return Light.blue
    days_left = (deadline - today).days
    if days_left < 0:
        return Light.red
    if days_left <= rules.yellow_days:
        return Light.yellow
    return Light.green


def days_left(deadline: date | None, today: date) -> int | None:
    """Calendar days until the deadline; negative when overdue; None without a deadline."""
    return None if deadline is None else (deadline - today).days


# The lifecycle: 待整改 → 整改中 → 待销号 → 已销号, or 待销号 → 整改中 when returned.
def after_progress(status: TaskStatus) -> TaskStatus:
    if status is TaskStatus.closed:
        raise RuleError("该任务已销号,不能再填报进展;如需重新整改,请联系整改办")
    if status is TaskStatus.submitted:
        raise RuleError("该任务已申请销号、正在审核,审核结果出来前不能填报进展")
    return TaskStatus.in_progress


def after_submit(
    status: TaskStatus, *, summary: str, evidence_count: int, no_evidence_reason: str
) -> TaskStatus:
    if status is TaskStatus.closed:
        raise RuleError("该任务已销号,无需再次申请")
    if status is TaskStatus.submitted:
        raise RuleError("该任务已申请销号,正在等待整改办审核,请勿重复提交")
    if not summary.strip():
        raise RuleError("申请销号须填写整改情况摘要", field="summary")
    if evidence_count == 0 and not no_evidence_reason.strip():
        raise RuleError("申请销号须附至少一份佐证材料,或写明无需佐证的理由", field="evidence")
    return TaskStatus.submitted


def after_verify(status: TaskStatus) -> TaskStatus:
    if status is TaskStatus.closed:
        raise RuleError("该任务已销号,无需重复销号")
    if status is not TaskStatus.submitted:
        raise RuleError(f"该任务当前为“{status.label}”,责任单位申请销号后才能销号")
    return TaskStatus.closed


def after_return(status: TaskStatus, *, reason: str) -> TaskStatus:
    if status is not TaskStatus.submitted:
        raise RuleError(f"该任务当前为“{status.label}”,只有待销号的任务可以退回")
    if not reason.strip():
        raise RuleError("退回须写明理由,以便责任单位继续整改", field="reason")
    return TaskStatus.in_progress


def check_extension_request(
    *, kind: TaskKind, status: TaskStatus, deadline: date | None, new_deadline: date, today: date
) -> None:
    """延期 may be asked only while the task is open and before its deadline passes."""
    if status is TaskStatus.closed:
        raise RuleError("该任务已销号,不能申请延期")
    if kind is TaskKind.ongoing or deadline is None:
        raise RuleError("长期坚持的任务没有整改时限,无需申请延期")
    if today > deadline:
        raise RuleError(
            f"整改时限 {deadline.isoformat()} 已过,不能再申请延期;请尽快整改或向整改办说明情况"
        )
    if new_deadline <= deadline:
        raise RuleError(
            f"延期后的时限 {new_deadline.isoformat()} 须晚于当前时限 {deadline.isoformat()}",
            field="new_deadline",
        )


def check_extension_decision(*, status: TaskStatus, approve: bool) -> None:
    if approve and status is TaskStatus.closed:
        raise RuleError("该任务已销号,无需批准延期")


def next_task_code(problem_seq: int, codes: Iterable[str]) -> str:
    """The code of a problem's next measure: the problem's number and the next number after
    the highest under it (1.1, 1.2 ...), whether the measures were registered or imported.
    A code written some other way does not count."""
    taken = [int(c.rsplit(".", 1)[-1]) for c in codes if c.rsplit(".", 1)[-1].isdigit()]
    return f"{problem_seq}.{max(taken, default=0) + 1}"


def is_before_feedback(deadline: date | None, feedback_date: date | None) -> bool:
    """A deadline before the round was fed back is a slip of the pen, refused by registration
    and the import alike; a round whose feedback date is not known has nothing to check."""
    return deadline is not None and feedback_date is not None and deadline < feedback_date


def completion_rate(part: int, whole: int) -> float:
    """完成率 as a percentage, 0-100: the one formula every count, board and chart uses
    (0 when there is nothing to count)."""
    return 100.0 * part / whole if whole else 0.0


def percent_text(part: int, whole: int) -> str:
    """98.71%: two decimals, as offices print a 完成率; — when there is nothing to count."""
    return f"{completion_rate(part, whole):.2f}%" if whole else "—"
