"""What every command shares: settings, the clock, the actor, errors, output."""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

# Typer ships its own copy of Click; the current command's context is in that copy.
from typer._click.globals import get_current_context
from typer.core import TyperOption

from models.office import TZ as TZ

if TYPE_CHECKING:
    # Every cli module imports this one, and `rectify --help` imports every cli module: the
    # ledger (SQLModel, the table classes, settings) loads only when a command opens its
    # context (cli/context.py) or reports an error, not to print help (benchmarks/startup.py).
    from cli.context import Context as Context
    from ledger.errors import RectifyError

AsOpt = Annotated[
    str | None,
    typer.Option("--as", envvar="RECTIFY_USER", help="操作人姓名(默认取环境变量 RECTIFY_USER)"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="按该日期计算(默认今天),如 2026-12-01")
]

# A service names the field an error is about; these are the parameters of the commands
# that take it, when their name differs from the field's.
FIELD_PARAMS: dict[str, tuple[str, ...]] = {
    "actor": ("as_",),
    "new_deadline": ("to",),
    "evidence": ("evidence", "no_evidence"),
    "no_evidence_reason": ("no_evidence",),
    "unit": ("unit", "lead_unit", "co_unit"),
    "inspection_id": ("inspection",),
    "problem_id": ("problem",),
    "source_kind": ("kind",),
    "inspected_org": ("org",),
    "notify_tag": ("tag",),
}

# What the command line adds to a service's message: where to look next. Keyed by the
# error's class name (the classes load with the ledger, after the help is printed).
HINTS: dict[tuple[str, str], str] = {
    ("NotFoundError", "task_id"): "可用 rectify tasks 查看任务列表",
    ("NotFoundError", "inspection_id"): "可用 rectify inspections 查看已有轮次",
    ("NotFoundError", "problem_id"): "可用 rectify problems 查看已有问题",
    ("NotFoundError", "extension_id"): "可用 rectify extensions 查看延期申请",
    ("NotFoundError", "order_id"): "可用 --task 任务编号 查看某任务最近一次的督办通知单",
    ("NotFoundError", "unit"): "登记单位用 rectify unit add",
    ("NotFoundError", "actor"): "登记用户用 rectify user add",
    ("ForbiddenError", "actor"): "请用 --as 姓名 或环境变量 RECTIFY_USER 说明操作人",
    ("SchemaError", "schema"): "请先运行 rectify init",
    ("ConflictError", ""): "可用 rectify task show 查看",
}


# C0 and C1 control characters (but newline and tab), DEL, and the bidirectional overrides
# that reorder what a terminal shows: text from a ledger must not move the cursor, retitle the
# window (OSC), or make "销号" read as something else.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(text: str) -> str:
    """Text as it may reach a terminal: control characters shown escaped (ESC as \\x1b)."""
    return _CONTROLS.sub(_escaped, text)


def say(text: str) -> None:
    """One line of output whose parts may come from the ledger."""
    typer.echo(terminal_text(text))


# `check` and `deliver` ran but some notices did not go out (1 is a refused request, 2 a
# usage error): a scheduler or a shell script can tell "retry later" from "fix the input".
EXIT_NOT_DELIVERED = 3


def fail(message: str) -> NoReturn:
    typer.echo(f"错误:{terminal_text(message)}", err=True)
    raise typer.Exit(1)


def flags_for(field: str) -> list[str]:
    """The current command's flags for a service's field (none when it has no such option)."""
    click_context = get_current_context(silent=True)
    if not field or click_context is None:
        return []
    names = FIELD_PARAMS.get(field, (field,))
    return [
        max(p.opts, key=len)
        for name in names
        for p in click_context.command.params
        if isinstance(p, TyperOption) and p.name == name
    ]


def message_of(exc: RectifyError) -> str:
    """The service's message, with this command's flag for its field and a hint."""
    message = exc.message
    hint = next((h for cls in type(exc).__mro__ if (h := HINTS.get((cls.__name__, exc.field)))), "")
    flags = flags_for(exc.field)
    if flags and not any(f in message or f in hint for f in flags):
        message += f"(参数 {' 或 '.join(flags)})"
    return f"{message};{hint}" if hint else message


@contextmanager
def user_errors() -> Iterator[None]:
    """Refused or invalid requests: a Chinese message on stderr and exit 1."""
    try:
        yield
    except Exception as exc:
        message = user_message(exc)
        if message is None:
            raise
        fail(message)


def user_message(exc: Exception) -> str | None:
    """What to tell the user about `exc`, or None when it is not theirs to fix (a bug)."""
    # Imported here, once something went wrong: the classes come with the ledger.
    import sqlalchemy as sa

    from ledger.errors import BusyError, RectifyError
    from ledger.uow import is_busy
    from models.settings import SettingsError
    from models.workdays import HolidayFileError

    if isinstance(exc, RectifyError):
        return message_of(exc)
    if isinstance(exc, SettingsError | HolidayFileError):
        return str(exc)
    if isinstance(exc, sa.exc.OperationalError):
        # Outside a use case's transaction too (the daily check and delivery run their own).
        return BusyError().message if is_busy(exc) else f"无法访问数据库:{exc.orig}"
    return None


def context() -> Context:
    """The command's shared context (settings, engine, clock, actor): loads the ledger."""
    from cli.context import Context
    from ledger.actors import command_line
    from models.settings import load_settings

    with user_errors():
        # History records who typed the command (the OS account) beside the claimed --as.
        return Context(load_settings(), channel=command_line(_os_user()))


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return str(os.getuid())


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(type(value))


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str, limit: int) -> str:
    text = text.replace("\n", " ")
    if _width(text) <= limit:
        return text
    out, width = "", 0
    for ch in text:
        w = _width(ch)
        if width + w > limit - 1:
            break
        out, width = out + ch, width + w
    return out + "…"


# No command prints a line per task past a page: a round of thousands of tasks is read through
# filters or --json, and a terminal shows the first page and the count.
PAGE = 100


def print_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, clip: int = 40, page: int = PAGE
) -> None:
    """A plain-text table that lines up Chinese (double-width) characters, at most a page long."""
    shown = rows[:page]
    cells = [
        [_clip(terminal_text("" if v is None else str(v)), clip) for v in row] for row in shown
    ]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)
        ).rstrip()

    typer.echo(line(headers))
    typer.echo("  ".join("-" * w for w in widths))
    for row in cells:
        typer.echo(line(row))
    if len(rows) > page:
        typer.echo(
            f"(共{len(rows)}行,只显示前{page}行;全部内容请加 --json 输出,或加筛选条件缩小范围)"
        )


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
