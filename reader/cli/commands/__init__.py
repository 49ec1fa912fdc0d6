"""The subcommands, one module per area.

Each module has ``register(sub, *, common, json_flag)``, which adds its
subparsers (with ``set_defaults(func=...)``). Registering must stay cheap: the
modules import only the standard library and :mod:`reader.cli.context` /
:mod:`reader.cli.output` at the top, and everything else inside the command.
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
