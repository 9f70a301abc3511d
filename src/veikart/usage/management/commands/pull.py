from __future__ import annotations

import argparse
import datetime as dt
import os
import re
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
# How the pull names a one-day file in incoming/: <report>_<YYYY-MM-DD>.csv (period: _D7.csv).
_DAY_FILE = re.compile(r"^get[A-Za-z0-9]+_(\d{4}-\d{2}-\d{2})\.csv$")


def _make_client(graph_settings: GraphSettings) -> GraphReportsClient:
    """The Graph client a run uses. Tests replace this to give it a fake clock and pacer."""
    return GraphReportsClient(graph_settings)


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _requested_day(path: Path) -> dt.date | None:
    """The day a one-day file in incoming/ was asked for, from its name (None: not one)."""
    match = _DAY_FILE.match(path.name)
    if match is None:
        return None
    try:
        return dt.date.fromisoformat(match[1])
    except ValueError:
        return None


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
        parser.add_argument(
            "--today",
            type=_day,
            metavar="YYYY-MM-DD",
            help=(
                "Pretend today is this date: for tests and for re-running a missed day. "
                "Default: today in UTC (Graph's report dates are UTC days)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        real_today = dt.datetime.now(dt.UTC).date()  # Graph's report dates are UTC days
        today: dt.date = options["today"] or real_today
        if today > real_today:
            raise CommandError(
                f"--today {today.isoformat()} is in the future (today is "
                f"{real_today.isoformat()} in UTC)"
            )
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

        try:
            with _make_client(GraphSettings.from_env()) as client:
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
        # The day each one-day file was asked for is in its name; the reader takes it rather
        # than inferring the day from the rows (a header-only file has none to infer from).
        days = {path: day for path in files if (day := _requested_day(path)) is not None}
        result = ingest_paths(files, source="graph", report_dates=days)
        for path in files:
            refused = any(name == path.name for name, _ in result.failed)
            if refused:
                path.rename(path.with_suffix(".refused"))
            else:
                path.unlink()
        for _name, message in result.failed:
            self.stderr.write(f"Refused: {message}")
