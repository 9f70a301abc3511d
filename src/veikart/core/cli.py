"""Shared pieces of the ``veikart`` commands: acting as a user, and printing tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO, Any, cast

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from veikart.core.access import SYSTEM, Access, get_access


def add_user_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "--user",
        metavar="USERNAME",
        help="Act as this user, seeing only what they may see. Without it the command runs as the "
        "server operator, with full access.",
    )


def access_from_options(options: dict[str, Any]) -> Access:
    user = user_option(options)
    return SYSTEM if user is None else get_access(user)


def user_option(options: dict[str, Any]) -> Any:
    """The user named by ``--user`` (to record who did it), or None; a clear error if unknown."""
    username = options.get("user")
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user named {username!r}.")
    return user


def date_option(value: str | None, option: str) -> dt.date:
    """The date given to ``option`` (today when not given); a clear error when it is not a date."""
    from veikart.organisations.importing.plan import parse_date

    if not value:
        return timezone.localdate()
    parsed = parse_date(value)
    if parsed is None:
        raise CommandError(f"{option} must be a date such as 2020-01-01 (got {value!r}).")
    return parsed


def read_file_arguments(names: list[str]) -> list[Any]:
    """The named files as UploadedFile objects (name + bytes); a clear error for a missing one."""
    from veikart.organisations.services import UploadedFile

    files = []
    for name in names:
        path = Path(name)
        if not path.is_file():
            raise CommandError(f"{name}: no such file.")
        files.append(UploadedFile(path.name, path.read_bytes()))
    return files


def print_table(command: BaseCommand, headers: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*headers, show_lines=False)
    for row in rows:
        table.add_row(*row)
    Console(file=cast(IO[str], command.stdout._out), width=160, no_color=True).print(table)
