from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from veikart.core.cli import access_from_options, add_user_argument, date_option, print_table
from veikart.organisations.selectors import unit_tree_for_user


class Command(BaseCommand):
    help = "Print the unit tree with headcounts, as the given user may see it."

    def add_arguments(self, parser: CommandParser) -> None:
        add_user_argument(parser)
        parser.add_argument("--date", help="Show the tree valid on this day (default today).")

    def handle(self, *args: Any, **options: Any) -> None:
        access = access_from_options(options)
        day = date_option(options["date"], "--date")
        nodes = unit_tree_for_user(access, on=day)
        rows = [
            ["  " * n.depth + n.unit.name, n.unit.code, str(n.headcount), str(n.total)]
            for n in nodes
        ]
        print_table(self, ["Unit", "Code", "Employees", "Incl. below"], rows)
