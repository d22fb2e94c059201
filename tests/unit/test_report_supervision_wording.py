"""How the 督办通知单 is worded from its stored facts (pure, no database)."""

from __future__ import annotations

from datetime import date

from ledger.documents.render import render_markdown
from ledger.documents.supervision import SupervisionOrderData


def order(**kw) -> SupervisionOrderData:  # type: ignore[no-untyped-def]
    base = dict(
        order_id=1,
        label="督办〔2027〕2号",
        year=2027,
        number=2,
        issued_on=date(2027, 1, 5),
        deadline=date(2026, 12, 20),
        days_overdue=11,
        reply_due=date(2027, 1, 8),
        notice_id=None,
        task_id=9,
        code="4.1",
        measure="开展自查",
        problem="选人用人程序不规范",
        inspection="省委第八巡视组反馈问题整改",
        lead_unit="局办公室",
        co_units=("县委组织部",),
        leader="李局长",
        person="赵某",
    )
    base.update(kw)
    return SupervisionOrderData(**base)  # type: ignore[arg-type]


def test_order_names_the_leader_and_the_reply_date() -> None:
    data = order()
    assert data.body == (
        "省委第八巡视组反馈问题整改反馈的“选人用人程序不规范”问题,其整改措施“开展自查”"
        "(任务编号 4.1)由局办公室牵头落实,整改时限为2026年12月20日。截至2027年1月5日,"
        "该项整改已逾期11个工作日,仍未完成整改销号,现予督办。"
    )
    assert data.demand.startswith("请李局长同志督促局办公室于2027年1月8日前")


def test_order_without_a_leader_is_addressed_to_the_unit() -> None:
    data = order(leader="", co_units=())
    assert data.demand.startswith("请局办公室于2027年1月8日前")
    context = data.context()
    assert context["leader"] == "未指定" and context["co_units_text"] == "无"
    assert "| 配合单位 | 无 |" in render_markdown(data)
