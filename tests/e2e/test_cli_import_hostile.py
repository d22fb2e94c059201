"""`rectify import` of hostile files: a Chinese message, exit 1, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import Cli
from tests.fixtures import bombs
from tests.fixtures.ledger_io import LedgerSpec, write_csv


def _counts(engine: sa.Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("inspection", "task", "history")
        )


def test_a_dimension_bomb_is_refused_naming_the_limit_and_nothing_is_written(
    cli: Cli, engine: sa.Engine, tmp_path: Path
) -> None:
    cli("init", check=True)
    path = bombs.declared_dimension_bomb(tmp_path / "台账.xlsx")
    before = _counts(engine)
    result = cli("import", str(path), "--body", "县委第一巡察组", "--feedback-date", "2026-10-15")
    assert result.code == 1
    assert result.err.startswith(
        "错误:文件“台账.xlsx”的工作表“台账”至少有1048576行,超过上限200000行"
        "(配置文件 rectify.toml 的 [limits] import_max_rows)"
    )
    assert _counts(engine) == before == (0, 0, 0)


def test_the_limits_are_read_from_the_limits_table_of_rectify_toml(
    cli: Cli, engine: sa.Engine, tmp_path: Path
) -> None:
    cli("init", check=True)
    (cli.cwd / "rectify.toml").write_text("[limits]\nimport_max_rows = 5\n", encoding="utf-8")
    path = write_csv(tmp_path / "台账.csv", LedgerSpec())
    result = cli("import", str(path), "--body", "县委第一巡察组", "--feedback-date", "2026-10-15")
    assert result.code == 1
    assert "超过上限5行(配置文件 rectify.toml 的 [limits] import_max_rows)" in result.err
    assert _counts(engine) == (0, 0, 0)
    (cli.cwd / "rectify.toml").write_text("[limits]\nimport_max_rowz = 5\n", encoding="utf-8")
    wrong = cli("import", str(path))
    assert wrong.code == 1 and "[limits] 中有无法识别的项:import_max_rowz" in wrong.err


def test_a_utf16_unicode_text_ledger_as_excel_saves_it_imports(
    cli: Cli, engine: sa.Engine, tmp_path: Path
) -> None:
    cli("init", check=True)
    path = write_csv(tmp_path / "台账.txt", LedgerSpec(), encoding="utf-16", delimiter="\t")
    result = cli("import", str(path), "--body", "县委第一巡察组", "--feedback-date", "2026-10-15")
    assert result.code == 0, result.err
    assert "任务:新增7项" in result.out
    assert len(json.loads(cli("tasks", "--json", check=True).out)) == 7
