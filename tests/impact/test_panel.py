"""The estimation panel: the metric per employee and week, and each employee's training week."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.impact.conftest import BASIC, Simulated, load
from veikart.adoption.engine import compute
from veikart.adoption.people import build_people
from veikart.impact.panel import build_panel, week_number, week_start
from veikart.organisations.selectors import get_organisation
from veikart.trainings.selectors import training_dates

pytestmark = pytest.mark.django_db


def test_the_cohort_is_the_week_of_the_first_attended_session_and_zero_for_the_rest(
    simulated: Simulated, settings: Any
) -> None:
    load(simulated.folder)
    settings.LAKE_DIR = simulated.lake
    panel = build_panel("teams_messages_per_person", [BASIC])
    data = panel.data
    first = training_dates({BASIC})

    cohorts = data.groupby("person")["cohort"].first()
    for person, cohort in cohorts.items():
        if person in first:
            assert week_start(cohort) == first[person] - dt.timedelta(days=first[person].weekday())
        else:
            assert cohort == 0
    assert (cohorts > 0).sum() > 100 and (cohorts == 0).sum() > 100
    assert data.groupby("person")["unit_type"].nunique().max() == 1
    assert week_number(week_start(1000)) == 1000


def test_the_mean_of_a_week_is_the_organisations_figure(
    simulated: Simulated, settings: Any
) -> None:
    load(simulated.folder)
    settings.LAKE_DIR = simulated.lake
    panel = build_panel("active_teams")
    week = panel.weeks[40]
    organisation = get_organisation()
    assert organisation is not None
    people = build_people(organisation, Path(simulated.lake), [week])
    figure = compute(Path(simulated.lake), people, metrics=["active_teams"], grain="week",
                     groups=[]).to_pylist()[0]  # fmt: skip

    rows = panel.data[panel.data["week"] == week_number(week)]
    assert len(rows) == figure["n"]
    assert rows["y"].mean() == pytest.approx(figure["value"])
    assert set(rows["y"]) <= {0.0, 100.0}


def test_it_refuses_a_metric_that_is_not_a_per_person_figure(db: None) -> None:
    with pytest.raises(ValueError, match="evaluation can use"):
        build_panel("email_to_teams_shift")
