"""How the 整改情况报告 words what the ledger holds. Pure: facts in, sentences out.

Every count comes in as a ledger.stats.Totals (computed once in SQL); these functions only
choose the words. Each problem gets the three parts of the format offices use:
1、工作开展情况 (what was done, with dates and units), 2、工作存在的问题 (reported issues,
overdue and silent measures), 3、整改情况 (where each measure stands and what comes next).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ledger.documents.text import bare, clean, cn_date, ordinal_items, sentence
from ledger.stats import Totals
from models.enums import Light, ReportKind, SourceKind, TaskKind, TaskStatus


@dataclass(frozen=True)
class ReportEntry:
    """One progress report (or closure summary) of a measure, dated in Asia/Shanghai."""

    on: date | None  # None: an imported report the ledger gave no date for
    kind: ReportKind
    text: str
    issues: str = ""
    next_steps: str = ""


@dataclass(frozen=True)
class PartFacts:
    """A co-unit's own part of a measure: whether it marked it 已完成, and its own reports."""

    unit: str
    done: bool
    reports: tuple[ReportEntry, ...] = field(default_factory=tuple)

    @property
    def is_reported(self) -> bool:
        return self.done or bool(self.reports)


@dataclass(frozen=True)
class MeasureFacts:
    """What the report needs to know of one 整改措施."""

    code: str
    measure: str
    lead_unit: str
    co_units: tuple[str, ...]
    kind: TaskKind
    status: TaskStatus
    light: Light
    deadline: date | None
    original_deadline: date | None = None
    days_left: int | None = None
    closed_on: date | None = None
    reports: tuple[ReportEntry, ...] = field(default_factory=tuple)  # the task's own
    parts: tuple[PartFacts, ...] = field(default_factory=tuple)  # the co-units' own

    @property
    def is_open(self) -> bool:
        return self.status is not TaskStatus.closed

    @property
    def is_overdue(self) -> bool:
        return self.light is Light.red

    @property
    def latest(self) -> ReportEntry | None:
        return self.reports[-1] if self.reports else None

    @property
    def quoted(self) -> str:
        return f"“{bare(self.measure)}”"

    @property
    def units(self) -> str:
        """县科技局牵头、财务股配合"""
        text = f"{self.lead_unit}牵头"
        return text + (f"、{'、'.join(self.co_units)}配合" if self.co_units else "")

    @property
    def is_extended(self) -> bool:
        return (
            self.original_deadline is not None
            and self.deadline is not None
            and self.deadline != self.original_deadline
        )


@dataclass(frozen=True)
class Part:
    """One of the three parts of a problem: its label and its paragraphs."""

    label: str
    paragraphs: tuple[str, ...]

    @property
    def lead(self) -> str:
        """The first paragraph, printed on the label's line."""
        return self.paragraphs[0] if self.paragraphs else ""

    @property
    def rest(self) -> tuple[str, ...]:
        return self.paragraphs[1:]


WORK_DONE = "1、工作开展情况。"
PROBLEMS_FOUND = "2、工作存在的问题。"
STATUS = "3、整改情况。"


def report_title(inspection_title: str) -> str:
    """关于省委第八巡视组反馈科技工作问题整改情况的报告"""
    title = bare(inspection_title)
    if title.endswith("整改"):
        return f"关于{title}情况的报告"
    return f"关于{title}整改情况的报告"


def problem_heading(serial: str, description: str) -> str:
    """(一)关于“科技项目资金管理不规范”问题的整改情况"""
    return f"{serial}关于“{bare(description)}”问题的整改情况"


def opening_paragraph(
    *,
    source_kind: str,
    body: str,
    subject: str,
    inspected_org: str,
    feedback_date: date | None,
    plan_doc_no: str,
    report_due: date | None,
    as_of: date,
    totals: Totals,
) -> str:
    """Who fed back what and when, the plan it is rectified under, and when the report is due.

    A feedback date not known yet is left out (with the due date it decides), never guessed."""
    subject_text = f"{bare(subject)}方面" if subject.strip() else ""
    to_whom = f"向{bare(inspected_org)}" if inspected_org.strip() else ""
    plan = f"整改方案({plan_doc_no.strip()})" if plan_doc_no.strip() else "整改方案"
    rule = (
        "按照《中国共产党巡视工作条例》有关规定"
        if source_kind in (SourceKind.xunshi.value, SourceKind.xuncha.value)
        else "按照有关规定"
    )
    when = f"{cn_date(feedback_date)}," if feedback_date else ""
    due = f"{rule},整改情况报告应于{cn_date(report_due)}前报送。" if report_due else ""
    return (
        f"{when}{bare(body)}{to_whom}反馈了{subject_text}存在的问题"
        f"{totals.problems}个。根据{plan}要求,我们对反馈问题逐项制定整改措施,"
        f"明确责任单位、责任人和整改时限,逐项抓好整改落实。{due}"
        f"现将截至{cn_date(as_of)}的整改情况分项汇报如下:"
    )


def totals_sentence(totals: Totals, *, source_kind: str = SourceKind.xunshi.value) -> str:
    """Both levels as offices write them: problems (完成整改 / 基本完成 / 未完成, 总体完成率
    counting only 完成整改) then measures (已销号, 措施完成率), 完成率 to two decimals.

    巡视反馈的4个问题,已完成整改1个,基本完成1个,未完成2个,总体完成率25.00%;
    制定整改措施7项,已销号3项,措施完成率42.86%;正在推进3项(其中待销号1项),长期坚持1项,逾期1项。
    """
    advancing = f"正在推进{totals.advancing}项"
    if totals.submitted:
        advancing += f"(其中待销号{totals.submitted}项)"
    return (
        f"{source_kind}反馈的{totals.problems}个问题,已完成整改{totals.problems_done}个,"
        f"基本完成{totals.problems_nearly}个,未完成{totals.problems_open}个,"
        f"总体完成率{totals.problem_completion_text};"
        f"制定整改措施{totals.tasks}项,已销号{totals.closed}项,"
        f"措施完成率{totals.completion_text};"
        f"{advancing},长期坚持{totals.ongoing}项,逾期{totals.overdue}项"
        + (f";开展“回头看”发现反弹{totals.rebounded}项,已重新纳入整改" if totals.rebounded else "")
        + "。"
    )


def _entry_text(entry: ReportEntry) -> str:
    when = cn_date(entry.on) if entry.on else "据台账"
    if entry.kind is ReportKind.closure:
        return f"{when}申请销号,{bare(entry.text)}"
    return f"{when},{bare(entry.text)}"


def _part_text(p: PartFacts) -> str:
    """其中财务股承担的部分已完成:2026年11月5日,已核对拨付进度"""
    state = "已完成" if p.done else "正在推进"
    entries = ";".join(_entry_text(e) for e in p.reports)
    return f"其中{p.unit}承担的部分{state}" + (f":{entries}" if entries else "")


def work_done(measures: list[MeasureFacts], counts: Totals) -> Part:
    """1、工作开展情况: each measure's reports in date order, with its units; then each
    co-unit's own part that it reported on or marked 已完成."""
    if counts.tasks == 0:
        return Part(WORK_DONE, ("该问题尚未登记整改措施。",))
    paragraphs = [f"针对该问题,制定整改措施{counts.tasks}项。"]
    reported = [m for m in measures if m.reports or any(p.is_reported for p in m.parts)]
    for m in reported:
        done = ";".join(_entry_text(e) for e in m.reports) or "牵头单位尚未报送进展"
        paragraphs.append(sentence(f"{m.units}落实{m.quoted}:{done}"))
        for p in m.parts:
            if p.is_reported:
                paragraphs.append(sentence(_part_text(p)))
    if not reported:
        paragraphs[0] += "各责任单位尚未报送工作进展。"
    return Part(WORK_DONE, tuple(paragraphs))


def _overdue_days(m: MeasureFacts) -> int:
    return -(m.days_left or 0)


def problems_found(measures: list[MeasureFacts]) -> Part:
    """2、工作存在的问题: what units reported as problems, overdue and silent measures."""
    paragraphs = []
    for m in measures:
        if not m.is_open:
            continue
        notes = []
        if m.is_overdue and m.deadline is not None:
            notes.append(f"整改时限为{cn_date(m.deadline)},已逾期{_overdue_days(m)}天,尚未完成销号")
        elif m.light is Light.yellow and m.deadline is not None:
            notes.append(f"距整改时限({cn_date(m.deadline)})仅剩{m.days_left}天,需加快推进")
        if not m.reports:
            notes.append("尚未报送整改进展")
        elif m.latest is not None and clean(m.latest.issues):
            notes.append(bare(m.latest.issues))
        if notes:
            paragraphs.append(sentence(f"{m.quoted}({m.lead_unit}牵头):{';'.join(notes)}"))
    if not paragraphs:
        if not measures:
            paragraphs.append("该问题尚未制定整改措施。")
        elif all(not m.is_open for m in measures):
            paragraphs.append("该问题的整改措施已全部销号,暂未发现新的问题。")
        else:
            paragraphs.append("各项整改措施正按计划推进,暂未发现突出问题。")
    return Part(PROBLEMS_FOUND, tuple(paragraphs))


def _status_phrase(m: MeasureFacts) -> str:
    if m.status is TaskStatus.closed:
        return f"已于{cn_date(m.closed_on)}销号" if m.closed_on else "已销号"
    if m.status is TaskStatus.submitted:
        closure = next((e for e in reversed(m.reports) if e.kind is ReportKind.closure), None)
        when = f"已于{cn_date(closure.on)}申请销号" if closure else "已申请销号"
        return f"{when},待整改办审核"
    if m.kind is TaskKind.ongoing or m.deadline is None:
        phrase = "长期坚持,持续推进"
    else:
        phrase = f"{m.status.label},整改时限{cn_date(m.deadline)}"
        if m.is_extended and m.original_deadline is not None:
            phrase += f"(经批准由{cn_date(m.original_deadline)}延期)"
        if m.is_overdue:
            phrase += f",已逾期{_overdue_days(m)}天"
    if m.latest is not None and clean(m.latest.next_steps):
        phrase += f";下一步:{bare(m.latest.next_steps)}"
    return phrase


def rectification_status(measures: list[MeasureFacts], counts: Totals) -> Part:
    """3、整改情况: the problem's counts, then each measure's status and next step."""
    if counts.tasks == 0:
        return Part(STATUS, ("尚未制定整改措施,须抓紧研究制定并登记整改任务。",))
    if counts.problems_done:
        return Part(
            STATUS,
            (
                f"该问题已完成整改,{counts.tasks}项整改措施已全部销号。",
                *(sentence(f"{m.quoted}:{_status_phrase(m)}") for m in measures),
            ),
        )
    summary = (
        f"该问题{counts.tasks}项整改措施中,已销号{counts.closed}项,正在推进{counts.advancing}项"
    )
    if counts.problems_nearly:
        summary = (
            f"该问题基本完成整改:{counts.tasks}项整改措施中,已销号{counts.closed}项,"
            f"其余{counts.submitted}项已申请销号,待整改办审核"
        )
    elif counts.ongoing:
        summary += f",长期坚持{counts.ongoing}项"
    summary += f"(其中逾期{counts.overdue}项)。" if counts.overdue else "。"
    paragraphs = [summary]
    paragraphs += [sentence(f"{m.quoted}:{_status_phrase(m)}") for m in measures]
    return Part(STATUS, tuple(paragraphs))


def _plan_item(m: MeasureFacts) -> str:
    step = bare(m.latest.next_steps) if m.latest is not None else ""
    text = f"{m.lead_unit}牵头推进{m.quoted}" + (f",{step}" if step else "")
    if m.kind is TaskKind.ongoing or m.deadline is None:
        return text + ",作为长期坚持事项持续抓好落实,定期报告进展"
    if m.is_overdue:
        return text + f",该项已逾期{_overdue_days(m)}天,须加快进度,尽快完成整改并申请销号"
    return text + f",确保于{cn_date(m.deadline)}前完成整改"


def _plan_order(m: MeasureFacts) -> tuple[int, date, str]:
    # Overdue first, then by deadline, 长期坚持 last: the order an office reads the list in.
    rank = 0 if m.is_overdue else (2 if m.deadline is None else 1)
    return (rank, m.deadline or date.max, m.code)


def next_steps(measures: list[MeasureFacts], totals: Totals) -> list[str]:
    """下一步工作打算, drawn from the open measures; the counts come from the round's totals."""
    working = sorted(
        (m for m in measures if m.is_open and m.status is not TaskStatus.submitted),
        key=_plan_order,
    )
    submitted = totals.submitted
    if totals.tasks == 0:
        return ["该轮反馈问题尚未登记整改措施,我们将抓紧逐项研究制定整改措施,明确责任和时限。"]
    if totals.open == 0:
        return [
            f"全部{totals.tasks}项整改措施已销号。下一步,我们将持续巩固整改成果,"
            "健全长效机制,坚决防止问题反弹。"
        ]
    intro = (
        f"针对尚未销号的{totals.open}项整改措施,我们将逐项明确责任和时限,持续跟踪督促,确保整改到位:"
    )
    items = [_plan_item(m) for m in working]
    if submitted:
        items.append(f"对已申请销号的{submitted}项整改措施,及时审核,符合条件的按程序销号")
    if totals.closed:
        items.append(f"对已销号的{totals.closed}项整改措施开展“回头看”,巩固整改成果,防止问题反弹")
    return [intro, *ordinal_items(items)]
