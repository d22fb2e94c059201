"""Enumerations of the domain, with the Chinese labels users read."""

from __future__ import annotations

from enum import StrEnum


class SourceKind(StrEnum):
    """What kind of inspection raised the problems."""

    xunshi = "巡视"
    xuncha = "巡察"
    audit = "审计"
    ducha = "督查"


class TaskKind(StrEnum):
    """立行立改 / 限期整改 / 长期坚持."""

    immediate = "immediate"
    dated = "dated"
    ongoing = "ongoing"

    @property
    def label(self) -> str:
        return {"immediate": "立行立改", "dated": "限期整改", "ongoing": "长期坚持"}[self.value]


class TaskStatus(StrEnum):
    """Where a task stands in its lifecycle."""

    pending = "pending"  # 待整改: registered, no progress yet
    in_progress = "in_progress"  # 整改中
    submitted = "submitted"  # 待销号: closure requested, awaiting the office
    closed = "closed"  # 已销号

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self is not TaskStatus.closed


STATUS_LABELS = {
    TaskStatus.pending: "待整改",
    TaskStatus.in_progress: "整改中",
    TaskStatus.submitted: "待销号",
    TaskStatus.closed: "已销号",
}


class Role(StrEnum):
    office = "office"  # 纪检监察室 / 巡察办 / 整改办
    unit = "unit"  # 责任单位
    leader = "leader"  # 责任领导

    @property
    def label(self) -> str:
        return {"office": "整改办", "unit": "责任单位", "leader": "责任领导"}[self.value]


class Light(StrEnum):
    """红黄绿蓝灯, derived at read time, never stored."""

    red = "red"
    yellow = "yellow"
    green = "green"
    blue = "blue"
    done = "done"

    @property
    def label(self) -> str:
        return {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "blue": "蓝灯", "done": "已销号"}[
            self.value
        ]


class ExtensionStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    refused = "refused"

    @property
    def label(self) -> str:
        return {"pending": "待审批", "approved": "已批准", "refused": "未批准"}[self.value]


class ReportKind(StrEnum):
    """What a progress report row records."""

    progress = "progress"  # 进展填报
    closure = "closure"  # 申请销号 with its summary
    imported = "imported"  # the progress column of an imported ledger
    followup = "followup"  # 回头看: the unit's 未反弹 confirmation, with its evidence


class FollowUpStatus(StrEnum):
    """Where a 回头看 stands."""

    scheduled = "scheduled"  # 待回头看: due some months after 销号
    confirmed = "confirmed"  # 未反弹
    reopened = "reopened"  # 反弹: the task was reopened

    @property
    def label(self) -> str:
        return {"scheduled": "待回头看", "confirmed": "未反弹", "reopened": "反弹"}[self.value]


class NoticeStatus(StrEnum):
    """Where a notice of the outbox stands; `label` is the word the office reads."""

    # Written by the ledger with the decision it announces, carrying `data`; rendered with
    # the office's templates and made pending before delivery (notifications.drafts), since
    # the ledger cannot render.
    draft = "draft"
    pending = "pending"  # due at next_attempt_at (new, or after a channel refused it)
    sending = "sending"  # claimed by a deliverer; its lease is claimed_at + lease_seconds
    sent = "sent"  # every channel accepted it
    local = "local"  # no Apprise configuration: written under the data folder only
    waiting = "waiting"  # the recipient has no channel; no attempt spent, sent once it has
    failed = "failed"  # a channel refused it max_attempts times
    # the daily cap held it; never sent itself, its tasks go in the recipient's next digest
    held = "held"
    folded = "folded"  # a held notice whose tasks a later notice carried

    @property
    def label(self) -> str:
        return NOTICE_STATUS_LABELS[self]


NOTICE_STATUS_LABELS = {
    NoticeStatus.draft: "待生成",
    NoticeStatus.pending: "待发送",
    NoticeStatus.sending: "发送中",
    NoticeStatus.sent: "已发送",
    NoticeStatus.local: "已写入本地文件",
    NoticeStatus.waiting: "未配置通知渠道",
    NoticeStatus.failed: "发送失败",
    NoticeStatus.held: "已顺延",
    NoticeStatus.folded: "已并入后续通知",
}


class NoticeKind(StrEnum):
    """What a notice of the outbox is about (Notice.kind); `label` is the word users read,
    in the outbox, the check's and the weekly summary's counts, and the flows' logs."""

    remind = "remind"  # 提醒: before the deadline
    urge = "urge"  # 催办: overdue
    supervise = "supervise"  # 督办: long overdue, to the leader and the office
    ongoing = "ongoing"  # 长期坚持 with no progress for a while
    weekly = "weekly"  # 整改周报
    followup = "followup"  # 回头看 due
    report = "report"  # 进展报送 due by the round's cadence
    acknowledge = "acknowledge"  # 签收 outstanding
    acknowledge_urge = "acknowledge_urge"  # 签收 still outstanding after its reminder
    folded = "folded"  # items held by the daily cap, carried by a later digest
    escalate = "escalate"  # the 分管领导 told of a unit that ignored its 催办
    # Decision notices (ledger.decision_notices), written with the decision they announce.
    assign = "assign"
    adjust = "adjust"
    return_ = "return"
    verify = "verify"
    extension = "extension"

    @property
    def label(self) -> str:
        return NOTICE_KIND_LABELS[self.value]


NOTICE_KIND_LABELS = {
    "remind": "提醒",
    "urge": "催办",
    "supervise": "督办",
    "ongoing": "长期坚持提醒",
    "weekly": "整改周报",
    "followup": "回头看提醒",
    "report": "进展报送提醒",
    "acknowledge": "签收提醒",
    "acknowledge_urge": "签收催办",
    "folded": "顺延事项",
    "escalate": "提请分管领导督促",
    "assign": "新任务交办",
    "adjust": "任务调整通知",
    "return": "退回通知",
    "verify": "销号通知",
    "extension": "延期审批通知",
}


def notice_kind_label(kind: str) -> str:
    """The words for a notice's kind; an unknown code (a newer kind) shows as itself."""
    return NOTICE_KIND_LABELS.get(kind, kind)


class PartStatus(StrEnum):
    """Where a co-unit's own part of a task stands (配合单位的部分)."""

    open = "open"  # 未完成: no mark yet, or reopened
    done = "done"  # 已完成: marked by the co-unit

    @property
    def label(self) -> str:
        return {"open": "未完成", "done": "已完成"}[self.value]
