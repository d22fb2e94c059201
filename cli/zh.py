"""Click's and Typer's own words in Chinese: help frames, usage lines, usage errors.

Typer 0.29 ships its own copy of Click (typer._click) whose strings are plain literals, not
gettext calls, and Typer's own few words go through gettext's default domain. So instead of
a catalogue, `install()` puts this table in at the five places those words come from:
Typer's `_` (section titles, "default:", "env var:", "Missing command."), the usage prefix,
the help option's text, the usage metavars, and the way an error is shown (the message
translated by pattern, "Error:" and "Try … for help." in Chinese). Rich is left out: its
panels would need translating too, and importing it costs every command's start.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import IO, Any

WORDS = {
    "Options": "选项",
    "Arguments": "参数",
    "Commands": "命令",
    "default: {default}": "默认:{default}",
    "env var: {var}": "环境变量:{var}",
    "required": "必填",
    "(dynamic)": "(动态)",
    "Missing command.": "缺少命令。",
    "Aborted!": "已中止。",
}

METAVARS = {
    "[OPTIONS]": "[选项]",
    "COMMAND [ARGS]...": "命令 [参数]...",
    "<list[str]>": "<文本,可重复>",
    "<list[path]>": "<路径,可重复>",
    "<int>": "<整数>",
    "<str>": "<文本>",
    "<float>": "<数字>",
    "<bool>": "<是否>",
    "<path>": "<路径>",
    "<file>": "<文件>",
    "<directory>": "<文件夹>",
}

HELP_TEXT = "显示本帮助并退出。"

# (English pattern, Chinese): each message Click or Typer raises for a mistyped command.
# Kept as text: re compiles (and caches) a pattern when a message is first translated, not at
# every start of a command that is typed right (some 20 patterns, ~3 ms).
MESSAGES: list[tuple[str, str]] = [
    (r"^No such option: (?P<x>\S+)(?: Did you mean (?P<y>\S+)\?)?", "没有这个选项:{x}"),
    (r"^No such command '(?P<x>.+)'\.$", "没有这个命令:{x}"),
    (
        r"^No such command '(?P<x>.+)'\. Did you mean (?P<y>.+)\?$",
        "没有这个命令:{x},可能是 {y}",
    ),
    (r"^Invalid value for (?P<x>.+?): (?P<y>.*)$", "参数 {x} 的值无效:{y}"),
    (r"^Invalid value: (?P<y>.*)$", "值无效:{y}"),
    (r"^Missing option (?P<x>.+?)\.?$", "缺少选项 {x}"),
    (r"^Missing argument (?P<x>.+?)\.?$", "缺少参数 {x}"),
    (r"^Missing parameter: (?P<x>.+)$", "缺少参数 {x}"),
    (r"^Option (?P<x>'[^']+') requires an argument\.$", "选项 {x} 需要一个值"),
    (r"^Option (?P<x>'[^']+') requires (?P<y>\d+) arguments\.$", "选项 {x} 需要 {y} 个值"),
    (r"^Option (?P<x>'[^']+') does not take a value\.$", "选项 {x} 不接受值"),
    (r"^Got unexpected extra arguments? \((?P<x>.+)\)$", "多余的参数:{x}"),
    (r"^Argument (?P<x>'[^']+') takes (?P<y>\d+) values\.$", "参数 {x} 需要 {y} 个值"),
]
# What a value failed, as pydantic (Typer's converter) says it.
REASONS: list[tuple[str, str]] = [
    (r"Input should be a valid integer.*", "须为整数"),
    (r"Input should be a valid number.*", "须为数字"),
    (r"Input should be a valid boolean.*", "须为是或否"),
    (r"Input should be a valid date.*", "须为日期,如 2026-12-31"),
    (r"Input should be (?P<x>.+)$", "须为 {x}"),
    (r"\(Possible options: (?P<x>.+)\)", "(可选:{x})"),
    (r"'(?P<x>[^']+)' is not one of (?P<y>.+)\.$", "“{x}”不是可选值之一:{y}"),
]


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def words(text: str) -> str:
    return WORDS.get(text, text)


def metavar(text: str) -> str:
    for english, chinese in METAVARS.items():
        text = text.replace(english, chinese)
    return text


def message(text: str) -> str:
    """A usage error's message in Chinese (unknown ones are left as they are)."""
    for pattern, chinese in MESSAGES:
        match = re.match(pattern, text)
        if match:
            found = {k: v or "" for k, v in match.groupdict().items()}
            if "y" in found:
                found["y"] = _reason(found["y"])
            text = chinese.format(**found)
            break
    return _reason(text)


def _reason(text: str) -> str:
    for pattern, chinese in REASONS:
        match = re.search(pattern, text)
        if match:
            text = text[: match.start()] + chinese.format(**match.groupdict()) + text[match.end() :]
    return text


_installed = False


def install() -> None:
    """Puts the Chinese words in; idempotent (tests build the app more than once)."""
    global _installed
    if _installed:
        return
    _installed = True
    import typer.core as typer_core
    from typer._click import core as click_core
    from typer._click import decorators, exceptions, formatting, utils

    typer_core.HAS_RICH = False  # plain help: see the module docstring
    typer_core._ = words  # type: ignore[assignment]

    # Columns line up by display width: a Chinese character takes two.
    formatting.term_len = display_width  # type: ignore[assignment]

    write_usage = formatting.HelpFormatter.write_usage

    def chinese_usage(
        self: formatting.HelpFormatter, prog: str, args: str = "", prefix: str | None = None
    ) -> None:
        write_usage(self, prog, metavar(args), "用法:" if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = chinese_usage  # type: ignore[method-assign]

    help_option = decorators.help_option

    def chinese_help_option(param_decls: list[str]) -> Callable[[Any], Any]:
        add = help_option(param_decls)

        def apply(command: Any) -> Any:
            command = add(command)
            command.params[-1].help = HELP_TEXT  # the option just added
            return command

        return apply

    decorators.help_option = chinese_help_option  # type: ignore[assignment]

    display_type = typer_core._TyperParameter.display_type

    def chinese_type(self: Any, ctx: Any) -> str:
        return metavar(display_type(self, ctx))

    typer_core._TyperParameter.display_type = chinese_type  # type: ignore[method-assign]

    def show_error(self: exceptions.ClickException, file: IO[Any] | None = None) -> None:
        utils.echo(f"错误:{message(self.format_message())}", file=file, err=file is None)

    def show_usage_error(self: exceptions.UsageError, file: IO[Any] | None = None) -> None:
        ctx = self.ctx
        if ctx is not None:
            hint = ""
            if ctx.command.get_help_option(ctx) is not None:
                hint = f"可用 {ctx.command_path} {ctx.help_option_names[0]} 查看帮助。\n"
            utils.echo(f"{ctx.get_usage()}\n{hint}", file=file, err=file is None)
        show_error(self, file)

    exceptions.ClickException.show = show_error  # type: ignore[method-assign]
    exceptions.UsageError.show = show_usage_error  # type: ignore[method-assign]
    del click_core
