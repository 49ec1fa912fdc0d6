"""The subcommands, one module per area.

Each module has ``register(sub, *, common, json_flag)``, which adds its
subparsers (with ``set_defaults(func=...)``). Registering must stay cheap: the
modules import only the standard library and :mod:`reader.cli.context` /
:mod:`reader.cli.output` at the top, and everything else inside the command.
:data:`COMMANDS` says which module registers which command, so that a run of
one command builds only its part of the parser (a test checks it is right).
"""

COMMAND_MODULES: tuple[str, ...] = (
    "reader.cli.commands.exchange",
    "reader.cli.commands.browse",
    "reader.cli.commands.edit",
    "reader.cli.commands.online",
    "reader.cli.commands.history",
    "reader.cli.commands.opening",
    "reader.cli.commands.notebook",
)

COMMANDS: dict[str, str] = {
    **dict.fromkeys(("import", "export", "copy"), "reader.cli.commands.exchange"),
    **dict.fromkeys(("list", "show", "info"), "reader.cli.commands.browse"),
    **dict.fromkeys(("tag", "untag", "read", "unread", "compact"), "reader.cli.commands.edit"),
    **dict.fromkeys(("fetch", "enrich", "resolve", "check-links"), "reader.cli.commands.online"),
    **dict.fromkeys(("history", "undo", "redo", "delete", "backup"), "reader.cli.commands.history"),
    "open": "reader.cli.commands.opening",
    **dict.fromkeys(("note", "stats"), "reader.cli.commands.notebook"),
}
"""The module that registers each command (a command not listed here makes every module register)."""
