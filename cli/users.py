"""`rectify user disable|enable`: deactivating a user, re-activating one."""

from __future__ import annotations

import typer

from cli.common import AsOpt, context, user_errors


def _set(name: str, active: bool, as_: str | None) -> None:
    from ledger.users import set_active

    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        set_active(name, active, session=session, actor=actor, now=ctx.now)
    typer.echo(f"已{'启用' if active else '停用'}用户 {name}")


def disable(name: str, as_: AsOpt = None) -> None:
    """停用一名用户(不能再操作或登录;记录保留)。最后一名整改办用户不能停用。"""
    _set(name, False, as_)


def enable(name: str, as_: AsOpt = None) -> None:
    """重新启用一名已停用的用户。"""
    _set(name, True, as_)


def register(app: typer.Typer) -> None:
    from cli.core import user_app

    user_app.command("disable")(disable)
    user_app.command("enable")(enable)
