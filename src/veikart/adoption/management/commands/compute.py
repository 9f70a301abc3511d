from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from veikart.adoption.services import compute_figures
from veikart.core.cli import user_option


class Command(BaseCommand):
    help = (
        "Compute the adoption figures from the usage lake, the organisation and training. Only "
        "weeks whose inputs changed since the last run are recomputed (the months holding them "
        "too); --full recomputes everything. Runs by itself after every ingest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="Recompute every period.")
        parser.add_argument("--user", metavar="USERNAME", help="Record the run as this user's.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = user_option(options)
        verbose = options["verbosity"] > 1
        summary = compute_figures(
            full=options["full"],
            actor=actor,
            trigger="cli",
            progress=(lambda message: self.stdout.write(f"  {message}")) if verbose else None,
        )
        if summary.up_to_date:
            self.stdout.write("The figures are up to date: no usage, HR or training data changed.")
            return
        self.stdout.write(
            f"Recomputed {summary.weeks} weeks and {summary.months} months"
            f"{' (everything)' if summary.full else ''}: {summary.figures:_} figures, "
            f"{summary.hidden:_} of them hidden to protect small groups. "
            f"{summary.seconds:.1f} s.".replace("_", " ")
        )
