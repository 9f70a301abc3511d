"""The engine on small lakes written by hand, where every answer can be worked out on paper.

The organisation: unit 1 (the municipality) with an office (unit 2: Anna and Bjørn) and a care
unit (unit 3: Cecilie and David). Week 1 is Monday 2 March 2020, refreshed Sunday 8 March;
week 2 is Monday 9 March, refreshed Sunday 15 March.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from tests.adoption.lakes import people_table, write_report
from veikart.adoption.engine import REGISTRY, Metric, compute

WEEK1 = dt.date(2020, 3, 2)
WEEK2 = dt.date(2020, 3, 9)
SUNDAY1 = dt.date(2020, 3, 8)
SUNDAY2 = dt.date(2020, 3, 15)
TEAMS = "teams_user_detail"
EMAIL = "email_user_detail"
M365 = "m365_active_user_detail"

OFFICE = (2, "/1/2/", "moss", "office")
CARE = (3, "/1/3/", "rygge", "care")


def person(name: str, week: dt.date, unit: tuple[Any, ...] = OFFICE, **kw: Any) -> tuple[Any, ...]:
    unit_id, path, former, kind = unit
    return (
        name,
        week,
        unit_id,
        path,
        former,
        kw.get("leader", False),
        kw.get("status", "never"),
        kind,
    )


def staff(*weeks: dt.date) -> pa.Table:
    return people_table(
        [
            row
            for week in weeks
            for row in (
                person("anna", week, OFFICE, leader=True),
                person("bjorn", week, OFFICE),
                person("cecilie", week, CARE),
                person("david", week, CARE),
            )
        ]
    )


def rows_of(table: pa.Table, **where: Any) -> list[dict[str, Any]]:
    return [
        row for row in table.to_pylist() if all(row[key] == value for key, value in where.items())
    ]


def value(table: pa.Table, **where: Any) -> Any:
    found = rows_of(table, **where)
    assert len(found) == 1, found
    return found[0]["value"]


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    """Week 1 of Teams and e-mail: Anna and Bjørn write in Teams, Cecilie only reads (her last
    activity falls in the week), David is not in the Teams file at all."""
    root = tmp_path / "lake"
    write_report(
        root,
        TEAMS,
        SUNDAY1,
        {
            "person": ["anna", "bjorn", "cecilie"],
            "private_chat_message_count": [6, 5, 0],
            "team_chat_message_count": [4, 0, 0],
            "call_count": [0, 0, 0],
            "meeting_count": [2, 1, 0],
            "meetings_attended_count": [None, None, None],  # a 2019 header
            "last_activity_date": [SUNDAY1, dt.date(2020, 3, 3), dt.date(2020, 3, 6)],
        },
    )
    write_report(
        root,
        EMAIL,
        SUNDAY1,
        {"person": ["anna", "bjorn", "cecilie", "david"], "send_count": [10, 15, 20, 0]},
    )
    return root


def test_three_of_four_people_active_in_teams_is_75_percent(lake: Path) -> None:
    result = compute(lake, staff(WEEK1), metrics=["active_teams"], grain="week", groups=[])

    assert result.to_pylist() == [
        {"period": WEEK1, "metric": "active_teams", "value": 75.0, "n": 4}
    ]


def test_per_person_figures_count_people_missing_from_the_report_as_zero(lake: Path) -> None:
    result = compute(
        lake,
        staff(WEEK1),
        metrics=["teams_messages_per_person", "emails_sent_per_person"],
        grain="week",
        groups=[],
    )

    assert value(result, metric="teams_messages_per_person") == 15 / 4
    assert value(result, metric="emails_sent_per_person") == 45 / 4


def test_the_email_to_teams_shift_is_teams_messages_over_teams_messages_and_emails(
    lake: Path,
) -> None:
    result = compute(lake, staff(WEEK1), metrics=["email_to_teams_shift"], grain="week", groups=[])

    assert value(result) == 15 / (15 + 45)  # 0.25


def test_meetings_fall_back_to_meeting_count_in_files_before_the_2020_columns(
    lake: Path,
) -> None:
    result = compute(
        lake, staff(WEEK1), metrics=["meetings_attended_per_person"], grain="week", groups=[]
    )

    assert value(result) == 3 / 4


def test_a_unit_subtree_covers_its_units_and_a_unit_only_itself(lake: Path) -> None:
    subtree = compute(
        lake, staff(WEEK1), metrics=["active_teams"], grain="week", groups=["unit_subtree"]
    )
    units = compute(lake, staff(WEEK1), metrics=["active_teams"], grain="week", groups=["unit_id"])

    assert [(r["unit_subtree"], r["value"], r["n"]) for r in subtree.to_pylist()] == [
        (1, 75.0, 4),
        (2, 100.0, 2),
        (3, 50.0, 2),
    ]
    assert [(r["unit_id"], r["value"], r["n"]) for r in units.to_pylist()] == [
        (2, 100.0, 2),
        (3, 50.0, 2),
    ]


def test_groups_combine_and_every_cell_carries_its_n(lake: Path) -> None:
    result = compute(
        lake,
        staff(WEEK1),
        metrics=["active_teams"],
        grain="week",
        groups=["former_org", "is_leader"],
    )

    assert [(r["former_org"], r["is_leader"], r["value"], r["n"]) for r in result.to_pylist()] == [
        ("moss", False, 100.0, 1),
        ("moss", True, 100.0, 1),
        ("rygge", False, 50.0, 2),
    ]
    assert result.schema.field("is_leader").type == pa.bool_()


def test_min_n_hides_the_value_of_small_groups_but_keeps_n(lake: Path) -> None:
    result = compute(
        lake,
        staff(WEEK1),
        metrics=["active_teams"],
        grain="week",
        groups=["unit_subtree"],
        min_n=3,
    )

    assert [(r["unit_subtree"], r["value"], r["n"]) for r in result.to_pylist()] == [
        (1, 75.0, 4),
        (2, None, 2),
        (3, None, 2),
    ]


def test_a_person_counts_in_the_unit_they_belonged_to_that_week(tmp_path: Path) -> None:
    for sunday in (SUNDAY1, SUNDAY2):
        write_report(
            tmp_path, TEAMS, sunday, {"person": ["anna"], "private_chat_message_count": [1]}
        )
    people = people_table([person("anna", WEEK1, OFFICE), person("anna", WEEK2, CARE)])

    result = compute(tmp_path, people, metrics=["active_teams"], grain="week", groups=["unit_id"])

    assert [(r["period"], r["unit_id"], r["n"]) for r in result.to_pylist()] == [
        (WEEK1, 2, 1),
        (WEEK2, 3, 1),
    ]


def test_a_month_sums_its_person_weeks_and_counts_a_person_once(tmp_path: Path) -> None:
    """A month's figure is a sum over the group's person-weeks (ADR 0004): a share is the
    share of person-weeks, here 2 active of 4; n counts each person once."""
    write_report(tmp_path, TEAMS, SUNDAY1, {"person": ["anna"], "private_chat_message_count": [8]})
    write_report(tmp_path, TEAMS, SUNDAY2, {"person": ["bjorn"], "private_chat_message_count": [4]})
    people = people_table([person(p, w) for w in (WEEK1, WEEK2) for p in ("anna", "bjorn")])
    metrics = ["active_teams", "teams_messages_per_person"]

    weeks = compute(tmp_path, people, metrics=metrics, grain="week", groups=[])
    months = compute(tmp_path, people, metrics=metrics, grain="month", groups=[])

    assert [r["value"] for r in rows_of(weeks, metric="active_teams")] == [50.0, 50.0]
    assert months.to_pylist() == [
        {"period": dt.date(2020, 3, 1), "metric": "active_teams", "value": 50.0, "n": 2},
        {
            "period": dt.date(2020, 3, 1),
            "metric": "teams_messages_per_person",
            "value": 3.0,
            "n": 2,
        },
    ]


def test_a_person_who_moved_during_a_month_counts_once_in_a_unit_above_both(
    tmp_path: Path,
) -> None:
    for sunday in (SUNDAY1, SUNDAY2):
        write_report(tmp_path, TEAMS, sunday, {"person": ["anna"], "call_count": [1]})
    people = people_table([person("anna", WEEK1, OFFICE), person("anna", WEEK2, CARE)])

    result = compute(
        tmp_path, people, metrics=["active_teams"], grain="month", groups=["unit_subtree"]
    )

    assert [(r["unit_subtree"], r["value"], r["n"]) for r in result.to_pylist()] == [
        (1, 100.0, 1),
        (2, 100.0, 1),
        (3, 100.0, 1),
    ]


def test_a_unit_above_a_mover_is_the_sum_of_its_units_person_weeks_in_a_month(
    tmp_path: Path,
) -> None:
    """Anna moved from the office to care during March and used Teams only in the office.
    Every month figure is a sum over person-weeks, so the unit above both is exactly its
    units' sums together: subtracting figures says nothing about who moved (ADR 0004)."""
    write_report(tmp_path, TEAMS, SUNDAY1, {"person": ["anna"], "call_count": [1]})
    write_report(tmp_path, TEAMS, SUNDAY2, {"person": ["bjorn"], "call_count": [0]})
    people = people_table(
        [
            person("anna", WEEK1, OFFICE),
            person("anna", WEEK2, CARE),
            person("bjorn", WEEK1, CARE),
            person("bjorn", WEEK2, CARE),
        ]
    )

    result = compute(
        tmp_path, people, metrics=["active_teams"], grain="month", groups=["unit_subtree"]
    )

    by_unit = {r["unit_subtree"]: (r["value"], r["n"]) for r in result.to_pylist()}
    # 1 is the organisation's top unit, 2 the office, 3 care (see OFFICE and CARE).
    assert by_unit[2] == (100.0, 1)  # Anna's one office week, active
    assert by_unit[3] == (0.0, 2)  # Anna's care week and Bjørn's two weeks, none active
    assert by_unit[1] == (25.0, 2)  # 1 of 4 person-weeks: the office's and care's together


def test_people_in_the_report_but_not_in_people_are_left_out(tmp_path: Path) -> None:
    write_report(
        tmp_path,
        TEAMS,
        SUNDAY1,
        {"person": ["anna", "guest"], "private_chat_message_count": [2, 50]},
    )
    people = people_table([person("anna", WEEK1), person("bjorn", WEEK1)])

    result = compute(
        tmp_path,
        people,
        metrics=["active_teams", "teams_messages_per_person"],
        grain="week",
        groups=[],
    )

    assert [(r["metric"], r["value"], r["n"]) for r in result.to_pylist()] == [
        ("active_teams", 50.0, 2),
        ("teams_messages_per_person", 1.0, 2),
    ]


def test_a_week_belongs_to_the_month_of_its_thursday(tmp_path: Path) -> None:
    monday = dt.date(2020, 3, 30)  # Thursday 2 April
    write_report(tmp_path, TEAMS, dt.date(2020, 4, 5), {"person": ["anna"], "call_count": [1]})
    people = people_table([person("anna", monday)])

    result = compute(tmp_path, people, metrics=["active_teams"], grain="month", groups=[])

    assert result.column("period").to_pylist() == [dt.date(2020, 4, 1)]


def test_the_latest_weekly_file_of_the_week_counts_and_other_files_are_not_read(
    tmp_path: Path,
) -> None:
    messages = "private_chat_message_count"
    write_report(tmp_path, TEAMS, dt.date(2020, 3, 4), {"person": ["anna"], messages: [100]})
    write_report(tmp_path, TEAMS, SUNDAY1, {"person": ["anna"], messages: [10]})
    write_report(tmp_path, TEAMS, SUNDAY1, {"person": ["anna"], messages: [999]}, period_days=30)
    write_report(
        tmp_path,
        TEAMS,
        dt.date(2020, 3, 9),
        {"person": ["anna"], messages: [555]},
        report_date=dt.date(2020, 3, 7),
    )
    people = people_table([person("anna", WEEK1)])

    result = compute(
        tmp_path, people, metrics=["teams_messages_per_person"], grain="week", groups=[]
    )

    assert value(result) == 10.0


def test_a_week_without_a_snapshot_has_no_value_rather_than_zero(lake: Path) -> None:
    result = compute(lake, staff(WEEK1, WEEK2), metrics=["active_teams"], grain="week", groups=[])

    assert [(r["period"], r["value"], r["n"]) for r in result.to_pylist()] == [
        (WEEK1, 75.0, 4),
        (WEEK2, None, 4),
    ]


def test_a_month_with_a_missing_week_has_no_value(lake: Path) -> None:
    result = compute(lake, staff(WEEK1, WEEK2), metrics=["active_teams"], grain="month", groups=[])

    assert [(r["value"], r["n"]) for r in result.to_pylist()] == [(None, 4)]


def test_a_report_missing_from_the_lake_gives_no_values(lake: Path) -> None:
    result = compute(lake, staff(WEEK1), metrics=["active_m365"], grain="week", groups=[])

    assert result.to_pylist() == [{"period": WEEK1, "metric": "active_m365", "value": None, "n": 4}]


def m365(root: Path, sunday: dt.date, active: dict[str, list[str]]) -> None:
    """An active-user snapshot: each person's services were last used on the Sunday, the others
    a month earlier."""
    services = ("exchange", "onedrive", "sharepoint", "skype_for_business", "yammer", "teams")
    people = sorted(active)
    write_report(
        root,
        M365,
        sunday,
        {
            "person": people,
            **{
                f"{s}_last_activity_date": [
                    sunday if s in active[p] else sunday - dt.timedelta(days=30) for p in people
                ]
                for s in services
            },
        },
    )


def test_returning_users_were_active_this_week_and_the_week_before(tmp_path: Path) -> None:
    m365(tmp_path, SUNDAY1, {"anna": ["exchange"], "bjorn": ["teams"], "cecilie": []})
    m365(tmp_path, SUNDAY2, {"anna": ["teams"], "bjorn": [], "cecilie": ["exchange"]})

    result = compute(
        tmp_path,
        staff(WEEK1, WEEK2),
        metrics=["active_m365", "returning_users"],
        grain="week",
        groups=[],
    )

    assert [(r["period"], r["metric"], r["value"]) for r in result.to_pylist()] == [
        (WEEK1, "active_m365", 50.0),
        (WEEK1, "returning_users", None),  # no week before it in the lake
        (WEEK2, "active_m365", 50.0),
        (WEEK2, "returning_users", 25.0),  # Anna only
    ]


def test_a_months_returning_users_are_its_weeks_returning_users(tmp_path: Path) -> None:
    feb = dt.date(2020, 2, 24)  # Thursday 27 February
    m365(tmp_path, dt.date(2020, 3, 1), {"anna": ["exchange"], "bjorn": []})
    m365(tmp_path, SUNDAY1, {"anna": ["exchange"], "bjorn": ["exchange"]})
    people = people_table(
        [person(p, w) for w in (feb, WEEK1) for p in ("anna", "bjorn")]
        + [person("cecilie", WEEK1)]  # hired in March
    )

    result = compute(tmp_path, people, metrics=["returning_users"], grain="month", groups=[])

    assert [(r["period"], r["value"], r["n"]) for r in result.to_pylist()] == [
        (dt.date(2020, 2, 1), None, 2),
        (dt.date(2020, 3, 1), 100 / 3, 3),
    ]


def test_an_employee_whose_account_changed_still_returns_when_employee_id_says_so(
    tmp_path: Path,
) -> None:
    m365(tmp_path, SUNDAY1, {"anna@rygge": ["exchange"]})
    m365(tmp_path, SUNDAY2, {"anna@moss": ["exchange"]})
    accounts = [person("anna@rygge", WEEK1), person("anna@moss", WEEK2)]
    linked = people_table([(*row, 7) for row in accounts])

    apart = compute(
        tmp_path, people_table(accounts), metrics=["returning_users"], grain="month", groups=[]
    )
    together = compute(tmp_path, linked, metrics=["returning_users"], grain="week", groups=[])
    month = compute(tmp_path, linked, metrics=["active_m365"], grain="month", groups=[])

    assert apart.column("n").to_pylist() == [2]  # two accounts look like two people
    assert together.column("value").to_pylist() == [None, 100.0]
    assert month.column("n").to_pylist() == [1]


def test_it_rejects_employee_id_given_for_some_rows_only(lake: Path) -> None:
    rows = [(*person("anna", WEEK1), 1), (*person("bjorn", WEEK1), None)]

    with pytest.raises(ValueError, match="every row or for none"):
        compute(lake, people_table(rows), metrics=["active_teams"], grain="week", groups=[])


def test_it_rejects_an_employee_twice_in_the_same_week(lake: Path) -> None:
    rows = [(*person("anna", WEEK1), 1), (*person("anna2", WEEK1), 1)]

    with pytest.raises(ValueError, match="repeat an employee_id"):
        compute(lake, people_table(rows), metrics=["active_teams"], grain="week", groups=[])


def test_digital_breadth_counts_the_workloads_used_in_the_week(tmp_path: Path) -> None:
    m365(
        tmp_path,
        SUNDAY1,
        {
            "anna": ["exchange", "teams", "sharepoint"],
            "bjorn": ["exchange", "skype_for_business"],  # Skype for Business is not counted
        },
    )
    people = people_table([person("anna", WEEK1), person("bjorn", WEEK1)])

    result = compute(tmp_path, people, metrics=["digital_breadth"], grain="week", groups=[])

    assert value(result) == (3 + 1) / 2


def test_files_count_onedrive_and_sharepoint_but_not_page_visits(tmp_path: Path) -> None:
    write_report(
        tmp_path,
        "onedrive_user_detail",
        SUNDAY1,
        {"person": ["anna", "bjorn"], "viewed_or_edited_file_count": [4, 0]},
    )
    write_report(
        tmp_path,
        "sharepoint_user_detail",
        SUNDAY1,
        {
            "person": ["anna", "bjorn", "cecilie"],
            "viewed_or_edited_file_count": [2, 0, 0],
            "synced_file_count": [0, 3, 0],
            "visited_page_count": [5, 5, 40],
        },
    )

    result = compute(
        tmp_path,
        staff(WEEK1),
        metrics=["files_active", "files_per_person"],
        grain="week",
        groups=[],
    )

    assert value(result, metric="files_active") == 50.0  # Anna and Bjørn
    assert value(result, metric="files_per_person") == 6 / 4


def test_a_count_metric_is_its_numerator(lake: Path) -> None:
    messages = Metric(
        key="teams_messages",
        name_nb="Teams-meldinger",
        name_en="Teams messages",
        description_nb="Alle Teams-meldinger.",
        description_en="All Teams messages.",
        unit="count",
        reports=(TEAMS,),
        numerator_sql='SUM(COALESCE("teams_user_detail"."private_chat_message_count", 0))',
        denominator_sql=None,
    )

    result = compute(
        lake,
        staff(WEEK1),
        metrics=["teams_messages"],
        grain="week",
        groups=[],
        registry={"teams_messages": messages},
    )

    assert value(result) == 11.0


def test_every_metric_computes_on_an_empty_lake(tmp_path: Path) -> None:
    result = compute(tmp_path, staff(WEEK1), metrics=list(REGISTRY), grain="month", groups=[])

    assert result.column("metric").to_pylist() == sorted(REGISTRY)
    assert set(result.column("value").to_pylist()) == {None}
    assert set(result.column("n").to_pylist()) == {4}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"week_start": dt.date(2020, 3, 3)}, "not a Monday"),
        ({"unit_path": "/1/2"}, "unit_path"),
        ({"unit_path": "/1/3/"}, "unit_path"),  # does not end with its unit_id 2
        ({"person": None}, "lack a person"),
    ],
)
def test_it_rejects_a_people_table_that_breaks_the_contract(
    lake: Path, change: dict[str, Any], message: str
) -> None:
    good = staff(WEEK1).to_pylist()
    bad = pa.Table.from_pylist([{**good[0], **change}, *good[1:]])

    compute(lake, staff(WEEK1), metrics=["active_teams"], grain="week", groups=[])
    with pytest.raises(ValueError, match=message):
        compute(lake, bad, metrics=["active_teams"], grain="week", groups=[])


def test_it_rejects_a_person_twice_in_the_same_week(lake: Path) -> None:
    twice = people_table([person("anna", WEEK1, OFFICE), person("anna", WEEK1, CARE)])

    with pytest.raises(ValueError, match="repeat a person"):
        compute(lake, twice, metrics=["active_teams"], grain="week", groups=[])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"metrics": ["active_yammer"]}, "unknown metrics: active_yammer"),
        ({"metrics": []}, "at least one metric"),
        ({"groups": ["gender"]}, "unknown groups: gender"),
        ({"grain": "day"}, "grain must be"),
        ({"min_n": -1}, "min_n"),
    ],
)
def test_it_rejects_bad_arguments(lake: Path, arguments: dict[str, Any], message: str) -> None:
    good: dict[str, Any] = {"metrics": ["active_teams"], "grain": "week", "groups": []}

    compute(lake, staff(WEEK1), **good)
    with pytest.raises(ValueError, match=message):
        compute(lake, staff(WEEK1), **(good | arguments))


def test_the_engine_imports_no_django() -> None:
    code = (
        "import sys, veikart.adoption.engine; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout

    assert out.strip() == "[]"


def test_the_spill_directory_is_created_with_its_parents(tmp_path: Path) -> None:
    from veikart.adoption.engine import engine

    spill = tmp_path / "data" / "tmp" / "duckdb"
    previous = dict(engine.DUCKDB_CONFIG)
    engine.DUCKDB_CONFIG["temp_directory"] = str(spill)
    try:
        connection = engine.connect()
        connection.execute("SELECT 1").fetchall()
        connection.close()
    finally:
        engine.DUCKDB_CONFIG.clear()
        engine.DUCKDB_CONFIG.update(previous)
    assert spill.is_dir()
