"""The end-of-round commands as a user types them: rectify closure-form, rectify archive."""

from __future__ import annotations

import json
import zipfile

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


def test_archive_writes_the_zip_and_says_what_is_in_it(
    cli: Cli, finished_round: FinishedRound
) -> None:
    result = cli(
        "archive", str(finished_round.inspection_id), "--as-of", "2027-03-01", "-o", "档案.zip"
    )
    assert result.code == 0, result.err
    assert result.out.startswith(
        "已生成整改档案:档案.zip(共20个文件,其中佐证材料8份、销号审批表7份、督办通知单1份,"
    )
    with zipfile.ZipFile(cli.cwd / "档案.zip") as zf:
        assert len(zf.namelist()) == 20
    as_json = json.loads(
        cli("archive", "1", "--as-of", "2027-03-01", "-o", "again.zip", "--json").out
    )
    assert as_json["files"] == 20 and as_json["evidence_files"] == 8
    assert (cli.cwd / "again.zip").read_bytes() == (cli.cwd / "档案.zip").read_bytes()


def test_archive_of_an_unknown_round_or_to_a_non_zip_is_refused_in_chinese(
    cli: Cli, finished_round: FinishedRound
) -> None:
    unknown = cli("archive", "42", "-o", "a.zip")
    assert unknown.code == 1 and "42" in unknown.err and "不存在" in unknown.err
    wrong = cli("archive", "1", "-o", "a.rar")
    assert wrong.code == 1 and "须保存为 .zip 文件" in wrong.err
    assert not (cli.cwd / "a.zip").exists() and not (cli.cwd / "a.rar").exists()
