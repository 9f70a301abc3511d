from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from veikart.organisations.importing.plan import parse_date
from veikart.organisations.services import set_up_organisation


class Command(BaseCommand):
    help = (
        "Set up the organisation and the former organisations that merged into it, before the "
        "first HR import. Running it again updates names and dates."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help='Name of the organisation, e.g. "Moss kommune".')
        parser.add_argument("--merger-date", help="Date of the merger, e.g. 2020-01-01.")
        parser.add_argument("--org-number", default="", help="Organisation number (9 digits).")
        parser.add_argument(
            "--former",
            action="append",
            default=[],
            metavar="CODE=NAME[@DOMAIN]",
            help="A former organisation, e.g. rygge=Rygge@rygge.kommune.no. Repeat for each.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        merger = None
        if options["merger_date"]:
            merger = parse_date(options["merger_date"])
            if merger is None:
                raise CommandError("--merger-date must be a date such as 2020-01-01.")
        former = []
        for item in options["former"]:
            code, sep, rest = item.partition("=")
            if not sep or not code.strip() or not rest.strip():
                raise CommandError(f"--former {item!r} must look like rygge=Rygge@rygge.kommune.no")
            name, _at, domain = rest.partition("@")
            former.append((code.strip().lower(), name.strip(), domain.strip().lower()))
        organisation = set_up_organisation(
            name=options["name"],
            merger_date=merger,
            former=former,
            org_number=options["org_number"],
        )
        names = ", ".join(f.name for f in organisation.former_organisations.order_by("code"))
        self.stdout.write(
            f"Organisation: {organisation.name}" + (f" (from {names})" if names else "")
        )
