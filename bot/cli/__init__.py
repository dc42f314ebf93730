"""``feedbot``: the command line (``feedbot = "bot.cli:main"``), the ``check-source`` dry run, JSON output."""

from bot.cli.feedbot import Context, build_parser, main

__all__ = ["Context", "build_parser", "main"]
