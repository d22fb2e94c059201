"""Click's and Typer's own words reach users in Chinese: help frames, usage errors."""

from __future__ import annotations

import pytest

from tests.conftest import Cli

ENGLISH_CLICK_WORDS = [
    "Usage",
    "Options",
    "Arguments",
    "Commands",
    "Show this message and exit",
    "No such option",
    "No such command",
    "Did you mean",
    "Invalid value",
    "Missing option",
    "Missing argument",
    "requires an argument",
    "Error",
    "Try '",
    "for help",
    "[OPTIONS]",
    "COMMAND [ARGS]",
    "<int>",
    "<str>",
    "env var",
    "default:",
    "[required]",
]


def _english(text: str) -> list[str]:
    return [w for w in ENGLISH_CLICK_WORDS if w in text]


def test_help_is_framed_in_chinese(cli: Cli) -> None:
    top = cli("--help")
    assert top.code == 0
    assert "用法:" in top.out and "[选项] 命令 [参数]..." in top.out
    assert "选项:" in top.out and "命令:" in top.out and "显示本帮助并退出。" in top.out
    assert _english(top.out) == []
    tasks = cli("tasks", "--help")
    assert "--inspection <整数>" in tasks.out and "[环境变量:RECTIFY_USER]" in tasks.out
    assert _english(tasks.out) == []


def _all_command_paths() -> list[list[str]]:
    from typer.main import get_command

    from cli.app import app

    paths: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        paths.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(get_command(app), [])
    return paths


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_command_help_has_no_english_click_words(cli: Cli) -> None:
    paths = _all_command_paths()
    assert len(paths) > 30
    for path in paths:
        shown = cli(*path, "--help")
        assert shown.code == 0, (path, shown.err)
        assert _english(shown.out) == [], (path, _english(shown.out))


USAGE_ERRORS = [
    (("tasks", "--no-such-option"), "没有这个选项:--no-such-option"),
    (("task", "show", "abc"), "参数 'task_id' 的值无效:须为整数"),
    (("no-such-command",), "没有这个命令:no-such-command"),
    (("taks",), "没有这个命令:taks,可能是 'tasks', 'task'"),
    (("inspection", "add"), "缺少选项 '--body'"),
    (("tasks", "--light"), "选项 '--light' 需要一个值"),
    (("history",), "缺少参数 'task_id'"),
]


@pytest.mark.parametrize(("args", "message"), USAGE_ERRORS)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_usage_error_is_told_in_chinese_and_exits_2(
    cli: Cli, args: tuple[str, ...], message: str
) -> None:
    result = cli(*args)
    assert result.code == 2
    assert f"错误:{message}" in result.err
    assert _english(result.err) == [], _english(result.err)
