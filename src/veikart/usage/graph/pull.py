"""The daily pull: which one-day reports to fetch, fetching them, and resuming after a stop.

Graph serves one-day (date-form) reports for about the last 28 days only, so a day not fetched in
time is gone for good at that level of detail. Each run therefore asks for every day of the last
27 (yesterday back to 27 days ago) that we do not have yet, **oldest first** (those are the ones
about to fall out of Graph's window; the newest can still be fetched tomorrow), and always asks
again for the last 3 days, which Microsoft still revises.

A report that Graph offers in period form only (organisation-level counts) is recognised by
Graph's 404 "function cannot be found" on the first date-form request, and pulled as one ``D7``
file instead.

Progress is kept in a small JSON file, rewritten atomically after every file, so a run that
stops half-way (a crash, a reboot, a throttled day, Ctrl-C) resumes where it stopped: days
already fetched are not fetched again; the last 3 days are fetched once per calendar day.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import tempfile
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from veikart.usage.graph.exceptions import (
    GraphRequestError,
    GraphThrottledError,
    GraphUnavailableError,
    GraphUnsupportedError,
)

log = logging.getLogger(__name__)

WINDOW_DAYS = 27  # date-form reports asked for: yesterday back to today - 27
REPULL_DAYS = 3  # the newest days, asked for again on every run (Microsoft revises them)
FALLBACK_PERIOD = "D7"
STATE_VERSION = 1
_KEEP_STATE_DAYS = 60  # forget progress older than this (well outside Graph's window)

ReportDay = tuple[str, dt.date]
Store = Callable[[str, dt.date | None, str | None, bytes], None]
"""``store(report, date, period, body)``: exactly one of ``date`` and ``period`` is set."""


class ReportSource(Protocol):
    """What :func:`run_pull` needs of a client (:class:`~.client.GraphReportsClient`)."""

    def download(
        self, report: str, *, period: str | None = None, date: dt.date | None = None
    ) -> bytes: ...


@dataclass(frozen=True)
class PullItem:
    """One file: a report for one ``date`` (date form) or for a ``period`` such as ``"D7"``."""

    report: str
    date: dt.date | None = None
    period: str | None = None

    def __str__(self) -> str:
        what = f"date={self.date.isoformat()}" if self.date else f"period='{self.period}'"
        return f"{self.report}({what})"


@dataclass(frozen=True)
class PullOutcome:
    item: PullItem
    reason: str


@dataclass(frozen=True)
class PullSummary:
    """What a run did. ``failed`` items are asked for again by the next run (if still in reach)."""

    downloaded: tuple[PullItem, ...]
    skipped: tuple[PullOutcome, ...]
    failed: tuple[PullOutcome, ...]

    @property
    def ok(self) -> bool:
        return not self.failed


def pull_window(today: dt.date) -> list[dt.date]:
    """The days a run asks for, oldest first: ``today - 27`` … ``today - 1``."""
    return [today - dt.timedelta(days=n) for n in range(WINDOW_DAYS, 0, -1)]


def plan_pull(
    reports: Sequence[str], today: dt.date, already_have: Set[ReportDay] = frozenset()
) -> list[ReportDay]:
    """The date-form requests of a run, in order.

    Every day of :func:`pull_window` missing from ``already_have``, plus the last
    :data:`REPULL_DAYS` days whether we have them or not. Oldest day first; within a day, the
    reports in the given order (interleaving the reports spreads each one's request budget).
    """
    days = pull_window(today)
    repull = set(days[-REPULL_DAYS:])
    return [
        (report, day)
        for day in days
        for report in reports
        if day in repull or (report, day) not in already_have
    ]


def run_pull(
    client: ReportSource,
    reports: Sequence[str],
    today: dt.date,
    store: Store,
    state_path: Path,
    *,
    already_have: Set[ReportDay] = frozenset(),
    max_consecutive_failures: int = 3,
) -> PullSummary:
    """Fetch the planned reports, hand each file to ``store``, and record progress.

    ``store`` is called once per file and should ingest it (replacing an earlier file of the same
    report and day). If ``store`` raises, the pull stops with that exception; the file is not
    recorded as done, so the next run asks for it again. Sign-in and permission errors
    (:class:`~.exceptions.GraphAuthError`, :class:`~.exceptions.GraphPermissionError`) stop the
    pull too: nothing else would succeed. A day Graph does not have is a failure of that item only;
    after ``max_consecutive_failures`` items in a row fail with throttling or unavailability, the
    rest are left for the next run.
    """
    return _Run(client, reports, today, store, _State.load(state_path), max_consecutive_failures)(
        already_have
    )


@dataclass
class _Run:
    client: ReportSource
    reports: Sequence[str]
    today: dt.date
    store: Store
    state: _State
    max_consecutive_failures: int
    downloaded: list[PullItem] = field(default_factory=list)
    skipped: list[PullOutcome] = field(default_factory=list)
    failed: list[PullOutcome] = field(default_factory=list)
    period_tried: set[str] = field(default_factory=set)
    consecutive_failures: int = 0

    def __call__(self, already_have: Set[ReportDay]) -> PullSummary:
        have = set(already_have) | self.state.dates_done()
        plan = plan_pull(self.reports, self.today, have)
        planned = set(plan)
        for day in pull_window(self.today):
            for report in self.reports:
                if (report, day) not in planned:
                    self.skipped.append(PullOutcome(PullItem(report, day), "already stored"))
        for report, day in plan:
            self._date_item(report, day)
        summary = PullSummary(tuple(self.downloaded), tuple(self.skipped), tuple(self.failed))
        log.info(
            "graph: pull for %s: %d downloaded, %d skipped, %d failed",
            self.today,
            len(summary.downloaded),
            len(summary.skipped),
            len(summary.failed),
        )
        return summary

    def _date_item(self, report: str, day: dt.date) -> None:
        item = PullItem(report, day)
        if self._given_up(item):
            return
        if self.state.date_form_unsupported(report, self.today):
            self.skipped.append(PullOutcome(item, f"no one-day reports; {FALLBACK_PERIOD} instead"))
            self._period_item(report)
            return
        if self.state.date_pulled_on(report, day) == self.today:
            self.skipped.append(PullOutcome(item, "already fetched today"))
            return
        try:
            body = self.client.download(report, date=day)
        except GraphUnsupportedError:
            log.info("graph: %s has no one-day reports; pulling %s", report, FALLBACK_PERIOD)
            self.state.mark_date_form_unsupported(report, self.today)
            self.state.save()
            self._date_item(report, day)
            return
        except (GraphThrottledError, GraphUnavailableError) as exc:
            self._fail(item, str(exc), transient=True)
            return
        except GraphRequestError as exc:  # including GraphDateUnavailableError
            self._fail(item, str(exc), transient=False)
            return
        self.store(report, day, None, body)
        self.state.record_date(report, day, self.today)
        self.state.save()
        self._succeeded(item)

    def _period_item(self, report: str) -> None:
        if report in self.period_tried:
            return
        self.period_tried.add(report)
        item = PullItem(report, period=FALLBACK_PERIOD)
        if self._given_up(item):
            return
        if self.state.period_pulled_on(report, FALLBACK_PERIOD) == self.today:
            self.skipped.append(PullOutcome(item, "already fetched today"))
            return
        try:
            body = self.client.download(report, period=FALLBACK_PERIOD)
        except (GraphThrottledError, GraphUnavailableError) as exc:
            self._fail(item, str(exc), transient=True)
            return
        except GraphRequestError as exc:
            self._fail(item, str(exc), transient=False)
            return
        self.store(report, None, FALLBACK_PERIOD, body)
        self.state.record_period(report, FALLBACK_PERIOD, self.today)
        self.state.save()
        self._succeeded(item)

    def _given_up(self, item: PullItem) -> bool:
        if self.consecutive_failures < self.max_consecutive_failures:
            return False
        self.failed.append(
            PullOutcome(item, "not tried: Graph kept failing; the next run will continue")
        )
        return True

    def _succeeded(self, item: PullItem) -> None:
        self.consecutive_failures = 0
        self.downloaded.append(item)

    def _fail(self, item: PullItem, reason: str, *, transient: bool) -> None:
        log.warning("graph: %s failed: %s", item, reason)
        self.failed.append(PullOutcome(item, reason))
        self.consecutive_failures = self.consecutive_failures + 1 if transient else 0


class _State:
    """Progress of the pull, as JSON::

    {"version": 1,
     "dates": {"getTeamsUserActivityUserDetail": {"2020-03-01": "2020-03-14", …}, …},
     "periods": {"getTeamsUserActivityCounts": {"D7": "2020-03-14"}},
     "date_form_unsupported": {"getTeamsUserActivityCounts": "2020-03-14"}}

    Each value is the calendar day of the run that fetched the file (or found the report has no
    one-day form; that finding is trusted for the rest of the day only).
    """

    def __init__(self, path: Path, data: dict[str, dict[str, Any]] | None = None) -> None:
        self.path = path
        data = data or {}
        self.dates: dict[str, dict[str, str]] = data.get("dates", {})
        self.periods: dict[str, dict[str, str]] = data.get("periods", {})
        self.unsupported: dict[str, str] = data.get("date_form_unsupported", {})

    @classmethod
    def load(cls, path: Path) -> _State:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError) as exc:
            # Only progress is lost: the next run fetches again what it cannot prove it has.
            log.warning("graph: ignoring unreadable pull state %s (%s)", path, exc)
            return cls(path)
        if not _valid_state(raw):
            log.warning("graph: ignoring pull state %s of an unknown shape", path)
            return cls(path)
        return cls(path, raw)

    def dates_done(self) -> set[ReportDay]:
        return {
            (report, dt.date.fromisoformat(day))
            for report, days in self.dates.items()
            for day in days
        }

    def date_pulled_on(self, report: str, day: dt.date) -> dt.date | None:
        when = self.dates.get(report, {}).get(day.isoformat())
        return dt.date.fromisoformat(when) if when else None

    def period_pulled_on(self, report: str, period: str) -> dt.date | None:
        when = self.periods.get(report, {}).get(period)
        return dt.date.fromisoformat(when) if when else None

    def date_form_unsupported(self, report: str, today: dt.date) -> bool:
        return self.unsupported.get(report) == today.isoformat()

    def record_date(self, report: str, day: dt.date, today: dt.date) -> None:
        self.dates.setdefault(report, {})[day.isoformat()] = today.isoformat()
        self._forget_before(today - dt.timedelta(days=_KEEP_STATE_DAYS))

    def record_period(self, report: str, period: str, today: dt.date) -> None:
        self.periods.setdefault(report, {})[period] = today.isoformat()

    def mark_date_form_unsupported(self, report: str, today: dt.date) -> None:
        self.unsupported[report] = today.isoformat()

    def save(self) -> None:
        """Write the state atomically: a reader sees the old file or the new one, never half."""
        document = {
            "version": STATE_VERSION,
            "dates": self.dates,
            "periods": self.periods,
            "date_form_unsupported": self.unsupported,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=1, sort_keys=True)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _forget_before(self, cutoff: dt.date) -> None:
        oldest = cutoff.isoformat()
        for days in self.dates.values():
            for day in [d for d in days if d < oldest]:
                del days[day]


def _valid_state(raw: object) -> bool:
    if not isinstance(raw, dict) or raw.get("version") != STATE_VERSION:
        return False
    try:
        days = [
            d for entries in raw.get("dates", {}).values() for item in entries.items() for d in item
        ]
        days += [when for entries in raw.get("periods", {}).values() for when in entries.values()]
        days += list(raw.get("date_form_unsupported", {}).values())
        for day in days:
            dt.date.fromisoformat(day)
    except (AttributeError, TypeError, ValueError):
        return False
    return True
