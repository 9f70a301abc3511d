"""Constants and helpers shared by the Graph tests.

TODAY is the day the pull runs; the simulated tenant has daily files up to 2020-03-15, so the
fake can also play the next day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.usage.graph.fakegraph import FakeGraph, ReportFiles, Tls
from veikart.demo.simulator.reports import TEAMS_COUNTS, USER_DETAIL_REPORTS
from veikart.usage.graph.client import GraphSettings

TODAY = dt.date(2020, 3, 14)
TENANT_ID = "0f3a1c2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
CLIENT_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
SECRET = "kX8~Q2.rT5-fake-secret-value-9zP"
# Five one-day user-detail reports and one organisation-level series (period form only).
REPORTS: tuple[str, ...] = (*USER_DETAIL_REPORTS, TEAMS_COUNTS)


def settings_for(fake: FakeGraph, tls: Tls, **overrides: Any) -> GraphSettings:
    options: dict[str, Any] = {
        "tenant_id": TENANT_ID,
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "authority_host": fake.authority_host,
        "graph_base": fake.graph_base,
        "ca_bundle": tls.ca_file,
        "timeout": 10.0,
    }
    options.update(overrides)
    return GraphSettings(**options)


class Stored:
    """The ``store`` callback of run_pull, remembering what it was given."""

    def __init__(self, *, fail_after: int | None = None) -> None:
        self.calls: list[tuple[str, dt.date | None, str | None, bytes]] = []
        self.fail_after = fail_after

    def __call__(self, report: str, day: dt.date | None, period: str | None, body: bytes) -> None:
        if self.fail_after is not None and len(self.calls) >= self.fail_after:
            raise PowerCut(f"the server lost power after {len(self.calls)} files")
        self.calls.append((report, day, period, body))

    def keys(self) -> list[tuple[str, dt.date | None, str | None]]:
        return [(report, day, period) for report, day, period, _ in self.calls]


class PowerCut(Exception):
    pass


def window(today: dt.date = TODAY) -> list[dt.date]:
    return [today - dt.timedelta(days=n) for n in range(27, 0, -1)]


def file_bytes(files: ReportFiles, report: str, day: dt.date) -> bytes:
    return files.dates[(report, day)].read_bytes()
