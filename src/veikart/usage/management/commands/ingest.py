from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from veikart.core.cli import user_option
from veikart.usage.services import ingest_paths


class Command(BaseCommand):
    help = (
        "Ingest Microsoft 365 usage reports (CSV files, folders or zip archives) into the "
        "pseudonymised usage lake. Files already stored are skipped; a refused file is listed "
        "and the command exits non-zero, the other files are still stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="Files, folders or .zip archives.")
        parser.add_argument("--user", metavar="USERNAME", help="Record the ingest as this user's.")

    def handle(self, *args: Any, **options: Any) -> None:
        paths = [Path(p) for p in options["paths"]]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"No such file or folder: {', '.join(missing)}")
        actor = user_option(options)
        summary = self._run(paths, actor)
        self.stdout.write(
            f"Files: {summary.files} ({summary.stored} stored, {summary.unchanged} already "
            f"stored, {len(summary.failed)} refused). Rows: {summary.rows:_}.".replace("_", " ")
        )
        if summary.reports:
            self.stdout.write(f"Reports: {', '.join(sorted(summary.reports))}.")
        if summary.first_day and summary.last_day:
            self.stdout.write(f"Dates: {summary.first_day} – {summary.last_day}.")
        self.stdout.write(
            f"People not found in the organisation: {summary.unmapped_people} "
            "(counted only; import the HR data to map them)."
        )
        if summary.computed is not None:
            weeks, months = summary.computed["weeks"], summary.computed["months"]
            self.stdout.write(
                f"Figures: recomputed {weeks} weeks and {months} months."
                if weeks or months
                else "Figures: up to date."
            )
        if summary.concealed_files:
            self.stdout.write(
                f"{summary.concealed_files} files have concealed user names: Microsoft 365 "
                "replaced every name with a code, so these files can only give organisation-wide "
                "figures. To measure per unit, turn off 'Display concealed user, group, and site "
                "names in all reports' in the Microsoft 365 admin centre (Settings → Org "
                "settings → Reports) and export again."
            )
        for _name, message in summary.failed:
            self.stderr.write(f"Refused: {message}")
        if summary.failed:
            raise CommandError(
                f"{len(summary.failed)} of {summary.files} files were refused; nothing from them "
                "was stored. Correct or re-download them and run again."
            )

    def _run(self, paths: list[Path], actor: Any) -> Any:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=None,
            transient=True,
            disable=not self.stdout.isatty(),
        ) as bar:
            task = bar.add_task("Ingest", total=None)
            return ingest_paths(
                paths,
                actor=actor,
                source="cli",
                progress=lambda name: bar.update(task, advance=1, description=name[-60:]),
            )
