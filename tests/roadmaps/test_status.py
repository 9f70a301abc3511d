"""A metric target's live status from planted weekly figures: met, missed, on track, off track,
hidden, too little data — and which stored figures each population reads."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.test import override_settings

from tests.conftest import Org
from tests.roadmaps.conftest import make_target, plant
from veikart.roadmaps import pages, selectors
from veikart.roadmaps.constants import Population, Status
from veikart.roadmaps.models import Initiative


def state_for(org: Org, target: object) -> selectors.TargetState:
    return selectors.target_state(org.kari, target)  # type: ignore[arg-type]


def test_a_target_whose_latest_week_meets_the_threshold_is_met(
    org: Org, initiative: Initiative
) -> None:
    planted = plant(org, [50, 60, 70, 75, 79.9, 82])
    target = make_target(initiative, threshold=Decimal(80))
    state = state_for(org, target)
    assert state.status == Status.MET
    assert state.value == 82 and state.period == planted[-1] and state.n == 40
    assert "82,0" in state.sentence and "80" in state.sentence
    assert state.outlook is None


def test_a_value_that_rounds_to_the_threshold_as_shown_meets_it(
    org: Org, initiative: Initiative
) -> None:
    plant(org, [70, 79.96])  # shown as 80,0 %
    target = make_target(initiative, threshold=Decimal(80))
    assert state_for(org, target).status == Status.MET


def test_after_the_due_date_the_figure_of_the_due_week_decides_and_a_miss_is_off_track(
    org: Org, initiative: Initiative
) -> None:
    planted = plant(org, [40, 50, 60, 65, 70, 85, 90])
    # Due on the Wednesday of the fourth week: 65 then, 90 now.
    target = make_target(initiative, due_date=planted[3] + dt.timedelta(days=2))
    state = state_for(org, target)
    assert state.status == Status.OFF_TRACK
    assert state.value == 65 and state.period == planted[3]
    assert "65,0" in state.sentence and "90,0" not in state.sentence


def test_a_target_met_by_its_due_date_stays_met_when_the_figure_falls_later(
    org: Org, initiative: Initiative
) -> None:
    planted = plant(org, [50, 85, 60, 55])
    target = make_target(initiative, due_date=planted[1] + dt.timedelta(days=6))
    assert state_for(org, target).status == Status.MET


def logistic(count: int, *, top: float, rate: float, middle: float) -> list[float]:
    return [round(5 + (top - 5) / (1 + math.exp(-rate * (i - middle))), 2) for i in range(count)]


def test_a_rising_adoption_curve_that_will_pass_the_threshold_in_time_is_on_track(
    org: Org, initiative: Initiative
) -> None:
    planted = plant(org, logistic(24, top=95, rate=0.25, middle=18))
    target = make_target(initiative, due_date=dt.date(2020, 12, 31))
    state = state_for(org, target)
    assert state.status == Status.ON_TRACK, state.sentence
    assert state.outlook is not None
    assert state.outlook.reached_on is not None
    assert planted[-1] < state.outlook.reached_on <= target.due_date
    assert state.outlook.probability_by_due is not None
    assert state.outlook.probability_by_due >= 0.7
    # The band holds the median, in per cent (not 0–1).
    assert all(lo <= m <= hi for lo, m, hi in zip(*_band(state), strict=True))
    assert max(state.outlook.median) > 50


def _band(state: selectors.TargetState) -> tuple[tuple[float, ...], ...]:
    assert state.outlook is not None
    return state.outlook.lower, state.outlook.median, state.outlook.upper


def test_a_flat_figure_far_below_the_threshold_is_off_track_before_the_due_date(
    org: Org, initiative: Initiative
) -> None:
    plant(org, [30 + (i % 3) for i in range(20)])
    target = make_target(initiative, due_date=dt.date(2020, 7, 31))
    state = state_for(org, target)
    assert state.status == Status.OFF_TRACK
    assert state.outlook is not None and state.outlook.probability_by_due is not None
    assert state.outlook.probability_by_due < 0.3


def test_too_few_weeks_give_no_forecast_and_say_so(org: Org, initiative: Initiative) -> None:
    plant(org, [30, 35, 40])
    state = state_for(org, make_target(initiative))
    assert state.status == Status.NO_DATA
    assert state.value == 40
    assert state.outlook is not None and state.outlook.model is None


@override_settings(MIN_GROUP_SIZE=10)
def test_when_the_latest_week_is_hidden_the_status_says_so_without_a_number(
    org: Org, initiative: Initiative
) -> None:
    plant(org, [30, 40, 47.5, None])
    state = state_for(org, make_target(initiative))
    assert state.status == Status.HIDDEN
    assert state.value is None and state.n is None and state.outlook is None
    assert "47,5" not in state.sentence and "10" in state.sentence


def test_hidden_weeks_are_gaps_in_the_series_the_chart_and_the_forecast(
    org: Org, initiative: Initiative
) -> None:
    values: list[float | None] = list(logistic(20, top=90, rate=0.3, middle=16))
    values[8] = values[9] = None
    plant(org, values)
    state = state_for(org, make_target(initiative))
    assert [p.suppressed for p in state.points].count(True) == 2
    assert state.outlook is not None and state.outlook.model is not None
    chart = pages.target_chart(state)
    assert chart is not None and chart.table is not None
    layers = chart.spec["layer"]
    assert isinstance(layers, list)
    drawn = next(layer for layer in layers if "point" in layer["mark"])  # the measured line
    hidden = [p for p in drawn["data"]["values"] if p.get("value") is None]
    assert len(hidden) == 2
    hidden_rows = [row for row in chart.table.rows if row[1].suppressed]
    assert len(hidden_rows) == 2 and all(row[1].raw is None for row in hidden_rows)


def test_without_any_figures_there_is_no_status_yet(org: Org, initiative: Initiative) -> None:
    state = state_for(org, make_target(initiative))
    assert state.status == Status.NO_DATA and state.value is None


def test_an_at_most_target_is_met_at_or_below_the_threshold(
    org: Org, initiative: Initiative
) -> None:
    plant(org, [30, 25, 20], metric="emails_sent_per_person")
    target = make_target(
        initiative, metric="emails_sent_per_person", direction="at_most", threshold=Decimal(20)
    )
    assert state_for(org, target).status == Status.MET


@pytest.mark.parametrize(
    ("fields", "breakdown", "unit", "attribute"),
    [
        ({"population": Population.UNIT, "unit": "110"}, "unit_subtree", "110", ""),
        (
            {"population": Population.UNIT, "unit": "200", "leaders_only": True},
            "unit_subtree+is_leader",
            "200",
            "true",
        ),
        ({"leaders_only": True}, "is_leader", None, "true"),
        ({"population": Population.UNIT_TYPE, "unit_type": "school"}, "unit_type", None, "school"),
    ],
)
def test_each_population_reads_its_own_stored_figures(
    org: Org,
    initiative: Initiative,
    fields: dict[str, object],
    breakdown: str,
    unit: str | None,
    attribute: str,
) -> None:
    plant(org, [10, 20, 30])  # the whole organisation: not this population
    plant(org, [55, 66, 77], breakdown=breakdown, unit=unit, attribute=attribute)
    if breakdown == "unit_type":
        plant(org, [1, 2, 3], breakdown="unit_type", attribute="care")
    state = state_for(org, make_target(initiative, **fields))
    assert state.value == 77
    assert [p.value for p in state.points] == [55, 66, 77]


def test_a_former_organisation_target_reads_its_code(org: Org, initiative: Initiative) -> None:
    from veikart.organisations.models import FormerOrganisation

    plant(org, [10, 20, 30])
    plant(org, [41, 42, 43], breakdown="former_org", attribute="rygge")
    plant(org, [51, 52, 53], breakdown="former_org", attribute="moss")
    rygge = FormerOrganisation.objects.get(code="rygge")
    target = make_target(
        initiative, population=Population.FORMER_ORGANISATION, former_organisation=rygge
    )
    state = state_for(org, target)
    assert state.value == 43 and "Rygge" in state.sentence


def test_a_unit_target_says_so_when_the_unit_has_no_figures(
    org: Org, initiative: Initiative
) -> None:
    plant(org, [10, 20, 30])
    target = make_target(initiative, population=Population.UNIT, unit="111")
    state = state_for(org, target)
    assert state.status == Status.NO_DATA and "Småtrinnet" in state.sentence
