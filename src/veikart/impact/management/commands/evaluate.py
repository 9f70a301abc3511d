from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from veikart.core.cli import user_option
from veikart.core.services import record_audit_event
from veikart.impact.panel import NoData, evaluable_metrics
from veikart.impact.services import DEFAULT_METRIC, STEPS, evaluate_and_store


class Command(BaseCommand):
    help = (
        "Evaluate the training: what the courses did to an adoption metric, separated from what "
        "hit everyone (the lockdown), with confidence intervals. Stores the result for the "
        "impact page and the report (aggregates over groups of at least VEIKART_MIN_GROUP_SIZE "
        "people only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--metric",
            default=DEFAULT_METRIC,
            choices=[m.key for m in evaluable_metrics()],
            help=f"The outcome (default {DEFAULT_METRIC}).",
        )
        parser.add_argument(
            "--course",
            action="append",
            default=[],
            metavar="CODE",
            help="A course whose first attended session counts as training (repeat for several; "
            "default: every course).",
        )
        parser.add_argument("--user", metavar="USERNAME", help="Record the run as this user's.")

    def handle(self, *args: Any, **options: Any) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        actor = user_option(options)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            transient=True,
            disable=not self.stdout.isatty(),
        ) as bar:
            task = bar.add_task("Evaluate", total=len(STEPS))
            try:
                result = evaluate_and_store(
                    options["metric"],
                    options["course"],
                    user=actor,
                    progress=lambda step: bar.update(task, advance=1, description=step),
                )
            except NoData as exc:
                raise CommandError(f"Nothing to evaluate: {exc}.") from exc
        detail = {**result.parameters, "seconds": round(result.seconds, 1)}
        record_audit_event(actor, "impact.evaluate", target="impact", detail=detail)
        headline = result.payload["headline"]
        self.stdout.write(
            f"Evaluated {result.parameters['metric']} in {result.seconds:.1f} s: effect "
            f"{headline['estimate']:+.2f} per person and week among the trained "
            f"(95% CI {headline['lower']:.2f} to {headline['upper']:.2f}). "
            "See the impact page or run: veikart report impact --format pdf --output FILE"
        )
