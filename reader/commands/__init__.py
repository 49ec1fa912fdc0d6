"""Subcommands that live outside cli.py, one module per area.

Each module listed in ``COMMAND_MODULES`` has ``register(sub, common, json_flag)``
which adds its subparsers (with ``set_defaults(func=...)``) to ``sub``.
Registration must stay cheap: import heavy modules inside the command functions.
"""

COMMAND_MODULES: tuple[str, ...] = (
    "reader.commands.online", "reader.commands.lists", "reader.commands.history", "reader.commands.papers",
    "reader.commands.notebook",
)
