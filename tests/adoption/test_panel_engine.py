"""The person-week panel of a metric: per person what the engine sums per group, so that the
mean over a week's people is the organisation's figure, and weeks the lake lacks are absent."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pytest

from tests.adoption.simulated import people_of, write_panel_lake
from veikart.adoption.engine import REGISTRY, compute, weekly_snapshots
from veikart.adoption.engine.panel import PANEL_SCHEMA, person_week_panel
from veikart.demo.simulator.behaviour import BehaviourParams, simulate
from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.organisation import OrganisationParams, generate_population

CONFIG = SimulationConfig(employees=200, start=dt.date(2019, 11, 4), end=dt.date(2020, 1, 26))
PER_PERSON_OR_PERCENT = [k for k, m in REGISTRY.items() if m.unit in ("per_person", "percent")]


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pa.Table]:
    root = tmp_path_factory.mktemp("panel-lake")
    population = generate_population(CONFIG, OrganisationParams())
    panel, _truth = simulate(population, CONFIG, BehaviourParams())
    write_panel_lake(root, population, panel, CONFIG)
    return root, people_of(population, panel, CONFIG)


def weekly_means(table: pa.Table) -> dict[dt.date, float]:
    sums: dict[dt.date, list[float]] = defaultdict(list)
    for row in table.select(["week_start", "value"]).to_pylist():
        sums[row["week_start"]].append(row["value"])
    return {week: sum(values) / len(values) for week, values in sums.items()}


@pytest.mark.parametrize("metric", PER_PERSON_OR_PERCENT)
def test_the_mean_over_a_weeks_people_is_the_organisations_figure(
    lake: tuple[Path, pa.Table], metric: str
) -> None:
    root, people = lake
    panel = person_week_panel(root, people, metric)
    figures = compute(root, people, metrics=[metric], grain="week", groups=[])

    assert panel.schema == PANEL_SCHEMA
    expected = {r["period"]: r["value"] for r in figures.to_pylist() if r["value"] is not None}
    assert expected and weekly_means(panel) == pytest.approx(expected)
    # One row per person and covered week, and the people are the engine's n.
    counts = {r["period"]: r["n"] for r in figures.to_pylist() if r["value"] is not None}
    per_week: dict[dt.date, int] = defaultdict(int)
    for week in panel.column("week_start").to_pylist():
        per_week[week] += 1
    assert per_week == counts


def test_a_share_of_people_is_0_or_100_per_person_and_carries_the_persons_unit(
    lake: tuple[Path, pa.Table],
) -> None:
    root, people = lake
    panel = person_week_panel(root, people, "active_teams").to_pylist()

    assert {row["value"] for row in panel} == {0.0, 100.0}
    where = {
        (r["employee_id"], r["week_start"]): (r["unit_id"], r["unit_type"], r["is_leader"])
        for r in people.to_pylist()
    }
    for row in panel[:50]:
        key = (row["employee_id"], row["week_start"])
        assert (row["unit_id"], row["unit_type"], row["is_leader"]) == where[key]


def test_it_leaves_out_the_weeks_the_lake_does_not_cover(
    lake: tuple[Path, pa.Table], tmp_path: Path
) -> None:
    root, people = lake
    copy = tmp_path / "lake"
    shutil.copytree(root, copy)
    missing = sorted(weekly_snapshots(copy, "teams_user_detail"))[3]
    weekly_snapshots(copy, "teams_user_detail")[missing].unlink()

    weeks = set(
        person_week_panel(copy, people, "teams_messages_per_person")["week_start"].to_pylist()
    )
    shift = set(person_week_panel(copy, people, "emails_sent_per_person")["week_start"].to_pylist())

    assert missing not in weeks and len(weeks) == len(shift) - 1
    # A metric that looks at the week before needs that week too.
    returning = person_week_panel(copy, people, "returning_users")["week_start"].to_pylist()
    m365 = sorted(weekly_snapshots(copy, "m365_active_user_detail"))
    assert min(returning) == m365[1]


def test_it_refuses_a_people_table_that_repeats_a_person_in_a_week(
    lake: tuple[Path, pa.Table],
) -> None:
    root, people = lake
    doubled = pa.concat_tables([people.slice(0, 5), people.slice(0, 5)])
    with pytest.raises(ValueError, match="repeat"):
        person_week_panel(root, doubled, "active_teams")
