"""The daily pull against the fake Graph: complete, once, resumable, within Graph's limits."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from tests.usage.graph.conftest import MakeClient, MakeFake
from tests.usage.graph.fakegraph import FakeClock, FakeGraph, ReportFiles
from tests.usage.graph.support import (
    REPORTS,
    TODAY,
    PowerCut,
    Stored,
    file_bytes,
    window,
)
from veikart.demo.simulator.reports import (
    EMAIL_USER_DETAIL,
    TEAMS_COUNTS,
    TEAMS_USER_DETAIL,
    USER_DETAIL_REPORTS,
)
from veikart.usage.graph.pull import PullItem, plan_pull, run_pull

# --- the plan ---------------------------------------------------------------------------------


def test_the_plan_asks_for_the_last_27_days_oldest_first_and_never_for_today() -> None:
    plan = plan_pull([TEAMS_USER_DETAIL], TODAY)

    assert [day for _, day in plan] == window()
    assert plan[0] == (TEAMS_USER_DETAIL, TODAY - dt.timedelta(days=27))
    assert plan[-1] == (TEAMS_USER_DETAIL, TODAY - dt.timedelta(days=1))


def test_the_plan_skips_days_we_have_but_always_asks_again_for_the_last_three() -> None:
    have = {(report, day) for report in (TEAMS_USER_DETAIL, EMAIL_USER_DETAIL) for day in window()}
    have.discard((EMAIL_USER_DETAIL, TODAY - dt.timedelta(days=10)))

    plan = plan_pull([TEAMS_USER_DETAIL, EMAIL_USER_DETAIL], TODAY, have)

    last_three = [TODAY - dt.timedelta(days=n) for n in (3, 2, 1)]
    assert plan == [
        (EMAIL_USER_DETAIL, TODAY - dt.timedelta(days=10)),
        *[(report, day) for day in last_three for report in (TEAMS_USER_DETAIL, EMAIL_USER_DETAIL)],
    ]


# --- whole pulls ------------------------------------------------------------------------------


def test_a_pull_gets_every_day_once_despite_throttling_failures_and_expired_tokens(
    make_fake: MakeFake,
    make_client: MakeClient,
    report_files: ReportFiles,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    # Another app spends part of the tenant's budget (10 left of 14), Graph fails now and then,
    # download addresses fail now and then, and tokens die after 15 minutes.
    fake = make_fake(limit=10, failure_rate=0.15, download_failure_rate=0.1, token_lifetime=900)
    stored = Stored()

    summary = run_pull(make_client(fake), REPORTS, TODAY, stored, tmp_path / "state.json")

    assert summary.failed == ()
    expected: Counter[tuple[str, dt.date | None, str | None]] = Counter(
        {(report, day, None): 1 for report in USER_DETAIL_REPORTS for day in window()}
    )
    expected[(TEAMS_COUNTS, None, "D7")] = 1
    assert Counter(stored.keys()) == expected
    for report, day, _, body in stored.calls:
        if day is not None:
            assert body == file_bytes(report_files, report, day)
            assert body.startswith(b"\xef\xbb\xbf")
    # The hard conditions really happened, and were handled as Graph asks.
    statuses = fake.statuses()
    assert statuses[429] > 0 and statuses[503] > 0 and statuses[401] > 0
    assert any(d.status == 503 for d in fake.download_requests)
    assert fake.tokens_issued > 1
    assert fake.retry_after_violations == []


def test_the_bearer_token_never_reaches_the_download_host(
    fake: FakeGraph, make_client: MakeClient, tmp_path: Path
) -> None:
    run_pull(make_client(fake), [TEAMS_USER_DETAIL], TODAY, Stored(), tmp_path / "state.json")

    assert len(fake.download_requests) == 27
    assert [d.authorization for d in fake.download_requests] == [None] * 27
    assert {d.status for d in fake.download_requests} == {200}


def test_an_interrupted_pull_resumes_without_fetching_finished_days_again(
    make_fake: MakeFake, make_client: MakeClient, tmp_path: Path
) -> None:
    fake = make_fake(failure_rate=0.05)
    state = tmp_path / "state.json"
    first = Stored(fail_after=40)

    with pytest.raises(PowerCut):
        run_pull(make_client(fake), REPORTS, TODAY, first, state)
    assert len(first.calls) == 40
    # A new process: new client, new token, a pacer that knows nothing of the first run.
    second = Stored()
    summary = run_pull(make_client(fake), REPORTS, TODAY, second, state)

    assert summary.failed == ()
    assert not set(first.keys()) & set(second.keys())
    done = Counter(first.keys()) + Counter(second.keys())
    assert set(done.values()) == {1}
    assert len(done) == len(USER_DETAIL_REPORTS) * 27 + 1
    # 39 days of the user-detail reports, and the D7 fallback of the series (done before the cut)
    assert len([s for s in summary.skipped if s.reason == "already stored"]) == 39
    assert PullItem(TEAMS_COUNTS, period="D7") in [s.item for s in summary.skipped]
    # Graph served each day once, except the one file that was in hand when the power went.
    served = Counter(
        (d.report, d.date, d.period) for d in fake.download_requests if d.status == 200
    )
    assert sorted(served.values()) == [1] * (len(done) - 1) + [2]
    (twice,) = [key for key, count in served.items() if count == 2]
    assert twice == second.keys()[0]


def test_the_next_day_fetches_the_new_day_and_the_last_three_again(
    fake: FakeGraph, make_client: MakeClient, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    run_pull(make_client(fake), REPORTS, TODAY, Stored(), state)
    tomorrow = TODAY + dt.timedelta(days=1)
    fake.today = tomorrow
    stored = Stored()

    summary = run_pull(make_client(fake), REPORTS, tomorrow, stored, state)

    last_three = [tomorrow - dt.timedelta(days=n) for n in (3, 2, 1)]
    assert stored.keys() == [
        (TEAMS_COUNTS, None, "D7"),
        *[(report, day, None) for day in last_three for report in USER_DETAIL_REPORTS],
    ]
    assert summary.failed == ()


def test_the_same_day_run_twice_fetches_nothing_again(
    fake: FakeGraph, make_client: MakeClient, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    run_pull(make_client(fake), REPORTS, TODAY, Stored(), state)
    stored = Stored()

    summary = run_pull(make_client(fake), REPORTS, TODAY, stored, state)

    assert stored.calls == []
    assert summary.downloaded == ()
    assert summary.failed == ()


def test_a_report_without_one_day_files_is_pulled_once_for_seven_days(
    fake: FakeGraph, make_client: MakeClient, tmp_path: Path
) -> None:
    stored = Stored()

    summary = run_pull(make_client(fake), [TEAMS_COUNTS], TODAY, stored, tmp_path / "state.json")

    assert stored.keys() == [(TEAMS_COUNTS, None, "D7")]
    assert summary.downloaded == (PullItem(TEAMS_COUNTS, period="D7"),)
    assert [(r.date, r.period, r.status) for r in fake.report_requests] == [
        (TODAY - dt.timedelta(days=27), None, 404),
        (None, "D7", 302),
    ]
    assert stored.calls[0][3].startswith(b"\xef\xbb\xbfReport Refresh Date")


def test_a_day_graph_no_longer_has_fails_alone(
    make_fake: MakeFake, make_client: MakeClient, tmp_path: Path
) -> None:
    fake = make_fake(date_days=26)  # this tenant's window is a day shorter than documented
    stored = Stored()

    summary = run_pull(
        make_client(fake), [TEAMS_USER_DETAIL], TODAY, stored, tmp_path / "state.json"
    )

    oldest = TODAY - dt.timedelta(days=27)
    assert [(f.item, f.reason) for f in summary.failed] == [
        (
            PullItem(TEAMS_USER_DETAIL, oldest),
            f"{TEAMS_USER_DETAIL}: Graph has no report for {oldest} (Invalid date value "
            f"specified: {oldest}. Only support data for the past 26 days.)",
        )
    ]
    assert [day for _, day, _, _ in stored.calls] == window()[1:]


def test_a_pull_stops_politely_when_graph_keeps_failing(
    make_fake: MakeFake, make_client: MakeClient, clock: FakeClock, tmp_path: Path
) -> None:
    fake = make_fake(failure_rate=1.0)

    summary = run_pull(
        make_client(fake), [TEAMS_USER_DETAIL], TODAY, Stored(), tmp_path / "state.json"
    )

    assert summary.downloaded == ()
    assert len(summary.failed) == 27
    assert "failed 6 times in a row (last: HTTP 503)" in summary.failed[0].reason
    assert summary.failed[3].reason == "not tried: Graph kept failing; the next run will continue"
    assert len(fake.report_requests) == 3 * 6  # three items, six attempts each
    assert clock.slept >= 3 * (2 + 4 + 8 + 16 + 32)  # bounded exponential back-off


def test_an_unreadable_state_file_only_costs_downloading_again(
    fake: FakeGraph, make_client: MakeClient, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    state.write_text("{not json", encoding="utf-8")
    stored = Stored()

    summary = run_pull(make_client(fake), [TEAMS_USER_DETAIL], TODAY, stored, state)

    assert len(stored.calls) == 27
    assert summary.failed == ()
    assert '"version": 1' in state.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary files left
