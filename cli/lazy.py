"""The `rectify` group with its commands built from their Typer declarations when reached.

Typer builds every command's Click parameters from its signature before it runs any
(`typer.main.get_command`: 56 commands, about 40 ms of type-hint evaluation at every start).
A one-off command needs one of them, and `rectify --help` only each one's name and first
line of help: this group builds a command when it is looked up, and lists the others from
their declarations. A sub-group (`rectify task …`) is such a group too, unless it takes
options of its own (`rectify outbox --status`): Typer builds that one whole when reached.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, MutableMapping

import typer
from typer import _click
from typer.core import TyperCommand, TyperGroup
from typer.main import (
    CommandInfo,
    TyperInfo,
    get_command_from_info,
    get_command_name,
    get_group_from_info,
    solve_typer_info_defaults,
    solve_typer_info_help,
)


class DeclaredCommands(MutableMapping[str, _click.Command]):
    """A Typer app's subcommands by name; each is built the first time it is looked up.
    `top` is the application, whose settings (markup, suggestions) every command shares."""

    def __init__(self, app: typer.Typer, top: typer.Typer) -> None:
        self._app = top
        self._declared: dict[str, CommandInfo | TyperInfo] = {}
        # Typer's order: the commands, then the sub-groups.
        for command in app.registered_commands:
            assert command.callback is not None
            self._declared[command.name or get_command_name(command.callback.__name__)] = command
        for group in app.registered_groups:
            name = solve_typer_info_defaults(group).name
            assert name, "every sub-group of rectify has a name"
            self._declared[name] = group
        self._built: dict[str, _click.Command] = {}

    def __getitem__(self, name: str) -> _click.Command:
        if name not in self._built:
            self._built[name] = self._build(self._declared[name])
        return self._built[name]

    def __setitem__(self, name: str, command: _click.Command) -> None:
        self._declared.pop(name, None)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        self._declared.pop(name, None)
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(self._declared), **dict.fromkeys(self._built)})

    def __len__(self) -> int:
        return len(set(self._declared) | set(self._built))

    def _build(self, info: CommandInfo | TyperInfo) -> _click.Command:
        if isinstance(info, CommandInfo):
            return get_command_from_info(
                info,
                pretty_exceptions_short=self._app.pretty_exceptions_short,
                rich_markup_mode=self._app.rich_markup_mode,
            )
        if solve_typer_info_defaults(info).callback is None:  # no options of its own
            return DeclaredGroup(info, self._app)
        return get_group_from_info(
            info,
            pretty_exceptions_short=self._app.pretty_exceptions_short,
            rich_markup_mode=self._app.rich_markup_mode,
            suggest_commands=self._app.suggest_commands,
        )

    def listing(self, name: str) -> _click.Command:
        """What the group's help lists for `name`: the command itself once built, else a
        stand-in with its help and flags but no parameters."""
        if name in self._built:
            return self._built[name]
        info = self._declared[name]
        if isinstance(info, CommandInfo):
            assert info.callback is not None
            text = (
                inspect.getdoc(info.callback) if info.help is None else inspect.cleandoc(info.help)
            )
            return TyperCommand(
                name=name,
                help=text,
                short_help=info.short_help,
                hidden=info.hidden,
                deprecated=info.deprecated,
            )
        solved = solve_typer_info_defaults(info)
        return TyperCommand(
            name=name,
            help=solve_typer_info_help(info),
            short_help=solved.short_help,
            hidden=solved.hidden,
            deprecated=solved.deprecated,
        )


class DeclaredGroup(TyperGroup):
    """A Typer app as a Click group whose commands are built when reached (see above).

    `info` declares the group (the application's, or an `add_typer`'s); the group takes no
    options of its own, so it has no callback to build."""

    def __init__(self, info: TyperInfo, top: typer.Typer) -> None:
        app = info.typer_instance
        solved = solve_typer_info_defaults(info)
        assert app is not None and solved.callback is None, "a group with options is Typer's"
        super().__init__(
            name=solved.name or "",
            help=solved.help,
            epilog=solved.epilog,
            short_help=solved.short_help,
            options_metavar=solved.options_metavar,
            add_help_option=solved.add_help_option,
            hidden=solved.hidden,
            deprecated=solved.deprecated,
            no_args_is_help=solved.no_args_is_help,
            invoke_without_command=solved.invoke_without_command,
            subcommand_metavar=solved.subcommand_metavar,
            context_settings=solved.context_settings,
            rich_markup_mode=top.rich_markup_mode,
            rich_help_panel=solved.rich_help_panel,
            suggest_commands=top.suggest_commands,
        )
        self.commands = DeclaredCommands(app, top)

    def format_commands(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        # TyperGroup.format_commands, with each row read from the declaration.
        assert isinstance(self.commands, DeclaredCommands)
        listed = [(name, self.commands.listing(name)) for name in self.list_commands(ctx)]
        shown = [(name, command) for name, command in listed if not command.hidden]
        if not shown:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in shown)
        with formatter.section(typer.core._("Commands")):
            formatter.write_dl([(name, c.get_short_help_str(limit)) for name, c in shown])
