from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from veikart.core.cli import read_file_arguments, user_option
from veikart.trainings import services


class Command(BaseCommand):
    help = (
        "Import courses, sessions and enrolments from the training files (kurs.csv, "
        "kursokter.csv, pameldinger.csv, or one .xlsx workbook with a sheet for each). Checks "
        "every row, then applies all at once; with "
        "--dry-run only shows what would change."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "files", nargs="+", help="Training files (CSV or .xlsx) to import together."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the files and show the changes only."
        )
        parser.add_argument("--user", metavar="USERNAME", help="Record the import as this user's.")

    def handle(self, *args: Any, **options: Any) -> None:
        files = read_file_arguments(options["files"])
        actor = user_option(options)
        try:
            result = services.import_training(files, apply=False)
            for problem in result.problems:
                self.stderr.write(f"Error: {problem}")
            if not result.ok:
                raise CommandError("Nothing was changed. Correct the files and run again.")
            for entity, label in (
                ("course", "Courses"),
                ("session", "Sessions"),
                ("enrolment", "Enrolments"),
            ):
                self.stdout.write(
                    f"{label}: {result.counts[entity + '_created']} created, "
                    f"{result.counts[entity + '_changed']} changed"
                )
            if options["dry_run"]:
                self.stdout.write("Dry run: nothing was changed.")
                return
            services.import_training(files, apply=True, actor=actor)
        except services.ImportRefused as exc:
            for message in exc.problems:
                self.stderr.write(message)
            raise CommandError("Nothing was changed.") from None
        self.stdout.write(self.style.SUCCESS("Applied."))
