"""The 销号审批表 of a task, from the sample round taken to the end, on both backends."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from docx import Document
from sqlmodel import col

from ledger.actors import Actor
from ledger.documents.closure import closure_form, closure_forms
from ledger.documents.render import render_docx
from ledger.errors import NotFoundError
from ledger.uow import transaction
from models.enums import Role
from models.tables import Task
from tests.fixtures.archive import FinishedRound
from tests.fixtures.documents import OFFICE


def _texts(path: Path) -> tuple[list[str], dict[str, str], list[list[str]]]:
    doc = Document(str(path))
    paragraphs = [p.text for p in doc.paragraphs]
    facts = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    tables = [[" | ".join(c.text for c in row.cells) for row in t.rows] for t in doc.tables[1:]]
    return paragraphs, facts, tables


def test_a_returned_and_extended_task_shows_its_extension_evidence_return_and_verification(
    engine: sa.Engine, finished_round: FinishedRound, tmp_path: Path
) -> None:
    with transaction(engine) as session:
        data = closure_form(session, finished_round.tasks["1.2"], actor=OFFICE)
    out = render_docx(data, tmp_path / "销号审批表.docx")
    paragraphs, facts, tables = _texts(out)

    assert paragraphs[0] == "整改任务销号审批表"
    assert facts["反馈问题"] == "(一)科技项目资金管理不规范,部分项目资金拨付滞后"
    assert facts["整改措施"] == "对滞后项目逐一约谈承担单位,限期拨付到位(任务编号 1.2,限期整改)"
    assert facts["牵头单位"] == "县科技局" and facts["配合单位"] == "无"
    assert facts["责任领导"] == "王副局长" and facts["责任人"] == "陈某"
    assert facts["整改时限"] == "2027年2月28日(原时限2027年1月15日,经批准延期)"
    assert facts["当前状态"] == "已销号"
    [extensions, evidence, _signatures] = tables
    assert extensions[1] == (
        "1 | 2026年12月1日 | 整改办 | 2027年1月15日延至2027年2月28日 | 配套资金需跨年度安排"
        " | 整改办于2026年12月2日批准"
    )
    assert "补齐全部拨付凭证" in paragraphs
    assert "(整改办于2027年2月10日申请销号)" in paragraphs
    assert "二、佐证材料清单(共2份)" in paragraphs
    assert [row.split(" | ")[1:4] for row in evidence[1:]] == [
        ["拨付凭证.pdf", "2027年1月20日", "申请销号"],
        ["拨付凭证.pdf", "2027年2月10日", "申请销号"],
    ]
    assert "三、退回记录(共退回1次)" in paragraphs
    assert "1. 2027年1月22日,整改办退回,理由:缺少2个项目的拨付凭证" in paragraphs
    assert "经整改办核验,于2027年2月15日同意销号。" in paragraphs
    assert not any("{{" in t or "{%" in t for t in paragraphs)


def test_a_task_awaiting_acceptance_says_so_and_lists_no_verification(
    engine: sa.Engine, finished_round: FinishedRound, tmp_path: Path
) -> None:
    with transaction(engine) as session:
        data = closure_form(session, finished_round.tasks["4.2"], actor=OFFICE)
    assert data.verification is None and data.returns == ()
    out = render_docx(data, tmp_path / "f.docx")
    paragraphs, facts, _tables = _texts(out)
    assert facts["当前状态"] == "待销号"
    assert "待整改办审核" in paragraphs
    assert "二、佐证材料清单(无(理由:制度文件已在局门户网站公开))" in paragraphs
    assert "三、退回记录(无)" in paragraphs


def test_forms_of_a_whole_round_come_in_problem_order_with_their_own_evidence(
    engine: sa.Engine, finished_round: FinishedRound
) -> None:
    with transaction(engine) as session:
        forms = closure_forms(session, col(Task.inspection_id) == finished_round.inspection_id)
    assert [f.code for f in forms] == ["1.1", "1.2", "2.1", "2.2", "3.1", "4.1", "4.2"]
    first = forms[0]
    assert [(e.name, e.closure) for e in first.evidence] == [
        ("资金拨付台账.xlsx", False),
        ("会议纪要.pdf", False),
        ("会议纪要.pdf", True),
        ('CON:核查"结果"?.docx', True),
    ]
    assert first.verification is not None and first.verification.note == "台账完整,同意销号"
    assert first.closed_on == date(2026, 11, 25)


def test_a_unit_sees_the_forms_of_its_own_tasks_only(
    engine: sa.Engine, finished_round: FinishedRound
) -> None:
    from ledger import registry
    from ledger.inputs import UserCreate
    from tests.fixtures.documents import at

    with transaction(engine) as session:
        registry.add_user(
            UserCreate(name="赵某", role=Role.unit, unit="局办公室"),
            session=session,
            actor=OFFICE,
            now=at(date(2027, 3, 1)),
        )
    with transaction(engine) as session:
        task = session.get(Task, finished_round.tasks["4.1"])
        assert task is not None
        unit_id = task.lead_unit_id
    unit = Actor(name="赵某", role=Role.unit, unit_id=unit_id, unit_name="局办公室")
    with transaction(engine) as session:
        assert closure_form(session, finished_round.tasks["4.1"], actor=unit).code == "4.1"
        # Another unit's task is not there for this unit (as in its detail, as on the web).
        with pytest.raises(NotFoundError, match="不在您的查看范围内"):
            closure_form(session, finished_round.tasks["1.1"], actor=unit)
        with pytest.raises(NotFoundError, match="任务编号 9999 不存在"):
            closure_form(session, 9999, actor=OFFICE)
