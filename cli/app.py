"""The `rectify` application: each cli module registers its commands here.

`app` is the whole declaration (tests walk it); `main()` runs it as a group that builds only
the command typed (cli/lazy.py), so a one-off command starts close to the interpreter's floor.
"""

from __future__ import annotations

import typer
from typer.main import TyperInfo

from cli import (
    acknowledge,
    archive,
    core,
    corrections,
    documents,
    extensions,
    ledger_io,
    parts,
    schedule,
    scoring,
    users,
    web,
    weekly,
    zh,
)
from cli.lazy import DeclaredGroup

zh.install()  # Click's and Typer's own words in Chinese, before any command runs

app = typer.Typer(
    name="rectify",
    help="整改通:巡视巡察整改台账、提醒催办与销号管理",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for module in (
    core,
    ledger_io,
    schedule,
    weekly,
    documents,
    web,
    archive,
    corrections,
    extensions,
    scoring,
    users,
    acknowledge,
    parts,
):
    module.register(app)


def command() -> DeclaredGroup:
    """The `rectify` group as `main()` runs it."""
    return DeclaredGroup(TyperInfo(app), app)


def main() -> None:
    command()()
