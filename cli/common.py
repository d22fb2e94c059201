"""What every command shares: settings, the clock, the actor, errors, output."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa
import typer
from sqlmodel import Session

from ledger.actors import Actor, resolve_actor
from ledger.errors import RectifyError
from ledger.inputs import parse_date
from ledger.uow import transaction
from models.db import make_engine, schema_is_current
from models.settings import Settings, SettingsError, load_settings
from models.workdays import HolidayFileError, WorkCalendar, work_calendar

TZ = ZoneInfo("Asia/Shanghai")

AsOpt = Annotated[
    str | None,
    typer.Option("--as", envvar="RECTIFY_USER", help="操作人姓名(默认取环境变量 RECTIFY_USER)"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="按该日期计算(默认今天),如 2026-12-01")
]


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


def fail(message: str) -> NoReturn:
    typer.echo(f"错误:{terminal_text(message)}", err=True)
    raise typer.Exit(1)


@contextmanager
def user_errors() -> Iterator[None]:
    """Refused or invalid requests: a Chinese message on stderr and exit 1."""
    try:
        yield
    except (RectifyError, SettingsError, HolidayFileError) as exc:
        fail(getattr(exc, "message", str(exc)))
    except sa.exc.OperationalError as exc:
        fail(f"无法访问数据库:{exc.orig}")


@dataclass
class Context:
    """Everything a command needs; only here is the clock read."""

    settings: Settings

    @cached_property
    def engine(self) -> sa.Engine:
        engine = make_engine(self.settings.database_url)
        click_context = click.get_current_context(silent=True)
        if click_context is not None:
            # Close the pool when the command ends, so in-process callers (tests) leak no connections.
            click_context.call_on_close(engine.dispose)
        return engine

    @cached_property
    def calendar(self) -> WorkCalendar:
        return work_calendar(self.settings.holiday_file)

    @cached_property
    def now(self) -> datetime:
        return datetime.now(TZ)

    @property
    def today(self) -> date:
        return self.now.date()

    def as_of(self, text: str | None) -> date:
        return parse_date(text, "--as-of") if text else self.today

    def require_schema(self) -> None:
        if not schema_is_current(self.engine):
            fail("数据库尚未初始化或版本较旧,请先运行 rectify init")

    @contextmanager
    def use_case(self, actor_name: str | None) -> Iterator[tuple[Session, Actor]]:
        """One transaction, with the actor resolved inside it."""
        self.require_schema()
        with transaction(self.engine) as session:
            yield session, resolve_actor(session, actor_name)


def context() -> Context:
    with user_errors():
        return Context(load_settings())


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
