from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from veikart.core.access import SYSTEM
from veikart.core.cli import date_option, user_option
from veikart.core.services import record_audit_event
from veikart.roadmaps import status_documents, status_report


class Command(BaseCommand):
    help = (
        "Write the status report for the leadership group (system decisions, roadmap, targets, "
        "training plan, adoption headline, impact, working agreement) to a PDF or Excel file. "
        "The export is written to the audit log. See docs/user/status-report.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format", choices=status_documents.FORMATS, default="pdf", help="pdf or xlsx."
        )
        parser.add_argument(
            "--out",
            "--output",
            dest="out",
            required=True,
            metavar="FILE",
            help="Where to write it.",
        )
        parser.add_argument(
            "--date",
            metavar="DATE",
            help="The day the training plan, milestones and working agreement are read on, e.g. "
            "2020-06-30 or 30.06.2020 (default: today). Adoption figures are the latest stored.",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Make the report as this user (programme lead, executive or administrator), "
            "with only what they may see. Without it the report is the server operator's.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = user_option(options)
        day = date_option(options.get("date"), "--date")
        try:
            report = status_report.get_status_report_for_user(
                user if user is not None else SYSTEM, day=day
            )
        except PermissionDenied:
            raise CommandError(
                f"{options['user']} may not make the status report: it is for the programme "
                "lead, the executive and administrators."
            ) from None
        fmt = options["format"]
        content = status_documents.render(report, fmt)
        output = Path(options["out"])
        try:
            output.write_bytes(content)
        except OSError as error:
            raise CommandError(f"Could not write {output}: {error.strerror}.") from None
        record_audit_event(
            user,
            "roadmap.status_report",
            target="statusrapport",
            detail={"format": fmt, "date": day.isoformat(), "via": "cli"},
        )
        size = f"{len(content):_}".replace("_", " ")
        self.stdout.write(f"Wrote {output} ({size} bytes): the status report of {day:%d.%m.%Y}.")
