"""`rectify score` as a user types it: the ranking, its causes, the xlsx, and 关账."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from tests.conftest import Cli

NOVEMBER = ("--period", "2026-11", "--as-of", "2026-12-01")


def test_the_office_reads_the_ranking_with_each_deduction_and_its_cause(
    cli: Cli, scored_ledger: dict[str, int]
) -> None:
    shown = cli("score", *NOVEMBER, user="周主任", check=True).out
    assert "单位考核 2026年11月" in shown
    assert "乙局" in shown and "101" in shown and "91" in shown
    assert "逾期6个工作日(整改时限2026年11月20日)" in shown
    assert "销号申请被退回(2026年11月10日)" in shown

    data = json.loads(cli("score", *NOVEMBER, "--json", user="周主任", check=True).out)
    assert [(u["rank"], u["unit"], u["score"]) for u in data["units"]] == [
        (1, "乙局", 101.0),
        (2, "甲局", 91.0),
    ]
    assert data["frozen"] is False and data["period"] == "2026-11"


def test_a_unit_reads_only_its_own_score(cli: Cli, scored_ledger: dict[str, int]) -> None:
    data = json.loads(cli("score", *NOVEMBER, "--json", user="乙局李某", check=True).out)
    assert [u["unit"] for u in data["units"]] == ["乙局"]


def test_the_xlsx_holds_the_ranking_and_the_causes_as_text(
    cli: Cli, scored_ledger: dict[str, int], tmp_path: Path
) -> None:
    out = tmp_path / "考核.xlsx"
    result = cli("score", *NOVEMBER, "-o", str(out), user="王书记", check=True)
    assert f"已写入:{out}" in result.out
    wb = load_workbook(out)
    ranking = [[c.value for c in row] for row in wb["考核排名"].iter_rows(min_row=3)]
    assert ranking == [["1", "乙局", "101", "0", "1", "1"], ["2", "甲局", "91", "10", "1", "6"]]
    detail = wb["扣分明细"]
    assert all(c.data_type == "s" for row in detail.iter_rows() for c in row)
    causes = {(r[0].value, r[1].value, r[2].value, r[4].value) for r in detail.iter_rows(min_row=2)}
    assert ("甲局", "1.1", "督办", "-3") in causes and ("甲局", "1.2", "提前完成", "1") in causes
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_closing_a_period_is_for_the_office_and_freezes_it(
    cli: Cli, scored_ledger: dict[str, int]
) -> None:
    refused = cli("score", "close", "2026-11", user="甲局张某")
    assert refused.code == 1 and "仅限整改办" in refused.err
    closed = cli("score", "close", "2026-11", user="周主任", check=True)
    assert "已关账" in closed.out
    again = cli("score", "close", "2026-11", user="周主任")
    assert again.code == 1 and "已关账" in again.err
    data = json.loads(cli("score", *NOVEMBER, "--json", user="周主任", check=True).out)
    assert data["frozen"] is True and data["closed_by"] == "周主任"


def test_a_period_that_cannot_be_read_names_the_flag_and_the_forms(
    cli: Cli, scored_ledger: dict[str, int]
) -> None:
    bad = cli("score", "--period", "2026年11月", user="周主任")
    assert bad.code == 1
    assert "2026-Q4" in bad.err and "--period" in bad.err


def test_the_office_sets_the_rule_in_the_scoring_table_of_rectify_toml(
    cli: Cli, scored_ledger: dict[str, int]
) -> None:
    (cli.cwd / "rectify.toml").write_text("[scoring]\nreturned = 5\nstart = 90\n", encoding="utf-8")
    data = json.loads(cli("score", *NOVEMBER, "--json", user="周主任", check=True).out)
    # 甲局: 90 - 3 - 3 - 5 + 1 - 1 - 1 (one 退回 at 5 points now); 乙局: 90 + 1.
    assert [(u["unit"], u["score"]) for u in data["units"]] == [("乙局", 91.0), ("甲局", 78.0)]
    (cli.cwd / "rectify.toml").write_text("[scoring]\nrefund = 5\n", encoding="utf-8")
    bad = cli("score", *NOVEMBER, user="周主任")
    assert bad.code == 1 and "[scoring] 中有无法识别的项:refund" in bad.err
