"""compute_breakdowns (every breakdown at once: stage 1 in DuckDB, stage 2 with numpy) gives
what compute (the SQL engine) gives breakdown by breakdown, on the simulated municipality
(movers, leaders, training, two former organisations, people hired after the merger without
one)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.adoption.simulated import people_of, write_panel_lake
from veikart.adoption.engine import REGISTRY, compute, engine
from veikart.adoption.engine import groups as engine_groups
from veikart.adoption.engine.engine import compute_breakdowns
from veikart.demo.simulator.behaviour import BehaviourParams, simulate
from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.organisation import OrganisationParams, generate_population

CONFIG = SimulationConfig(employees=200, start=dt.date(2019, 11, 18), end=dt.date(2020, 2, 16))
BREAKDOWNS = (
    (),
    ("former_org",),
    ("is_leader",),
    ("training_status",),
    ("unit_type",),
    ("unit_subtree",),
    ("unit_subtree", "is_leader"),
    ("unit_subtree", "former_org"),
    ("unit_subtree", "training_status"),
)


def text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.mark.parametrize(
    ("grain", "min_n", "stage1_weeks", "by_sorting"),
    [
        ("week", 0, 13, False),
        ("month", 0, 13, False),
        ("week", 5, 13, False),
        ("month", 5, 13, False),
        ("week", 0, 2, False),
        ("month", 0, 2, False),
        ("month", 0, 13, True),
    ],
)
def test_one_query_for_all_breakdowns_equals_one_per_breakdown(
    tmp_path: Path,
    grain: str,
    min_n: int,
    stage1_weeks: int,
    by_sorting: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if by_sorting:  # a month's n as when a reorganisation moved a unit to another level
        monkeypatch.setattr(engine_groups, "_depths_fixed", lambda rows: False)
    # Stage 1 reads a few weeks at a time; with 2 the 13 weeks take seven parts, each with the
    # week before it for the returning users.
    monkeypatch.setattr(engine, "STAGE1_WEEKS", stage1_weeks)
    population = generate_population(CONFIG, OrganisationParams())
    panel, _truth = simulate(population, CONFIG, BehaviourParams())
    write_panel_lake(tmp_path, population, panel, CONFIG)
    people = people_of(population, panel, CONFIG)
    metrics = list(REGISTRY)

    together = compute_breakdowns(
        tmp_path,
        people,
        metrics=metrics,
        grain=grain,
        breakdowns=BREAKDOWNS,  # type: ignore[arg-type]
        min_n=min_n,
    ).to_pylist()
    expected = []
    for groups in BREAKDOWNS:
        for row in compute(
            tmp_path,
            people,
            metrics=metrics,
            grain=grain,
            groups=list(groups),  # type: ignore[arg-type]
            min_n=min_n,
        ).to_pylist():
            other = next((g for g in groups if g != "unit_subtree"), None)
            expected.append(
                {
                    "period": row["period"],
                    "breakdown": "+".join(groups),
                    "unit_subtree": row.get("unit_subtree"),
                    "attribute": text(row[other]) if other else None,
                    "metric": row["metric"],
                    "value": row["value"],
                    "n": row["n"],
                }
            )

    def key(row: dict[str, object]) -> tuple[object, ...]:
        return tuple(
            repr(row[c]) for c in ("period", "breakdown", "unit_subtree", "attribute", "metric")
        )

    assert len(together) == len(expected) > 1000
    for got, want in zip(sorted(together, key=key), sorted(expected, key=key), strict=True):
        assert key(got) == key(want)
        assert got["n"] == want["n"]
        if want["value"] is None:
            assert got["value"] is None
        else:
            assert got["value"] == pytest.approx(want["value"], rel=1e-12)
    assert any(row["value"] is not None for row in together)
    if min_n:  # some groups are small enough to be nulled
        assert any(row["value"] is None and 0 < row["n"] < min_n for row in together)
