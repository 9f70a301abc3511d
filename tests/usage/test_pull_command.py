"""`veikart pull` as an operator runs it, against the loopback fake Graph server.

The command reads its settings from the VEIKART_GRAPH_* variables like in production; only the
client's clock is swapped (through the command's ``_make_client`` hook) for the fake's, so that
pacing, back-off and Retry-After pauses take no real time.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.usage.conftest import MakeFake
from tests.usage.graph.fakegraph import FakeClock, FakeGraph, ReportFiles, Tls
from tests.usage.graph.support import CLIENT_ID, SECRET, TENANT_ID, TODAY, window
from veikart.demo.simulator.reports import (
    ACTIVE_USER_DETAIL,
    TEAMS_USER_DETAIL,
    USER_DETAIL_REPORTS,
)
from veikart.usage.formats import REPORTS
from veikart.usage.graph.client import ENV_VARIABLES, GraphReportsClient, GraphSettings, Pacer
from veikart.usage.management.commands import pull as pull_command
from veikart.usage.models import IngestedFile
from veikart.usage.services import ingest_paths

pytestmark = pytest.mark.django_db

KEY = {f.graph_name: f.key for f in REPORTS.values()}  # Graph's name → the lake's report key
STORED = ("written", "replaced")
Point = Callable[[FakeGraph], None]


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path: Path, settings: Any) -> None:
    settings.DATA_DIR = tmp_path / "data"
    settings.LAKE_DIR = tmp_path / "data" / "lake"


@pytest.fixture
def point_at(monkeypatch: pytest.MonkeyPatch, tls: Tls, clock: FakeClock) -> Point:
    """Configure the command for a fake as an operator would, with the fake's clock."""

    def point(fake: FakeGraph) -> None:
        for name in ENV_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("VEIKART_GRAPH_TENANT_ID", TENANT_ID)
        monkeypatch.setenv("VEIKART_GRAPH_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("VEIKART_GRAPH_CLIENT_SECRET", SECRET)
        monkeypatch.setenv("VEIKART_GRAPH_AUTHORITY_HOST", fake.authority_host)
        monkeypatch.setenv("VEIKART_GRAPH_BASE_URL", fake.graph_base)
        monkeypatch.setenv("VEIKART_GRAPH_CA_BUNDLE", str(tls.ca_file))

        def make_client(graph_settings: GraphSettings) -> GraphReportsClient:
            # Each run is a new process: a new client, and a pacer that knows nothing yet.
            return GraphReportsClient(graph_settings, clock=clock, pacer=Pacer(clock=clock))

        monkeypatch.setattr(pull_command, "_make_client", make_client)

    return point


def pull(*args: str, today: dt.date = TODAY) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("pull", "--today", today.isoformat(), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def lake() -> Path:
    root: Path = django_settings.LAKE_DIR
    return root


def incoming() -> Path:
    return Path(django_settings.DATA_DIR) / "graph" / "incoming"


def snapshots() -> Counter[tuple[str, dt.date]]:
    """(report key, day) of every Parquet file in the lake."""
    found: Counter[tuple[str, dt.date]] = Counter()
    for path in lake().rglob("*.parquet"):
        report, form, day = path.relative_to(lake()).parts[:3]
        assert (form, path.name) == ("form=date", "data.parquet")
        found[(report, dt.date.fromisoformat(day.removeprefix("day=")))] += 1
    return found


def stored_days(run_source: str = "graph") -> Counter[tuple[str, dt.date | None]]:
    rows = IngestedFile.objects.filter(run__source=run_source, status__in=STORED)
    return Counter(rows.values_list("report", "report_date"))


def every_day(days: list[dt.date]) -> Counter[tuple[str, dt.date | None]]:
    return Counter({(KEY[report], day): 1 for report in USER_DETAIL_REPORTS for day in days})


# --- whole runs -------------------------------------------------------------------------------


def test_the_five_pulled_reports_are_the_simulated_user_detail_reports() -> None:
    assert sorted(pull_command.PULLED) == sorted(USER_DETAIL_REPORTS)


def test_a_pull_ingests_every_day_of_the_window_once_despite_throttling_and_failures(
    make_fake: MakeFake, point_at: Point, report_files: ReportFiles
) -> None:
    # Another app spends part of the tenant's budget (10 left of 14); Graph and the download
    # host fail now and then.
    fake = make_fake(limit=10, failure_rate=0.15, download_failure_rate=0.1)
    point_at(fake)

    out, err = pull()

    assert out.strip() == "Downloaded 135 files, skipped 0, failed 0."
    assert err == ""
    # Every day of the window, of every report: ingested once, stored once, none missing.
    assert stored_days() == every_day(window())
    assert snapshots() == every_day(window())
    files = IngestedFile.objects.filter(run__source="graph")
    assert files.count() == 135
    assert {(f.status, f.form, f.period_days) for f in files} == {("written", "date", 1)}
    for f in files:  # the day asked for, the one in the file's name, is the snapshot's day
        assert f.report_date is not None and f.name.endswith(f"_{f.report_date}.csv")
        assert f.snapshot == f"{f.report}/form=date/day={f.report_date}/data.parquet"
        assert f.refresh_date is not None and f.refresh_date > f.report_date
        assert f.rows > 0
    assert sorted(p.name for p in incoming().iterdir()) == []
    # Throttling and failures really happened, and were handled as Graph asks.
    statuses = fake.statuses()
    assert statuses[429] > 0 and statuses[503] > 0
    assert any(d.status == 503 for d in fake.download_requests)
    assert fake.retry_after_violations == []
    assert all(
        fake.downloads_of(report, day) == 1 for report in USER_DETAIL_REPORTS for day in window()
    )
    # The bearer token went to Graph only: the download host never saw it.
    assert len(fake.download_requests) >= 135
    assert [d.authorization for d in fake.download_requests] == [None] * len(fake.download_requests)


def test_runs_after_the_first_fetch_only_what_is_missing_or_may_have_changed(
    fake: FakeGraph, point_at: Point
) -> None:
    point_at(fake)
    pull()
    after_first = IngestedFile.objects.count()
    served = len(fake.download_requests)

    # The same day again: everything is stored and the last 3 days were fetched today already.
    out, err = pull()

    assert out.strip() == "Downloaded 0 files, skipped 135, failed 0."
    assert (len(fake.download_requests), IngestedFile.objects.count()) == (served, after_first)

    # The progress file is lost: the database still knows what is stored, so only the last
    # 3 days are fetched again, and they change nothing.
    (Path(django_settings.DATA_DIR) / "graph" / "pull-state.json").unlink()
    out, err = pull()

    last_three = window()[-3:]
    assert out.strip() == "Downloaded 15 files, skipped 120, failed 0."
    again = IngestedFile.objects.filter(run__source="graph").order_by("pk")[after_first:]
    assert Counter((f.report, f.report_date, f.status) for f in again) == Counter(
        {(KEY[report], day, "unchanged"): 1 for report in USER_DETAIL_REPORTS for day in last_three}
    )

    # The next day: the new day, and the two before it again (Microsoft still revises them).
    tomorrow = TODAY + dt.timedelta(days=1)
    fake.today = tomorrow
    before = IngestedFile.objects.count()
    out, err = pull(today=tomorrow)

    assert out.strip() == "Downloaded 15 files, skipped 120, failed 0."
    assert err == ""
    new = IngestedFile.objects.order_by("pk")[before:]
    assert Counter((f.report_date, f.status) for f in new) == Counter(
        {(TODAY, "written"): 5, (TODAY - dt.timedelta(days=1), "unchanged"): 5}
        | {(TODAY - dt.timedelta(days=2), "unchanged"): 5}
    )
    # Still one snapshot, and one stored file, per report and day.
    assert stored_days() == every_day([*window(), TODAY])
    assert snapshots() == every_day([*window(), TODAY])
    assert [d.authorization for d in fake.download_requests] == [None] * len(fake.download_requests)


def test_files_a_killed_run_left_are_ingested_first_with_the_day_they_were_asked_for(
    fake: FakeGraph, point_at: Point, report_files: ReportFiles
) -> None:
    point_at(fake)
    full, empty = window()[5], window()[6]
    folder = incoming()
    folder.mkdir(parents=True)
    body = report_files.dates[(ACTIVE_USER_DETAIL, full)].read_bytes()
    (folder / f"{ACTIVE_USER_DETAIL}_{full}.csv").write_bytes(body)
    # A day without anyone active: the header only. Nothing in it says which day it is.
    (folder / f"{ACTIVE_USER_DETAIL}_{empty}.csv").write_bytes(body.splitlines(True)[0])

    out, _ = pull("--report", ACTIVE_USER_DETAIL)

    first, second = IngestedFile.objects.order_by("pk")[:2]
    assert (first.report_date, first.form, first.status) == (full, "date", "written")
    assert (second.report_date, second.form, second.status) == (empty, "date", "empty")
    assert (second.refresh_date, second.snapshot, second.rows) == (None, "", 0)
    # The stored day was not fetched again; the empty one was (Graph may have it filled now).
    assert out.strip() == "Downloaded 26 files, skipped 1, failed 0."
    assert fake.downloads_of(ACTIVE_USER_DETAIL, full) == 0
    assert fake.downloads_of(ACTIVE_USER_DETAIL, empty) == 1
    assert stored_days() == Counter({(KEY[ACTIVE_USER_DETAIL], day): 1 for day in window()})


def test_a_pull_graph_keeps_failing_stores_what_it_got_and_exits_non_zero(
    make_fake: MakeFake, point_at: Point
) -> None:
    point_at(make_fake(failure_rate=1.0))
    err = io.StringIO()

    with pytest.raises(CommandError, match="the next run tries them again"):
        call_command(
            "pull",
            "--today",
            TODAY.isoformat(),
            "--report",
            TEAMS_USER_DETAIL,
            stdout=io.StringIO(),
            stderr=err,
        )

    lines = err.getvalue().splitlines()
    assert len(lines) == 27 and all(line.startswith("Failed: ") for line in lines)
    assert "failed 6 times in a row (last: HTTP 503)" in lines[0]
    assert IngestedFile.objects.count() == 0


# --- options and configuration ----------------------------------------------------------------


def test_pull_without_configuration_names_the_missing_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("VEIKART_GRAPH_TENANT_ID", "VEIKART_GRAPH_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(Exception, match="VEIKART_GRAPH_TENANT_ID"):
        call_command("pull", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.parametrize(
    ("value", "message"),
    [("14.03.2020", "is not a date"), ("2999-01-01", "is in the future")],
)
def test_a_wrong_today_is_refused(value: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("pull", "--today", value, stdout=io.StringIO(), stderr=io.StringIO())


# --- the day asked for, through the ingest ----------------------------------------------------


def test_ingest_takes_the_day_it_is_given_rather_than_inferring_it(
    report_files: ReportFiles, tmp_path: Path
) -> None:
    day = window()[0]
    full = tmp_path / "full.csv"
    full.write_bytes(report_files.dates[(TEAMS_USER_DETAIL, day)].read_bytes())
    header = tmp_path / "header.csv"
    header.write_bytes(full.read_bytes().splitlines(True)[0])
    given = day + dt.timedelta(days=1)  # a day the rows would not give

    summary = ingest_paths([full, header], report_dates={full: given, header: day})

    assert summary.ok and (summary.first_day, summary.last_day) == (day, given)
    files = list(IngestedFile.objects.order_by("pk"))
    assert [(f.report_date, f.form, f.status) for f in files] == [
        (given, "date", "written"),
        (day, "date", "empty"),
    ]
    assert files[0].snapshot == f"teams_user_detail/form=date/day={given}/data.parquet"
    assert (lake() / files[0].snapshot).is_file()


def test_a_header_only_file_without_a_given_day_has_no_dates_at_all(
    report_files: ReportFiles, tmp_path: Path
) -> None:
    header = tmp_path / "header.csv"
    body = report_files.dates[(TEAMS_USER_DETAIL, window()[0])].read_bytes()
    header.write_bytes(body.splitlines(True)[0])

    summary = ingest_paths([header])

    assert summary.ok and (summary.first_day, summary.last_day) == (None, None)
    (record,) = IngestedFile.objects.all()
    assert (record.status, record.form, record.refresh_date, record.report_date) == (
        "empty",
        "period",
        None,
        None,
    )
    assert record.snapshot == ""
    assert not lake().exists() or not any(lake().rglob("*.parquet"))
