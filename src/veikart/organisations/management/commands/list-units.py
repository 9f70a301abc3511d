from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from veikart.core.cli import access_from_options, add_user_argument, print_table
from veikart.organisations.importing.plan import parse_date
from veikart.organisations.selectors import unit_tree_for_user


class Command(BaseCommand):
    help = "Print the unit tree with headcounts, as the given user may see it."

    def add_arguments(self, parser: CommandParser) -> None:
        add_user_argument(parser)
        parser.add_argument("--date", help="Show the tree valid on this day (default today).")

    def handle(self, *args: Any, **options: Any) -> None:
        access = access_from_options(options)
        day = timezone.localdate()
        if options["date"]:
            parsed = parse_date(options["date"])
            if parsed is None:
                raise CommandError("--date must be a date such as 2020-01-01.")
            day = parsed
        nodes = unit_tree_for_user(access, on=day)
        rows = [
            ["  " * n.depth + n.unit.name, n.unit.code, str(n.headcount), str(n.total)]
            for n in nodes
        ]
        print_table(self, ["Unit", "Code", "Employees", "Incl. below"], rows)
