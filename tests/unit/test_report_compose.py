"""How the 整改情况报告 words the ledger: pure composition rules, no database."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.documents import compose
from ledger.documents.compose import MeasureFacts, ReportEntry
from ledger.documents.render import markdown_escape
from ledger.documents.report_data import report_due
from ledger.documents.text import add_months, clean, cn_date, cn_numeral, ordinal_items, serial
from ledger.stats import Totals
from models.enums import Light, ReportKind, TaskKind, TaskStatus


def measure(**kw) -> MeasureFacts:  # type: ignore[no-untyped-def]
    base = dict(
        code="1.1",
        measure="建立资金拨付台账",
        lead_unit="县科技局",
        co_units=(),
        kind=TaskKind.dated,
        status=TaskStatus.in_progress,
        light=Light.green,
        deadline=date(2027, 1, 15),
        original_deadline=date(2027, 1, 15),
        days_left=30,
    )
    base.update(kw)
    return MeasureFacts(**base)  # type: ignore[arg-type]


def entry(day: date, text: str, **kw) -> ReportEntry:  # type: ignore[no-untyped-def]
    return ReportEntry(on=day, kind=kw.pop("kind", ReportKind.progress), text=text, **kw)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "一"),
        (10, "十"),
        (12, "十二"),
        (20, "二十"),
        (105, "一百零五"),
        (110, "一百一十"),
        (2000, "二千"),
    ],
)
def test_numbers_are_written_as_in_official_documents(n: int, text: str) -> None:
    assert cn_numeral(n) == text
    assert serial(3) == "(三)"


def test_the_report_is_due_two_months_after_feedback_clamped_to_the_month_end() -> None:
    assert report_due(date(2026, 10, 15)) == date(2026, 12, 15)
    assert report_due(date(2026, 12, 31)) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert cn_date(date(2026, 12, 1)) == "2026年12月1日"


def test_totals_sentence_gives_problems_then_measures_as_offices_write_them() -> None:
    totals = Totals(
        tasks=11,
        closed=3,
        submitted=1,
        in_progress=5,
        pending=2,
        overdue=2,
        ongoing=1,
        problems=4,
        problems_done=1,
        problems_nearly=1,
    )
    assert compose.totals_sentence(totals, source_kind="巡察") == (
        "巡察反馈的4个问题,已完成整改1个,基本完成1个,未完成2个,总体完成率25.00%;"
        "制定整改措施11项,已销号3项,措施完成率27.27%;"
        "正在推进7项(其中待销号1项),长期坚持1项,逾期2项。"
    )


def test_completion_rates_have_two_decimals_and_basically_done_is_never_inside_them() -> None:
    # 77 of 78 problems 完成整改 and the last one 基本完成: 98.72%, not 100% and not 98.7%.
    totals = Totals(
        tasks=156, closed=155, submitted=1, problems=78, problems_done=77, problems_nearly=1
    )
    assert totals.problem_completion_text == "98.72%"
    assert totals.completion_text == "99.36%"
    assert totals.problems_open == 0
    assert Totals().problem_completion_text == Totals().completion_text == "—"


def test_status_part_says_when_a_problem_is_done_or_basically_done() -> None:
    closed = measure(status=TaskStatus.closed, closed_on=date(2026, 11, 25))
    submitted = measure(code="1.2", status=TaskStatus.submitted)
    done = compose.rectification_status(
        [closed], Totals(tasks=1, closed=1, problems=1, problems_done=1)
    )
    assert done.lead == "该问题已完成整改,1项整改措施已全部销号。"
    nearly = compose.rectification_status(
        [closed, submitted],
        Totals(tasks=2, closed=1, submitted=1, problems=1, problems_nearly=1),
    )
    assert nearly.lead == (
        "该问题基本完成整改:2项整改措施中,已销号1项,其余1项已申请销号,待整改办审核。"
    )


def test_work_done_gives_each_report_with_its_date_and_units() -> None:
    m = measure(
        co_units=("财务股",),
        reports=(
            entry(date(2026, 11, 5), "已建立台账\n核查项目28个"),
            entry(date(2026, 11, 20), "台账运行正常。", kind=ReportKind.closure),
        ),
    )
    part = compose.work_done([m], Totals(tasks=1))
    assert part.label == "1、工作开展情况。"
    assert part.lead == "针对该问题,制定整改措施1项。"
    assert part.rest == (
        "县科技局牵头、财务股配合落实“建立资金拨付台账”:2026年11月5日,已建立台账;核查项目28个;"
        "2026年11月20日申请销号,台账运行正常。",
    )


def test_work_done_says_so_when_no_unit_has_reported() -> None:
    part = compose.work_done([measure()], Totals(tasks=1))
    assert part.paragraphs == ("针对该问题,制定整改措施1项。各责任单位尚未报送工作进展。",)


def test_problems_name_overdue_silent_and_reported_issues_of_open_measures_only() -> None:
    overdue = measure(
        measure="开展自查",
        light=Light.red,
        deadline=date(2026, 12, 20),
        days_left=-8,
        reports=(
            entry(date(2026, 11, 1), "启动自查", issues="旧问题"),
            entry(date(2026, 11, 15), "完成自查", issues="纪实材料不全"),
        ),
    )
    silent = measure(measure="修订考核办法", lead_unit="县人社局")
    closed = measure(
        measure="已办结事项",
        status=TaskStatus.closed,
        light=Light.done,
        reports=(entry(date(2026, 11, 1), "完成", issues="曾经的问题"),),
    )
    part = compose.problems_found([overdue, silent, closed])
    assert part.paragraphs == (
        "“开展自查”(县科技局牵头):整改时限为2026年12月20日,已逾期8天,尚未完成销号;纪实材料不全。",
        "“修订考核办法”(县人社局牵头):尚未报送整改进展。",
    )


def test_problems_part_is_never_blank() -> None:
    closed = measure(status=TaskStatus.closed, light=Light.done)
    assert compose.problems_found([closed]).paragraphs == (
        "该问题的整改措施已全部销号,暂未发现新的问题。",
    )
    on_track = measure(reports=(entry(date(2026, 11, 1), "推进中"),))
    assert compose.problems_found([on_track]).paragraphs == (
        "各项整改措施正按计划推进,暂未发现突出问题。",
    )


def test_status_part_gives_counts_then_each_measure_with_its_next_step() -> None:
    measures = [
        measure(
            measure="甲",
            status=TaskStatus.closed,
            light=Light.done,
            closed_on=date(2026, 11, 25),
        ),
        measure(
            measure="乙",
            status=TaskStatus.submitted,
            reports=(entry(date(2026, 12, 20), "已完成", kind=ReportKind.closure),),
        ),
        measure(
            measure="丙",
            deadline=date(2027, 3, 31),
            original_deadline=date(2027, 1, 31),
            reports=(entry(date(2026, 12, 1), "推进", next_steps="月底前印发"),),
        ),
        measure(
            measure="丁",
            kind=TaskKind.ongoing,
            light=Light.blue,
            deadline=None,
            original_deadline=None,
            days_left=None,
        ),
    ]
    counts = Totals(tasks=4, closed=1, submitted=1, in_progress=2, ongoing=1)
    assert compose.rectification_status(measures, counts).paragraphs == (
        "该问题4项整改措施中,已销号1项,正在推进2项,长期坚持1项。",
        "“甲”:已于2026年11月25日销号。",
        "“乙”:已于2026年12月20日申请销号,待整改办审核。",
        "“丙”:整改中,整改时限2027年3月31日(经批准由2027年1月31日延期);下一步:月底前印发。",
        "“丁”:长期坚持,持续推进。",
    )


def test_next_steps_put_overdue_first_and_ongoing_last() -> None:
    later = measure(measure="后到期", deadline=date(2027, 3, 1))
    overdue = measure(measure="已逾期", light=Light.red, deadline=date(2026, 12, 1), days_left=-5)
    ongoing = measure(measure="长期", kind=TaskKind.ongoing, light=Light.blue, deadline=None)
    totals = Totals(tasks=4, closed=1, in_progress=3, ongoing=1)
    steps = compose.next_steps([later, ongoing, overdue], totals)
    assert steps[0].startswith("针对尚未销号的3项整改措施")
    assert steps[1].startswith("一是县科技局牵头推进“已逾期”") and "已逾期5天" in steps[1]
    assert steps[2] == "二是县科技局牵头推进“后到期”,确保于2027年3月1日前完成整改。"
    assert steps[3].startswith("三是县科技局牵头推进“长期”,作为长期坚持事项")
    assert steps[4] == "四是对已销号的1项整改措施开展“回头看”,巩固整改成果,防止问题反弹。"


def test_next_steps_when_everything_is_closed_or_nothing_registered() -> None:
    assert compose.next_steps([], Totals(tasks=2, closed=2))[0].startswith("全部2项整改措施已销号")
    assert "尚未登记整改措施" in compose.next_steps([], Totals())[0]


def test_long_lists_are_numbered_not_counted_in_words() -> None:
    assert ordinal_items(["甲", "乙"]) == ["一是甲。", "二是乙。"]
    many = ordinal_items([f"事项{i}" for i in range(12)])
    assert many[0] == "1.事项0。" and many[11] == "12.事项11。"


def test_titles_and_headings() -> None:
    assert compose.report_title("省委第八巡视组反馈脱贫攻坚问题整改") == (
        "关于省委第八巡视组反馈脱贫攻坚问题整改情况的报告"
    )
    assert compose.report_title("2026年度审计") == "关于2026年度审计整改情况的报告"
    assert compose.problem_heading("(一)", "扶贫对象识别不精准。") == (
        "(一)关于“扶贫对象识别不精准”问题的整改情况"
    )


def test_ledger_text_is_cleaned_and_escaped_for_markdown() -> None:
    assert clean("一是开会\r\n\n二是发文。\n三是\x0b督查") == "一是开会;二是发文。三是督查"
    assert markdown_escape("# 标题 *强调* [链接] a|b") == "\\# 标题 \\*强调\\* \\[链接\\] a\\|b"


def test_a_problem_without_measures_says_so_in_each_part() -> None:
    assert compose.work_done([], Totals()).paragraphs == ("该问题尚未登记整改措施。",)
    assert compose.problems_found([]).paragraphs == ("该问题尚未制定整改措施。",)
    assert compose.rectification_status([], Totals()).lead.startswith("尚未制定整改措施")
