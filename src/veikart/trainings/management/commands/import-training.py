from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from veikart.trainings import services


class Command(BaseCommand):
    help = (
        "Import courses, sessions and enrolments from the training files (kurs.csv, "
        "kursokter.csv, pameldinger.csv). Checks every row, then applies all at once; with "
        "--dry-run only shows what would change."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", help="Training CSV files to import together.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the files and show the changes only."
        )
        parser.add_argument("--user", metavar="USERNAME", help="Record the import as this user's.")

    def handle(self, *args: Any, **options: Any) -> None:
        files = []
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{name}: no such file.")
            files.append(services.UploadedFile(path.name, path.read_bytes()))
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user named {options['user']!r}.")
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
