"""The simulator's Microsoft 365 report files: formats by era, as real tenants write them."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.model import METRICS, UNIT_TYPES, Panel, Population, UnitRow
from veikart.demo.simulator.reports import (
    ORG_SERIES_REPORTS,
    TEAMS_MEETING_COLUMNS_FROM,
    USER_DETAIL_REPORTS,
    header,
    write_org_counts,
    write_period_reports,
)

# The documented headers, copied from the shared reference (m365-reports.md).
REFERENCE = {
    "getTeamsUserActivityUserDetail": "Report Refresh Date, Tenant Display Name, Shared Channel "
    "Tenant Display Names, User Id, User Principal Name, Last Activity Date, Is Deleted, Deleted "
    "Date, Assigned Products, Team Chat Message Count, Private Chat Message Count, Call Count, "
    "Meeting Count, Post Messages, Reply Messages, Urgent Messages, Meetings Organized Count, "
    "Meetings Attended Count, Ad Hoc Meetings Organized Count, Ad Hoc Meetings Attended Count, "
    "Scheduled One-time Meetings Organized Count, Scheduled One-time Meetings Attended Count, "
    "Scheduled Recurring Meetings Organized Count, Scheduled Recurring Meetings Attended Count, "
    "Audio Duration, Video Duration, Screen Share Duration, Audio Duration In Seconds, Video "
    "Duration In Seconds, Screen Share Duration In Seconds, Has Other Action, Is Licensed, "
    "Report Period",
    "getEmailActivityUserDetail": "Report Refresh Date, User Principal Name, Display Name, Is "
    "Deleted, Deleted Date, Last Activity Date, Send Count, Receive Count, Read Count, Meeting "
    "Created Count, Meeting Interacted Count, Assigned Products, Report Period",
    "getOneDriveActivityUserDetail": "Report Refresh Date, User Principal Name, Is Deleted, "
    "Deleted Date, Last Activity Date, Viewed Or Edited File Count, Synced File Count, Shared "
    "Internally File Count, Shared Externally File Count, Assigned Products, Report Period",
    "getSharePointActivityUserDetail": "Report Refresh Date, User Principal Name, Is Deleted, "
    "Deleted Date, Last Activity Date, Viewed Or Edited File Count, Synced File Count, Shared "
    "Internally File Count, Shared Externally File Count, Visited Page Count, Assigned Products, "
    "Report Period",
    "getOffice365ActiveUserDetail": "Report Refresh Date, User Principal Name, Display Name, Is "
    "Deleted, Deleted Date, Has Exchange License, Has OneDrive License, Has SharePoint License, "
    "Has Skype For Business License, Has Yammer License, Has Teams License, Exchange Last "
    "Activity Date, OneDrive Last Activity Date, SharePoint Last Activity Date, Skype For "
    "Business Last Activity Date, Yammer Last Activity Date, Teams Last Activity Date, Exchange "
    "License Assign Date, OneDrive License Assign Date, SharePoint License Assign Date, Skype For "
    "Business License Assign Date, Yammer License Assign Date, Teams License Assign Date, "
    "Assigned Products",
    "getTeamsUserActivityCounts": "Report Refresh Date, Report Date, Team Chat Messages, Post "
    "Messages, Reply Messages, Private Chat Messages, Calls, Meetings, Audio Duration, Video "
    "Duration, Screen Share Duration, Meetings Organized, Meetings Attended, Report Period",
    "getEmailActivityCounts": "Report Refresh Date, Send, Receive, Read, Meeting Created, Meeting "
    "Interacted, Report Date, Report Period",
    "getOneDriveActivityUserCounts": "Report Refresh Date, Viewed Or Edited, Synced, Shared "
    "Internally, Shared Externally, Report Date, Report Period",
    "getOffice365ActiveUserCounts": "Report Refresh Date, Office 365, Exchange, OneDrive, "
    "SharePoint, Skype For Business, Yammer, Teams, Report Date, Report Period",
}
REFERENCE_SIZES = {
    "getTeamsUserActivityUserDetail": 33,
    "getEmailActivityUserDetail": 13,
    "getOneDriveActivityUserDetail": 11,
    "getSharePointActivityUserDetail": 12,
    "getOffice365ActiveUserDetail": 24,
}
TEAMS_2019 = (
    "Report Refresh Date, User Principal Name, Last Activity Date, Is Deleted, Deleted Date, "
    "Assigned Products, Team Chat Message Count, Private Chat Message Count, Call Count, Meeting "
    "Count, Has Other Action, Report Period"
)
TODAY = dt.date(2030, 1, 1)  # far enough ahead for every column to exist

TEAMS = "getTeamsUserActivityUserDetail"
EMAIL = "getEmailActivityUserDetail"
ACTIVE = "getOffice365ActiveUserDetail"

# Weekly periods (Sunday refresh dates) around the merger, the 2020 cut-overs, and the later
# Teams columns; gaps between them are fine for the writer.
PERIOD_ENDS = [
    "2019-12-22",
    "2019-12-29",
    "2020-01-05",
    "2020-01-12",
    "2020-05-03",
    "2020-10-04",
    "2021-08-01",
    "2022-09-04",
]
N = 50
MOSS, RYGGE = 0, 1
# People with a role in the tests.
STEADY = 0  # Moss, office, active every week
MOVER = 1  # Rygge: new UPN at the merger
IDLE = 2  # licensed, never active
LEAVER = 3  # leaves on 2020-01-02, so deleted in the 2020-01-05 and 2020-01-12 files
COMMA = 4  # a display name that needs quoting
LEAVER_END = dt.date(2020, 1, 2)


def split(names: str) -> list[str]:
    return [name.strip() for name in names.split(",")]


def make_population() -> Population:
    rng = np.random.default_rng(7)
    former = rng.integers(0, 2, N).astype(np.int8)
    former[[STEADY, IDLE, LEAVER, COMMA]] = MOSS
    former[MOVER] = RYGGE
    orgs = ["moss", "rygge"]
    given = [f"Person{i}" for i in range(N)]
    family = [f"Hansen{i}" for i in range(N)]
    given[COMMA], family[COMMA] = 'Ola "Sjefen"', "Nordmann, jr."
    upn_after = [f"person{i}@moss.kommune.no" for i in range(N)]
    upn_before = [f"person{i}@{orgs[f]}.kommune.no" for i, f in enumerate(former)]
    start = np.full(N, np.datetime64("2015-03-01"), dtype="datetime64[D]")
    end = np.full(N, np.datetime64("NaT"), dtype="datetime64[D]")
    end[LEAVER] = np.datetime64(LEAVER_END.isoformat())
    unit_type = rng.integers(0, len(UNIT_TYPES), N).astype(np.int8)
    unit_type[STEADY] = UNIT_TYPES.index("office")
    units = [
        UnitRow("10", "Moss rådhus", "", "office", "moss", "", "2019-12-31", "30"),
        UnitRow("20", "Rygge rådhus", "", "office", "rygge", "", "2019-12-31", "30"),
        UnitRow("30", "Rådhuset", "", "office", "", "2020-01-01", "", ""),
    ]
    return Population(
        units=units,
        employee_number=[str(1000 + i) for i in range(N)],
        given_name=given,
        family_name=family,
        title=["Rådgiver"] * N,
        upn_before=upn_before,
        upn_after=upn_after,
        user_id=[f"{i:08x}-1111-4222-8333-{i:012x}" for i in range(N)],
        former_org=former,
        unit_type=unit_type,
        unit_before=former.astype(np.int32),
        unit_after=np.full(N, 2, dtype=np.int32),
        is_manager=np.arange(N) % 10 == 5,
        manager_before=np.full(N, -1, dtype=np.int32),
        manager_after=np.full(N, -1, dtype=np.int32),
        is_champion=np.zeros(N, dtype=np.bool_),
        start=start,
        end=end,
    )


def make_panel(population: Population, ends: list[str], days: int = 7) -> Panel:
    rng = np.random.default_rng(11)
    period_end = np.array(ends, dtype="datetime64[D]")
    first = period_end - (days - 1)
    employed = (population.start[:, None] <= period_end[None, :]) & (
        np.isnat(population.end)[:, None] | (population.end[:, None] >= first[None, :])
    )
    periods = len(ends)
    metrics = {}
    for name in METRICS:
        scale = 1500 if name.endswith("seconds") else 4
        values = rng.poisson(scale, (N, periods)) * (rng.random((N, periods)) < 0.7)
        values[STEADY] = np.maximum(values[STEADY], 1)
        values[IDLE] = 0
        metrics[name] = np.where(employed, values, 0).astype(np.int32)
    return Panel(period_end=period_end, period_days=days, licensed=employed, metrics=metrics)


CONFIG = SimulationConfig(employees=N, seed=5)


@pytest.fixture(scope="module")
def population() -> Population:
    return make_population()


@pytest.fixture(scope="module")
def written(population: Population, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    panel = make_panel(population, PERIOD_ENDS)
    write_period_reports(panel, population, CONFIG, out)
    write_org_counts(panel, population, CONFIG, out)
    return out


@pytest.fixture(scope="module")
def concealed(population: Population, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("concealed")
    config = dataclasses.replace(CONFIG, conceal_names=True)
    write_period_reports(make_panel(population, PERIOD_ENDS), population, config, out)
    return out


def detail(out: Path, report: str, refresh: str) -> Path:
    return out / "usage" / report / f"{report}_D7_{refresh}.csv"


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def by_upn(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["User Principal Name"]: row for row in rows}


# --- headers ------------------------------------------------------------------------------


@pytest.mark.parametrize("report", [*USER_DETAIL_REPORTS, *ORG_SERIES_REPORTS])
def test_the_current_headers_have_exactly_the_documented_columns(report: str) -> None:
    current = header(report, TODAY)
    assert set(current) == set(split(REFERENCE[report]))
    assert len(current) == len(set(current))
    if report in REFERENCE_SIZES:
        assert len(current) == REFERENCE_SIZES[report]


def test_the_2019_teams_header_is_the_reference_list() -> None:
    assert header(TEAMS, dt.date(2019, 6, 1)) == tuple(split(TEAMS_2019))


def test_newer_teams_columns_are_appended_after_the_old_ones_in_order() -> None:
    old = header(TEAMS, dt.date(2019, 6, 1))
    eras = [
        header(TEAMS, day)
        for day in (TEAMS_MEETING_COLUMNS_FROM, dt.date(2021, 9, 1), dt.date(2022, 3, 20), TODAY)
    ]
    previous = old
    for columns in eras:
        assert columns[: len(previous)] == previous
        assert len(columns) > len(previous)
        previous = columns
    assert "Is Licensed" in eras[0] and "User Id" not in eras[0]
    assert "User Id" in eras[1] and "Post Messages" not in eras[1]
    assert eras[2][-3:] == ("Urgent Messages", "Post Messages", "Reply Messages")
    assert eras[3][-2:] == ("Tenant Display Name", "Shared Channel Tenant Display Names")


def test_old_email_files_lack_the_meeting_columns() -> None:
    old = header(EMAIL, dt.date(2019, 6, 1))
    assert set(split(REFERENCE[EMAIL])) - set(old) == {
        "Meeting Created Count",
        "Meeting Interacted Count",
    }
    assert header(EMAIL, TODAY)[: len(old)] == old


def test_an_unknown_report_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown report"):
        header("getYammerActivityUserDetail", TODAY)


def test_each_file_has_the_header_of_its_era(written: Path) -> None:
    for refresh in PERIOD_ENDS:
        for report in USER_DETAIL_REPORTS:
            fields, _rows = read(detail(written, report, refresh))
            assert tuple(fields) == header(report, dt.date.fromisoformat(refresh))
    fields, _rows = read(detail(written, TEAMS, "2019-12-22"))
    assert tuple(fields) == tuple(split(TEAMS_2019))
    fields, _rows = read(detail(written, EMAIL, "2020-01-12"))
    assert "Meeting Created Count" not in fields
    fields, _rows = read(detail(written, EMAIL, "2020-05-03"))
    assert fields[-2:] == ["Meeting Created Count", "Meeting Interacted Count"]


# --- bytes --------------------------------------------------------------------------------


def test_files_are_utf8_with_bom_crlf_and_a_final_line_end(written: Path) -> None:
    files = sorted((written / "usage").rglob("*.csv"))
    reports = {path.parent.name for path in files}
    assert reports == {*USER_DETAIL_REPORTS, *ORG_SERIES_REPORTS}
    for path in files:
        data = path.read_bytes()
        assert data.startswith(b"\xef\xbb\xbfReport Refresh Date,")
        assert data.endswith(b"\r\n")
        assert data.count(b"\n") == data.count(b"\r\n")
        data.decode("utf-8")


def test_names_are_quoted_only_where_needed(written: Path) -> None:
    data = detail(written, EMAIL, "2020-01-05").read_bytes().decode("utf-8-sig")
    assert ',"Ola ""Sjefen"" Nordmann, jr.",' in data
    assert '"person0@moss.kommune.no"' not in data
    _fields, rows = read(detail(written, EMAIL, "2020-01-05"))
    assert by_upn(rows)["person4@moss.kommune.no"]["Display Name"] == 'Ola "Sjefen" Nordmann, jr.'


def test_the_same_inputs_give_identical_bytes(population: Population, tmp_path: Path) -> None:
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        panel = make_panel(population, PERIOD_ENDS[:3])
        write_period_reports(panel, population, CONFIG, out)
        write_org_counts(panel, population, CONFIG, out)
        outs.append({p.relative_to(out): p.read_bytes() for p in out.rglob("*.csv")})
    assert outs[0] == outs[1]
    assert len(outs[0]) == 3 * (len(USER_DETAIL_REPORTS) + len(ORG_SERIES_REPORTS))


# --- values -------------------------------------------------------------------------------


def test_every_licensed_user_is_listed_and_the_period_is_on_every_row(written: Path) -> None:
    _fields, rows = read(detail(written, TEAMS, "2020-10-04"))
    assert len(rows) == N - 1  # all but the leaver
    assert {row["Report Refresh Date"] for row in rows} == {"2020-10-04"}
    assert {row["Report Period"] for row in rows} == {"7"}
    _fields, rows = read(detail(written, ACTIVE, "2020-10-04"))
    assert "Report Period" not in rows[0]


def test_booleans_are_spelled_as_each_report_spells_them(written: Path) -> None:
    _fields, teams = read(detail(written, TEAMS, "2020-01-05"))
    assert {row["Is Deleted"] for row in teams} == {"True", "False"}
    assert {row["Has Other Action"] for row in teams} <= {"Yes", "No"}
    _fields, teams = read(detail(written, TEAMS, "2020-10-04"))
    assert {row["Is Licensed"] for row in teams} == {"Yes"}
    _fields, active = read(detail(written, ACTIVE, "2020-01-05"))
    for service in ("Exchange", "OneDrive", "SharePoint", "Skype For Business", "Yammer", "Teams"):
        assert {row[f"Has {service} License"] for row in active} == {"True", "False"}


def test_an_inactive_user_is_listed_with_zeros_and_no_last_activity(written: Path) -> None:
    for report in (TEAMS, EMAIL, "getOneDriveActivityUserDetail"):
        fields, rows = read(detail(written, report, "2020-10-04"))
        idle = by_upn(rows)["person2@moss.kommune.no"]
        assert idle["Last Activity Date"] == ""
        assert idle["Is Deleted"] == "False"
        counts = [f for f in fields if f.endswith(("Count", "Messages", "In Seconds"))]
        assert counts and all(idle[f] == "0" for f in counts)
    _fields, rows = read(detail(written, TEAMS, "2020-10-04"))
    idle = by_upn(rows)["person2@moss.kommune.no"]
    assert idle["Audio Duration"] == idle["Screen Share Duration"] == "PT0S"
    assert idle["Assigned Products"] != ""


def test_an_active_user_has_a_last_activity_date_in_the_window(written: Path) -> None:
    _fields, rows = read(detail(written, TEAMS, "2020-10-04"))
    steady = by_upn(rows)["person0@moss.kommune.no"]
    assert "2020-09-28" <= steady["Last Activity Date"] <= "2020-10-04"
    for row in rows:  # a date in the window, or carried forward from an earlier file
        assert row["Last Activity Date"] <= "2020-10-04"


def test_durations_are_iso_8601_and_match_the_seconds(written: Path) -> None:
    _fields, rows = read(detail(written, TEAMS, "2022-09-04"))
    pattern = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$")
    for row in rows:
        match = pattern.match(row["Audio Duration"])
        assert match and row["Audio Duration"] != "PT"
        h, m, s = (int(g or 0) for g in match.groups())
        assert h * 3600 + m * 60 + s == int(row["Audio Duration In Seconds"])
        meetings = sum(
            int(row[f"{kind} Meetings Attended Count"])
            for kind in ("Ad Hoc", "Scheduled One-time", "Scheduled Recurring")
        )
        assert meetings == int(row["Meetings Attended Count"]) == int(row["Meeting Count"])
        assert int(row["Post Messages"]) + int(row["Reply Messages"]) == int(
            row["Team Chat Message Count"]
        )


def test_a_rygge_user_changes_domain_at_the_merger(written: Path) -> None:
    _fields, before = read(detail(written, EMAIL, "2019-12-29"))
    _fields, after = read(detail(written, EMAIL, "2020-01-05"))
    assert "person1@rygge.kommune.no" in by_upn(before)
    assert "person1@moss.kommune.no" not in by_upn(before)
    assert "person1@moss.kommune.no" in by_upn(after)
    assert "person1@rygge.kommune.no" not in by_upn(after)
    assert by_upn(after)["person1@moss.kommune.no"]["Display Name"] == "Person1 Hansen1"
    # A Moss user keeps the UPN.
    assert "person0@moss.kommune.no" in by_upn(before)


def test_the_teams_user_id_and_tenant_columns(written: Path, population: Population) -> None:
    _fields, rows = read(detail(written, TEAMS, "2022-09-04"))
    mover = by_upn(rows)["person1@moss.kommune.no"]
    assert mover["User Id"] == population.user_id[MOVER]
    assert {row["Tenant Display Name"] for row in rows} == {CONFIG.tenant_name}
    assert {row["Shared Channel Tenant Display Names"] for row in rows} == {""}


def test_a_user_who_left_is_flagged_deleted_for_30_days(written: Path) -> None:
    upn = "person3@moss.kommune.no"
    for refresh in ("2020-01-05", "2020-01-12"):
        fields, rows = read(detail(written, TEAMS, refresh))
        leaver = by_upn(rows)[upn]
        assert leaver["Is Deleted"] == "True"
        assert leaver["Deleted Date"] == LEAVER_END.isoformat()
        counts = [f for f in fields if f.endswith("Count")]
        assert all(leaver[f] == "0" for f in counts)
        _fields, rows = read(detail(written, ACTIVE, refresh))
        assert by_upn(rows)[upn]["Is Deleted"] == "True"
    _fields, rows = read(detail(written, TEAMS, "2019-12-29"))
    assert by_upn(rows)[upn]["Is Deleted"] == "False"
    _fields, rows = read(detail(written, TEAMS, "2020-10-04"))
    assert upn not in by_upn(rows)
    _fields, rows = read(detail(written, TEAMS, "2020-01-05"))
    assert {row["Deleted Date"] for row in rows if row["Is Deleted"] == "False"} == {""}


def test_assigned_products_are_upper_case_and_joined_with_plus(written: Path) -> None:
    _fields, rows = read(detail(written, ACTIVE, "2020-10-04"))
    products = [row["Assigned Products"] for row in rows]
    assert all(p == p.upper() and p and " + " not in p for p in products)
    names = {name for p in products for name in p.split("+")}
    assert {"MICROSOFT 365 E3", "MICROSOFT 365 F3"} <= names
    bases = ("MICROSOFT 365 E3", "OFFICE 365 E1", "MICROSOFT 365 F3")
    combined = [p for p in products if "+" in p]
    assert any(p.startswith(bases) for p in combined)  # the order varies per person
    assert any(not p.startswith(bases) for p in combined)


# --- concealed names ----------------------------------------------------------------------


def test_concealed_names_are_md5_hashes_and_the_zero_guid(concealed: Path) -> None:
    _fields, rows = read(detail(concealed, TEAMS, "2022-09-04"))
    assert all(re.fullmatch(r"[0-9A-F]{32}", row["User Principal Name"]) for row in rows)
    assert {row["User Id"] for row in rows} == {"00000000-0000-0000-0000-000000000000"}
    _fields, email = read(detail(concealed, EMAIL, "2022-09-04"))
    assert all(row["Display Name"] == row["User Principal Name"] for row in email)
    assert "moss.kommune.no" not in detail(concealed, ACTIVE, "2022-09-04").read_text("utf-8")


def test_a_concealed_person_has_the_same_hash_in_every_report(concealed: Path) -> None:
    digest = hashlib.md5(b"person0@moss.kommune.no", usedforsecurity=False).hexdigest().upper()
    for report in USER_DETAIL_REPORTS:
        _fields, rows = read(detail(concealed, report, "2020-10-04"))
        assert digest in by_upn(rows), report


# --- organisation-level series ------------------------------------------------------------


def test_org_counts_have_seven_days_newest_first(written: Path) -> None:
    for report in ORG_SERIES_REPORTS:
        path = written / "usage" / report / f"{report}_D7_2020-10-04.csv"
        fields, rows = read(path)
        assert tuple(fields) == header(report, dt.date(2020, 10, 4))
        assert [row["Report Date"] for row in rows] == [
            (dt.date(2020, 10, 4) - dt.timedelta(days=d)).isoformat() for d in range(7)
        ]
        assert {row["Report Refresh Date"] for row in rows} == {"2020-10-04"}
        assert {row["Report Period"] for row in rows} == {"7"}


def test_org_counts_spread_the_period_totals(written: Path) -> None:
    _fields, users = read(detail(written, TEAMS, "2020-10-04"))
    _fields, days = read(
        written / "usage" / ORG_SERIES_REPORTS[0] / (f"{ORG_SERIES_REPORTS[0]}_D7_2020-10-04.csv")
    )
    for daily, per_user in (
        ("Private Chat Messages", "Private Chat Message Count"),
        ("Calls", "Call Count"),
        ("Meetings Organized", "Meetings Organized Count"),
    ):
        assert sum(int(d[daily]) for d in days) == sum(int(u[per_user]) for u in users)
    # Weekends are quieter than weekdays (2020-10-03/04 are a Saturday and Sunday).
    chats = {d["Report Date"]: int(d["Private Chat Messages"]) for d in days}
    assert chats["2020-10-04"] < chats["2020-09-30"]
    _fields, active = read(
        written
        / "usage"
        / "getOffice365ActiveUserCounts"
        / ("getOffice365ActiveUserCounts_D7_2020-10-04.csv")
    )
    for row in active:
        assert int(row["Office 365"]) >= max(int(row[s]) for s in ("Exchange", "Teams"))
        assert int(row["Office 365"]) <= N


# --- daily panels -------------------------------------------------------------------------


def test_a_daily_panel_gives_date_form_files_of_active_users(
    population: Population, tmp_path: Path
) -> None:
    ends = [(dt.date(2020, 3, 1) + dt.timedelta(days=d)).isoformat() for d in range(8)]
    panel = make_panel(population, ends, days=1)
    files = write_period_reports(panel, population, CONFIG, tmp_path)
    assert len(files) == len(ends) * len(USER_DETAIL_REPORTS)
    path = tmp_path / "usage" / TEAMS / f"{TEAMS}_2020-03-03.csv"
    assert path in files
    _fields, rows = read(path)
    assert rows and "person2@moss.kommune.no" not in by_upn(rows)
    assert {row["Report Refresh Date"] for row in rows} == {"2020-03-05"}
    assert {row["Report Period"] for row in rows} == {"1"}
    assert {row["Last Activity Date"] for row in rows} == {"2020-03-03"}
    org = write_org_counts(panel, population, CONFIG, tmp_path)
    assert [p.name for p in org if p.parent.name == EMAIL.replace("UserDetail", "Counts")] == [
        "getEmailActivityCounts_D7_2020-03-08.csv"
    ]
