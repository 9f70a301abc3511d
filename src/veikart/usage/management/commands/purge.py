from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from veikart.usage.services import purge_raw_usage


class Command(BaseCommand):
    help = (
        "Remove raw usage data older than the retention period (VEIKART_RETENTION_DAYS) from "
        "the lake. Aggregates are kept. Recorded in the audit log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only say how many snapshots would go."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = purge_raw_usage(dry_run=options["dry_run"])
        verb = "Would remove" if options["dry_run"] else "Removed"
        self.stdout.write(
            f"{verb} {result.snapshots} snapshots from before {result.cutoff} "
            f"(retention {settings.RETENTION_DAYS} days)."
        )
