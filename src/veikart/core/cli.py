"""Shared pieces of the ``veikart`` commands: acting as a user, and printing tables."""

from __future__ import annotations

from typing import IO, Any, cast

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from veikart.core.access import SYSTEM, Access, get_access


def add_user_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "--user",
        metavar="USERNAME",
        help="Act as this user, seeing only what they may see. Without it the command runs as the "
        "server operator, with full access.",
    )


def access_from_options(options: dict[str, Any]) -> Access:
    username = options.get("user")
    if not username:
        return SYSTEM
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user named {username!r}.")
    return get_access(user)


def print_table(command: BaseCommand, headers: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*headers, show_lines=False)
    for row in rows:
        table.add_row(*row)
    Console(file=cast(IO[str], command.stdout._out), width=160, no_color=True).print(table)
