from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from veikart.usage.formats import REPORTS
from veikart.usage.graph.client import GraphReportsClient, GraphSettings
from veikart.usage.graph.exceptions import GraphError
from veikart.usage.graph.pull import run_pull
from veikart.usage.models import IngestedFile
from veikart.usage.services import ingest_paths

# The user-detail reports Veikart measures with, pulled day by day.
PULLED = (
    "getTeamsUserActivityUserDetail",
    "getEmailActivityUserDetail",
    "getOneDriveActivityUserDetail",
    "getSharePointActivityUserDetail",
    "getOffice365ActiveUserDetail",
)


class Command(BaseCommand):
    help = (
        "Pull the usage reports from Microsoft Graph (the missing days of the last 27, and the "
        "last 3 again) and ingest them. Resumes where an interrupted run stopped. Configure with "
        "the VEIKART_GRAPH_* variables (docs/operator/graph.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--report",
            action="append",
            choices=PULLED,
            help="Pull only this report (repeat for several); default: all five.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(settings.DATA_DIR) / "graph"
        incoming = folder / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        # Files a killed run downloaded but did not ingest are ingested first.
        self._ingest(incoming)
        by_key = {f.key: f.graph_name for f in REPORTS.values()}
        have = {
            (by_key[report], day)
            for report, day in IngestedFile.objects.filter(
                form="date", status__in=["written", "replaced", "unchanged"]
            ).values_list("report", "report_date")
            if report in by_key and day is not None
        }

        def store(report: str, day: dt.date | None, period: str | None, body: bytes) -> None:
            name = f"{report}_{day.isoformat() if day else period}.csv"
            temporary = incoming / f".{name}.tmp"
            temporary.write_bytes(body)
            os.replace(temporary, incoming / name)

        today = dt.datetime.now(dt.UTC).date()  # Graph's report dates are UTC days
        try:
            with GraphReportsClient(GraphSettings.from_env()) as client:
                summary = run_pull(
                    client,
                    options["report"] or PULLED,
                    today,
                    store,
                    folder / "pull-state.json",
                    already_have=have,
                )
        except GraphError as exc:
            self._ingest(incoming)
            raise CommandError(str(exc)) from None
        self._ingest(incoming)
        self.stdout.write(
            f"Downloaded {len(summary.downloaded)} files, skipped {len(summary.skipped)}, "
            f"failed {len(summary.failed)}."
        )
        for outcome in summary.failed:
            self.stderr.write(f"Failed: {outcome.item}: {outcome.reason}")
        if not summary.ok:
            raise CommandError("Some reports could not be pulled; the next run tries them again.")

    def _ingest(self, incoming: Path) -> None:
        files = sorted(p for p in incoming.glob("*.csv"))
        if not files:
            return
        result = ingest_paths(files, source="graph")
        for path in files:
            refused = any(name == path.name for name, _ in result.failed)
            if refused:
                path.rename(path.with_suffix(".refused"))
            else:
                path.unlink()
        for _name, message in result.failed:
            self.stderr.write(f"Refused: {message}")
