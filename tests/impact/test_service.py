"""The evaluation on a simulated municipality whose true training effect is known."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from tests.impact.conftest import K, Simulated
from veikart.impact.services import Evaluation

pytestmark = pytest.mark.django_db


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}.{key}", item
            yield from walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")


def test_it_recovers_the_planted_training_effect(simulated: Simulated) -> None:
    truth = simulated.truth["effects"]["overall"]["teams_messages"]["att"]
    headline = simulated.evaluation.headline

    assert headline.lower <= truth <= headline.upper
    assert headline.lower > 0  # and it is clearly there
    assert simulated.evaluation.headline_people >= K


def test_the_training_part_of_the_decomposition_covers_the_planted_one(
    simulated: Simulated,
) -> None:
    d = simulated.evaluation.decomposition
    assert d is not None
    sunday = (d.end + dt.timedelta(days=6)).isoformat()
    period = next(p for p in simulated.truth["effects"]["by_period"] if p["period_end"] == sunday)
    planted = d.share_trained_end * period["teams_messages"]["att"]

    assert d.training.lower <= planted <= d.training.upper
    assert d.total == pytest.approx(d.training.estimate + d.common.estimate)
    assert d.total > 0 and d.start.month == 8 and d.start.year == 2019


def test_the_second_method_agrees_and_the_naive_one_is_only_a_comparison(
    simulated: Simulated,
) -> None:
    e = simulated.evaluation
    assert e.cross_check.callaway_santanna is not None and not e.cross_check.disagrees
    assert e.naive.twfe.se > 0


def test_without_selection_on_trends_the_pre_trend_test_passes(simulated: Simulated) -> None:
    pretrend = simulated.evaluation.pretrend
    assert pretrend is not None and not pretrend.fails
    assert simulated.evaluation.notice("pretrend_fails") is None
    assert [b.last for b in simulated.evaluation.event_study if b.last < 0] == [-5, -1]


def test_with_selection_on_trends_the_pre_trend_test_fails(simulated_trends: Simulated) -> None:
    pretrend = simulated_trends.evaluation.pretrend
    assert pretrend is not None and pretrend.fails and pretrend.p_value < 0.05
    assert simulated_trends.evaluation.notice("pretrend_fails") is not None


@pytest.mark.parametrize("case", ["simulated", "simulated_trends"])
def test_no_group_below_the_threshold_is_in_the_stored_payload(
    case: str, request: pytest.FixtureRequest
) -> None:
    evaluation: Evaluation = request.getfixturevalue(case).evaluation
    payload = evaluation.to_json()

    counted = [(path, value) for path, value in walk(payload) if path.endswith("people")]
    assert len(counted) > 20
    assert all(isinstance(v, int) and v >= K for _p, v in counted), [
        (p, v) for p, v in counted if v < K
    ]
    # Every group carries its size; nothing about a single person is stored.
    for key in ("event_study", "cohorts"):
        assert all(item["people"] >= K for item in payload[key])
    for breakdown in payload["heterogeneity"]:
        assert all(group["people"] >= K for group in breakdown["groups"])
    assert not any(path.endswith((".person", ".employee_id", ".y")) for path, _v in walk(payload))
    assert evaluation.min_group_size == K


def test_the_result_survives_a_round_trip_through_json(simulated: Simulated) -> None:
    payload = simulated.evaluation.to_json()
    assert Evaluation.from_json(payload).to_json() == payload
