from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from veikart.core.cli import date_option, read_file_arguments, user_option
from veikart.organisations import services
from veikart.organisations.constants import ImportSource
from veikart.organisations.importing.plan import ImportPlan


class Command(BaseCommand):
    help = (
        "Import units and employees from HR files (CSV, XLSX) or an Entra ID user export (JSON). "
        "Shows the changes, then applies them all at once; with --dry-run only shows them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", help="Files to import together.")
        parser.add_argument(
            "--as-of", help="The day the files describe (default today), e.g. 2020-01-01."
        )
        parser.add_argument(
            "--partial",
            action="store_true",
            help="Only create and update the rows in the files; do not end anyone missing.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Show the changes only.")
        parser.add_argument("--user", metavar="USERNAME", help="Record the import as this user's.")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = date_option(options["as_of"], "--as-of")
        files = read_file_arguments(options["files"])
        actor = user_option(options)
        full = not options["partial"]
        try:
            organisation = services.require_organisation()
            plan = services.preview_import(organisation, files, as_of=as_of, full=full)
            self._show(plan)
            if not plan.ok:
                raise CommandError("Nothing was changed. Correct the files and run again.")
            if options["dry_run"]:
                self.stdout.write("Dry run: nothing was changed.")
                return
            services.apply_import(
                organisation,
                files,
                as_of=as_of,
                full=full,
                actor=actor,
                source=ImportSource.CLI,
                expected_fingerprint=plan.fingerprint(),
            )
        except services.ImportRefused as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError("Nothing was changed.") from None
        self.stdout.write(self.style.SUCCESS("Applied."))

    def _show(self, plan: ImportPlan) -> None:
        for notice in plan.notices:
            self.stdout.write(f"Note: {notice}")
        for problem in plan.problems:
            self.stderr.write(f"Error: {problem}")
        if not plan.ok:
            return
        for entity, label in (("unit", "Units"), ("employee", "Employees")):
            self.stdout.write(
                f"{label}: {plan.count('created', entity)} created, "
                f"{plan.count('changed', entity)} changed, {plan.count('ended', entity)} ended"
            )
        if not plan.changes:
            self.stdout.write("No changes: Veikart already holds what the files say.")
