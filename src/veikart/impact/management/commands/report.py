from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from veikart.core.cli import user_option
from veikart.core.services import record_audit_event
from veikart.impact.report import FORMATS, render_report
from veikart.impact.selectors import latest_result

REPORTS = ("impact",)


class Command(BaseCommand):
    help = (
        "Write a report to a file. 'impact': the last stored evaluation of the training (run "
        "'veikart evaluate' first) as a self-contained HTML page or a PDF."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("report", choices=REPORTS, help="Which report: impact.")
        parser.add_argument("--format", choices=FORMATS, default="pdf", help="html or pdf.")
        parser.add_argument("--output", required=True, metavar="FILE", help="Where to write it.")
        parser.add_argument("--user", metavar="USERNAME", help="Record the export as this user's.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = latest_result()
        if result is None:
            raise CommandError("No evaluation is stored yet: run 'veikart evaluate' first.")
        content = render_report(result, options["format"])
        output = Path(options["output"])
        output.write_bytes(content)
        record_audit_event(user_option(options), "impact.report", target="impact",
                           detail={"format": options["format"], "result": result.pk})  # fmt: skip
        self.stdout.write(f"Wrote {output} ({len(content):_} bytes).".replace("_", " "))
