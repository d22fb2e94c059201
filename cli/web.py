"""`rectify web` (the web workspace) and `rectify user passwd` (web passwords)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import AsOpt, context, fail, user_errors


def web(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    workers: Annotated[int, typer.Option(help="工作进程数")] = 1,
) -> None:
    """启动网页工作台(责任单位填报、整改办审核、领导查看)。"""
    import uvicorn

    ctx = context()
    ctx.require_schema()
    if workers < 1:
        fail("工作进程数须至少为 1")
    with user_errors():
        # Made here, before the workers start, so they all read one key.
        from ledger import accounts

        accounts.load_or_create_secret(ctx.settings.data_dir / "web-session-secret")
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    typer.echo(f"整改通网页工作台:http://{shown}:{port}/  (Ctrl+C 停止)")
    uvicorn.run(
        "web.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level="warning",
    )


def passwd(
    name: Annotated[str, typer.Argument(help="用户姓名")],
    password: Annotated[
        str,
        typer.Option(
            prompt="新密码",
            hide_input=True,
            confirmation_prompt=True,
            help="新密码(不填则提示输入)",
        ),
    ],
    as_: AsOpt = None,
) -> None:
    """设置或重置用户的网页登录密码(解除锁定,已登录的会话失效)。"""
    ctx = context()
    with user_errors(), ctx.use_case(as_) as (session, actor):
        from ledger import accounts

        accounts.set_password(name, password, session=session, actor=actor, now=ctx.now)
    typer.echo(f"已设置 {name} 的登录密码")


def register(app: typer.Typer) -> None:
    from cli.core import user_app

    app.command("web")(web)
    user_app.command("passwd")(passwd)
