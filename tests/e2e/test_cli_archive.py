"""The end-of-round commands as a user types them: rectify closure-form, rectify archive."""

from __future__ import annotations

from docx import Document

from tests.conftest import Cli
from tests.fixtures.archive import FinishedRound


def test_closure_form_writes_the_word_form_of_a_task(
    cli: Cli, finished_round: FinishedRound
) -> None:
    task = finished_round.tasks["1.1"]
    result = cli("closure-form", str(task), "-o", "销号审批表.docx")
    assert result.code == 0, result.err
    assert result.out.strip() == "已生成销号审批表:销号审批表.docx"
    texts = [p.text for p in Document(str(cli.cwd / "销号审批表.docx")).paragraphs]
    assert "经整改办核验,于2026年11月25日同意销号。核验意见:台账完整,同意销号" in texts


def test_closure_form_of_an_unknown_task_is_refused_in_chinese(
    cli: Cli, finished_round: FinishedRound
) -> None:
    result = cli("closure-form", "999", "-o", "x.docx")
    assert result.code == 1
    assert "任务编号 999 不存在" in result.err
    assert not (cli.cwd / "x.docx").exists()
