from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from veikart.core.cli import access_from_options, add_user_argument, date_option, print_table
from veikart.organisations.selectors import current_units, get_employees_for_user


class Command(BaseCommand):
    help = "Print the employees employed on a day, as the given user may see them."

    def add_arguments(self, parser: CommandParser) -> None:
        add_user_argument(parser)
        parser.add_argument("--date", help="Employed on this day (default today).")

    def handle(self, *args: Any, **options: Any) -> None:
        access = access_from_options(options)
        day = date_option(options["date"], "--date")
        employees = list(get_employees_for_user(access, on=day))
        units = current_units(employees, day)
        rows = [
            [
                e.employee_number,
                f"{e.family_name}, {e.given_name}",
                e.title,
                units[e.pk].name if e.pk in units else "",
            ]
            for e in employees
        ]
        print_table(self, ["Number", "Name", "Title", "Unit"], rows)
        self.stdout.write(f"{len(rows)} employees")
