"""/api/v1/roadmap: initiatives and targets with live status and forecast, scoped and suppressed as
on the web."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.test import Client, override_settings

from tests.conftest import Org
from tests.roadmaps.conftest import client_for, make_target, plant
from veikart.roadmaps.constants import Population
from veikart.roadmaps.models import Initiative, Milestone


def get(client: Client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def test_initiatives_come_with_milestones_dependencies_and_target_ids(
    org: Org, initiative: Initiative
) -> None:
    from veikart.trainings.models import Course

    Milestone.objects.create(
        initiative=initiative, date=dt.date(2020, 1, 1), text="Team", done=True
    )
    course = Course.objects.create(code="TEAMS-GK", title="Teams grunnkurs", duration_minutes=60)
    initiative.depends_on_courses.add(course)
    target = make_target(initiative)
    [found] = get(client_for(org.nils), "/api/v1/roadmap/initiatives")
    assert found["code"] == "T1" and found["status"] == "planned"
    assert found["milestones"] == [{"date": "2020-01-01", "text": "Team", "done": True}]
    assert found["depends_on_courses"][0]["code"] == "TEAMS-GK"
    assert found["target_ids"] == [target.pk]


def test_targets_carry_status_value_and_forecast_for_the_programme_lead(
    org: Org, initiative: Initiative
) -> None:
    plant(org, [round(5 + 90 / (1 + math.exp(-0.25 * (i - 18))), 2) for i in range(24)])
    target = make_target(initiative)
    [found] = get(client_for(org.kari), "/api/v1/roadmap/targets")
    assert found["id"] == target.pk and found["figures_shown"] is True
    assert found["status"] == "on_track"
    assert found["value"] is not None and found["period"] is not None
    forecast = found["forecast"]
    assert forecast["model"] in ("logistic", "bass")
    assert len(forecast["weeks"]) == len(forecast["median"]) == len(forecast["lower"])
    assert forecast["reached_on"] <= "2020-12-31"
    assert found["population"]["kind"] == "everyone"


@override_settings(MIN_GROUP_SIZE=10)
def test_hidden_and_out_of_scope_targets_carry_no_figures(org: Org, initiative: Initiative) -> None:
    plant(org, [50, 60, 70])
    plant(org, [40, 41, None], breakdown="unit_subtree", unit="110")
    plant(org, [30, 31, 32], breakdown="unit_subtree", unit="200")
    jeloy = make_target(initiative, name="Jeløy", population=Population.UNIT, unit="110")
    helse = make_target(initiative, name="Helse", population=Population.UNIT, unit="200")
    by_id = {t["id"]: t for t in get(client_for(org.ola), "/api/v1/roadmap/targets")}
    assert by_id[jeloy.pk]["status"] == "hidden" and by_id[jeloy.pk]["value"] is None
    assert by_id[jeloy.pk]["n"] is None
    assert by_id[helse.pk]["figures_shown"] is False
    assert by_id[helse.pk]["status"] is None and by_id[helse.pk]["value"] is None
    assert by_id[helse.pk]["forecast"] is None
    assert "32" not in by_id[helse.pk]["sentence"]


def test_an_employee_gets_definitions_without_figures_and_filtering_by_initiative_works(
    org: Org, initiative: Initiative
) -> None:
    plant(org, [50, 60, 70])
    make_target(initiative)
    [found] = get(client_for(org.nils), f"/api/v1/roadmap/targets?initiative={initiative.pk}")
    assert found["figures_shown"] is False and found["value"] is None
    assert found["threshold"] == 80.0 and found["metric"] == "active_teams"
    assert get(client_for(org.nils), "/api/v1/roadmap/targets?initiative=999") == []


def test_the_api_requires_a_signed_in_user(db: None) -> None:
    assert Client().get("/api/v1/roadmap/targets").status_code == 401
    assert Client().get("/api/v1/roadmap/initiatives").status_code == 401
