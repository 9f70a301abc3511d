from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from veikart.core.constants import Role
from veikart.core.services import grant_role
from veikart.organisations.models import Unit


class Command(BaseCommand):
    help = "Give a user a role (unit managers: with --unit, the code of the unit they manage)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The user to give the role to.")
        parser.add_argument(
            "role",
            choices=[r.value for r in Role if r != Role.EMPLOYEE],
            help="The role.",
        )
        parser.add_argument("--unit", metavar="CODE", help="Unit code, for unit_manager.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}; create it first.")
        role = Role(options["role"])
        unit = None
        if role == Role.UNIT_MANAGER:
            if not options["unit"]:
                raise CommandError("A unit manager needs --unit CODE.")
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"No unit with code {options['unit']!r}.")
        elif options["unit"]:
            raise CommandError("--unit is only for the unit_manager role.")
        grant_role(user, role, unit=unit)
        where = f" for {unit.name}" if unit else ""
        self.stdout.write(f"{user.get_username()} is now {role.label}{where}.")
