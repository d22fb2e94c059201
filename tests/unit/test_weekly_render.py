"""Rendering the weekly 整改周报 and its chart from a hand-made summary (no database)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ledger.stats import Totals
from ledger.summary import (
    Counts,
    FailedNotice,
    RedItem,
    RoundSummary,
    WeekChange,
    WeeklySummary,
    rank_units,
)
from notifications.chart import completion_chart
from notifications.weekly import render_weekly

AS_OF = date(2026, 12, 7)


def make_summary(
    *, units: dict[str, Totals] | None = None, red: int = 1, failed: bool = True
) -> WeeklySummary:
    overall = Totals(
        tasks=11,
        closed=3,
        submitted=1,
        in_progress=4,
        pending=3,
        overdue=red,
        ongoing=1,
        problems=4,
        problems_done=1,
        problems_nearly=1,
    )
    units = units or {
        "县科技局": Totals(tasks=6, closed=1, overdue=red),
        "局办公室": Totals(tasks=5, closed=2),
    }
    red_list = [
        RedItem(
            task_id=i,
            code=f"1.{i}",
            inspection="省委第八巡视组反馈科技工作问题整改",
            measure=f"建立科技项目资金拨付台账<第{i}项>",
            lead_unit="县科技局",
            leader="王副局长",
            person="陈某",
            deadline=date(2026, 11, 20),
            deadline_text="2026年11月20日",
            days_overdue=17,
            workdays_overdue=11,
        )
        for i in range(1, min(red, 200) + 1)
    ]
    return WeeklySummary(
        as_of=AS_OF,
        as_of_text="2026年12月7日",
        since=date(2026, 11, 30),
        since_text="2026年11月30日",
        period_text="2026年12月1日至2026年12月7日",
        week="2026-W50",
        week_label="2026年第50周",
        title="整改工作周报(2026年第50周)",
        overall=Counts.of("总体", overall),
        change=WeekChange(newly_closed=2, newly_overdue=1),
        rounds=[
            RoundSummary(
                serial="(一)",
                inspection_id=1,
                title="省委第八巡视组反馈科技工作问题整改",
                body="省委第八巡视组",
                feedback_date=date(2026, 10, 15),
                feedback_date_text="2026年10月15日",
                counts=Counts.of("省委第八巡视组反馈科技工作问题整改", overall),
                change=WeekChange(newly_closed=2, newly_overdue=1),
            )
        ],
        units=rank_units(units),
        red_list=red_list,
        red_total=red,
        failed_notices=[
            FailedNotice(
                notice_id=9,
                kind="urge",
                kind_label="催办",
                recipient="县科技局",
                period="2026-12-01",
                attempts=5,
                last_error="mailto://user:****@example.org 拒绝连接",
                created_text="2026年12月1日",
            )
        ]
        if failed
        else [],
        failed_total=1 if failed else 0,
        generated_text="2026年12月7日",
    )


def test_text_body_has_every_section_in_office_register() -> None:
    text = render_weekly(make_summary(), chart=None).text
    assert text.startswith("整改工作周报(2026年第50周)\n")
    assert "统计截至2026年12月7日,本期为2026年12月1日至2026年12月7日。" in text
    assert (
        "反馈问题4个,已完成整改1个,基本完成1个,未完成2个,总体完成率25.00%;"
        "整改措施共11项,已销号3项,待销号1项,整改中4项,待整改3项,逾期1项,长期坚持1项,"
        "措施完成率27.27%。本周新销号2项,新增逾期1项。" in text
    )
    assert "(一)省委第八巡视组反馈科技工作问题整改(反馈日期2026年10月15日)" in text
    assert (
        "1. 局办公室:共5项,已销号2项,逾期0项,完成率40.00%,本期收到通知0份\n"
        "2. 县科技局:共6项,已销号1项,逾期1项,完成率16.67%,本期收到通知0份" in text
    )
    assert (
        "1. [1.1] 县科技局:建立科技项目资金拨付台账<第1项>(整改时限2026年11月20日,已逾期17天,合11个工作日;责任领导王副局长)"
        in text
    )
    assert (
        "1. 催办 → 县科技局(2026-12-01,发送失败,已尝试5次):mailto://user:****@example.org 拒绝连接"
        in text
    )
    assert text.rstrip().endswith("整改办\n2026年12月7日")


def test_title_gives_the_week_and_the_completion_rate() -> None:
    assert (
        render_weekly(make_summary(), chart=None).title
        == "整改工作周报(2026年第50周):共11项,已销号3项,完成率27.27%"
    )


def test_html_escapes_text_from_the_ledger_and_marks_overdue_counts() -> None:
    html = render_weekly(make_summary(), chart=None).html
    assert "建立科技项目资金拨付台账&lt;第1项&gt;" in html
    assert "<第1项>" not in html
    assert '<td style="color: #c00;">1</td>' in html  # 县科技局's overdue count
    assert (
        "<td>1</td><td>局办公室</td><td>5</td><td>2</td><td>3</td><td>0</td><td>40.00%</td>" in html
    )


def test_a_quiet_week_says_so_instead_of_leaving_sections_empty() -> None:
    rendered = render_weekly(make_summary(red=0, failed=False), chart=None)
    for body in (rendered.text, rendered.md, rendered.html):
        assert "本期无逾期未销号任务。" in body
        assert "本期无未能送达的通知。" in body


def test_long_lists_are_cut_in_im_bodies_but_complete_in_the_email() -> None:
    units = {f"单位{i:03d}": Totals(tasks=10, closed=i % 10, overdue=i % 3) for i in range(120)}
    rendered = render_weekly(make_summary(units=units, red=180), chart=None)
    assert "共120个牵头单位,以下列出完成率最低的30个,完整排名见邮件或周报文件。" in rendered.md
    assert sum(1 for line in rendered.md.splitlines() if "完成率**" in line) == 30
    assert "共180项,以下列出逾期最久的50项。" in rendered.text
    assert sum(1 for line in rendered.text.splitlines() if "已逾期17天" in line) == 50
    assert rendered.html.count("<td>单位") == 120
    assert rendered.html.count("建立科技项目资金拨付台账") == 180


def test_report_file_shows_the_chart_and_the_notice_names_the_attachment(tmp_path: Path) -> None:
    summary = make_summary()
    chart = completion_chart(
        summary.units,
        tmp_path / "整改周报-2026-W50.png",
        week=summary.week,
        week_label=summary.week_label,
        font=None,
    )
    as_file = render_weekly(summary, chart=chart, chart_src=chart.path.name)
    as_notice = render_weekly(summary, chart=chart)
    assert '<img src="整改周报-2026-W50.png"' in as_file.html
    assert "![各责任单位整改完成率](整改周报-2026-W50.png)" in as_file.md
    assert "<img" not in as_notice.html
    assert (
        "附件 整改周报-2026-W50.png 为各牵头单位的整改完成率图;图中单位按上表排名编号。"
        in as_notice.text
    )


def test_chart_without_a_cjk_font_falls_back_to_english_labels(tmp_path: Path) -> None:
    summary = make_summary()
    chart = completion_chart(
        summary.units,
        tmp_path / "c.png",
        week=summary.week,
        week_label=summary.week_label,
        font=None,
    )
    assert chart.font is None
    assert chart.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (chart.units_shown, chart.units_total) == (2, 2)


def test_chart_with_many_units_draws_the_weakest(tmp_path: Path) -> None:
    units = rank_units({f"单位{i:03d}": Totals(tasks=10, closed=i % 10) for i in range(45)})
    chart = completion_chart(
        units, tmp_path / "c.png", week="2026-W50", week_label="2026年第50周", font=None
    )
    assert (chart.units_shown, chart.units_total) == (30, 45)
    assert chart.note.startswith("附件 c.png 为完成率最低的30个牵头单位的整改完成率图")


def test_chart_uses_an_installed_cjk_font_when_there_is_one(tmp_path: Path) -> None:
    from notifications.chart import cjk_font

    family = cjk_font()
    if family is None:
        pytest.skip("本机未安装中文字体(如 fonts-noto-cjk),图表使用英文标注")
    chart = completion_chart(
        rank_units({"县科技局": Totals(tasks=2, closed=1)}),
        tmp_path / "c.png",
        week="2026-W50",
        week_label="2026年第50周",
    )
    assert chart.font == family
    assert "图中单位按上表排名编号" not in chart.note


def test_the_chart_draws_chinese_with_a_font_that_has_every_glyph_of_its_labels(
    tmp_path: Path,
) -> None:
    import warnings

    from notifications.chart import _charmap, cjk_font

    if cjk_font() is None:
        pytest.skip("本机未安装中文字体(CI 安装 fonts-wqy-microhei),图表使用英文标注")
    units = rank_units({"县科技局": Totals(tasks=2, closed=1), "财务股": Totals(tasks=1)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chart = completion_chart(
            units, tmp_path / "c.png", week="2026-W50", week_label="2026年第50周"
        )
    assert chart.font is not None and chart.font_path is not None
    covered = _charmap(chart.font_path)
    title = "各牵头单位整改完成率(2026年第50周)县科技局财务股"
    assert all(ord(c) in covered for c in title)
    assert not [w for w in caught if "Glyph" in str(w.message)]
    assert "图中单位按上表排名编号" not in chart.note


def test_without_a_font_covering_the_labels_the_chart_is_english_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging
    import warnings

    from matplotlib import font_manager

    from notifications.chart import FontFile

    dejavu = font_manager.findfont("DejaVu Sans")  # Latin only, as on a bare server
    units = rank_units({"县科技局": Totals(tasks=2, closed=1), "财务股": Totals(tasks=1)})
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        chart = completion_chart(
            units,
            tmp_path / "c.png",
            week="2026-W50",
            week_label="2026年第50周",
            fonts=[FontFile("DejaVu Sans", dejavu)],
        )
    assert chart.font is None
    assert chart.note.endswith("图中单位按上表排名编号。")
    logged = [r.getMessage() for r in caplog.records if r.name == "notifications.chart"]
    assert len(logged) == 1 and "改用英文标注" in logged[0]
    assert not [w for w in caught if "Glyph" in str(w.message)]
    assert chart.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
