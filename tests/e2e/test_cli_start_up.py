"""A one-off command as a real process: `main()` builds only the command typed (cli/lazy.py)
and loads only the modules it needs, and says the same as the whole Typer app would.

benchmarks/startup.py measures the time; these tests pin what makes it short.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from tests.conftest import Cli
from tests.e2e.test_cli_lifecycle import register_sample_task

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# Run `rectify ARGS...` through main() and report which of WATCHED were imported by the end.
PROBE = """
import json, sys
from cli.app import main
watched = json.loads(sys.argv[1])
sys.argv = ["rectify", *sys.argv[2:]]
try:
    main()
except SystemExit:
    pass
print(json.dumps([m for m in watched if m in sys.modules]), file=sys.stderr)
"""

WATCHED = [
    "sqlmodel",
    "sqlalchemy",
    "pydantic",
    "models.tables",
    "models.outbox",
    "models.followups",
    "models.web_sessions",
    "models.score_tables",
    "models.settings",
    "ledger.actors",
    "ledger.inputs",
    "ledger.lifecycle",
    "ledger.acknowledge",
    "notifications.outbox",
    "jinja2",
]


def _loaded(cli: Cli, *args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(WATCHED), *args],
        cwd=cli.cwd,
        env=cli.env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_help_loads_neither_the_database_layer_nor_the_ledger(cli_process: Cli) -> None:
    assert _loaded(cli_process, "--help") == []
    # A sub-group's and a command's help show parameters, whose types Typer reads with pydantic.
    assert _loaded(cli_process, "task", "--help") == ["pydantic"]
    assert _loaded(cli_process, "task", "show", "--help") == ["pydantic"]


def test_listing_tasks_loads_the_tables_but_not_the_outbox_or_the_input_models(
    cli_process: Cli,
) -> None:
    register_sample_task(cli_process)
    loaded = _loaded(cli_process, "tasks")
    assert "models.tables" in loaded  # it did read the ledger
    assert "models.outbox" not in loaded
    # Nor the tables a list does not read (models.tables: each class costs the start ~3 ms).
    assert not {"models.followups", "models.web_sessions", "models.score_tables"} & set(loaded)
    assert "ledger.inputs" not in loaded
    assert "ledger.lifecycle" not in loaded
    assert "jinja2" not in loaded


def test_showing_a_task_loads_neither_the_outbox_nor_the_write_side(cli_process: Cli) -> None:
    register_sample_task(cli_process)
    loaded = _loaded(cli_process, "task", "show", "1")
    assert "models.tables" in loaded
    assert "models.outbox" not in loaded  # its 督办通知单 are only counted
    assert not {"models.followups", "models.web_sessions", "models.score_tables"} & set(loaded)
    assert "ledger.lifecycle" not in loaded and "notifications.outbox" not in loaded
    assert "ledger.acknowledge" not in loaded  # its 签收 are read through ledger.acknowledge_view


@pytest.mark.parametrize(
    "group", [(), ("task",), ("inspection",), ("outbox",), ("followup",), ("task", "show")]
)
def test_the_help_of_the_process_is_the_help_of_the_whole_app(
    cli_process: Cli, group: tuple[str, ...]
) -> None:
    from cli.app import app

    whole = CliRunner().invoke(app, [*group, "--help"], prog_name="python -m cli")
    shown = cli_process(*group, "--help")
    assert shown.code == 0
    assert shown.out == whole.stdout
    assert "命令:" in shown.out or "选项:" in shown.out


def test_a_mistyped_command_is_told_in_chinese_with_the_close_ones(cli_process: Cli) -> None:
    result = cli_process("taks")
    assert result.code == 2
    assert "错误:没有这个命令:taks,可能是 'tasks', 'task'" in result.err
    assert "Did you mean" not in result.err and "No such command" not in result.err


def test_a_sub_command_runs_through_the_process_s_group(cli_process: Cli) -> None:
    register_sample_task(cli_process)
    shown = cli_process("task", "show", "1")
    assert shown.code == 0, shown.err
    assert "任务 1(1.1)" in shown.out
    missing = cli_process("task", "show", "99")
    assert missing.code == 1
    assert "可用 rectify tasks 查看任务列表" in missing.err
