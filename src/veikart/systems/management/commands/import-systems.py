from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from veikart.core.cli import read_file_arguments, user_option
from veikart.organisations.models import FormerOrganisation
from veikart.systems import services


class Command(BaseCommand):
    help = (
        "Import system inventories (systemer.csv) and harmonisation decisions "
        "(beslutninger.csv), CSV or .xlsx. Checks every row, shows the changes and the overlaps, "
        "then applies all at once; with --dry-run only shows what would change."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", help="Inventory and decision files to import.")
        parser.add_argument(
            "--former",
            metavar="CODE",
            help="Former organisation (e.g. moss) of lines in files without a "
            "tidligere_organisasjon column.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the files and show the changes only."
        )
        parser.add_argument("--user", metavar="USERNAME", help="Record the import as this user's.")

    def handle(self, *args: Any, **options: Any) -> None:
        files = read_file_arguments(options["files"])
        actor = user_option(options)
        try:
            organisation = services.require_organisation()
            former = None
            if options["former"]:
                former = FormerOrganisation.objects.filter(
                    organisation=organisation, code=options["former"]
                ).first()
                if former is None:
                    raise CommandError(
                        f"No former organisation with the code {options['former']!r}."
                    )
            plan = services.preview_import(organisation, files, default_former=former)
            for problem in plan.problems:
                self.stderr.write(f"Error: {problem}")
            if not plan.ok:
                raise CommandError("Nothing was changed. Correct the files and run again.")
            for notice in plan.notices:
                self.stdout.write(f"Note: {notice}")
            for entity, label in (("system", "Systems"), ("decision", "Decisions")):
                self.stdout.write(
                    f"{label}: {plan.count('created', entity)} created, "
                    f"{plan.count('changed', entity)} changed"
                )
            if plan.overlaps is not None:
                self.stdout.write(
                    f"Overlapping categories: {plan.overlaps.overlapping}, of which "
                    f"{plan.overlaps.needing_decision} need a decision"
                )
            if options["dry_run"]:
                self.stdout.write("Dry run: nothing was changed.")
                return
            services.apply_import(organisation, files, default_former=former, actor=actor)
        except services.ImportRefused as exc:
            for message in exc.problems:
                self.stderr.write(message)
            raise CommandError("Nothing was changed.") from None
        self.stdout.write(self.style.SUCCESS("Applied."))
