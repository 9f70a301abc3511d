"""The demo roadmap: the simulator's veikart.csv and mål.csv as initiatives, milestones and targets,
loaded after the organisation, the training plan and the system decisions, as the demo does."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from veikart.demo.services import (
    import_simulated_organisation,
    import_simulated_training,
    load_simulated_training_targets,
)
from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.generate import generate
from veikart.roadmaps.constants import Direction, Population, TargetKind
from veikart.roadmaps.models import Initiative, Milestone, Target
from veikart.roadmaps.services import load_demo_roadmap
from veikart.trainings.constants import Population as TrainingPopulation
from veikart.trainings.models import TrainingTarget

CONFIG = SimulationConfig(employees=200, start=dt.date(2019, 8, 1), end=dt.date(2020, 2, 29))


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("roadmap-demo")
    generate(CONFIG, out)
    return out


def rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / "roadmap" / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.fixture
def loaded(db: None, simulated: Path) -> int:
    from veikart.systems.services import load_demo_systems

    import_simulated_organisation(simulated, CONFIG)
    import_simulated_training(simulated)
    load_simulated_training_targets(simulated)
    load_demo_systems(simulated)
    return load_demo_roadmap(simulated)


def test_every_initiative_and_every_target_veikart_can_measure_is_loaded(
    loaded: int, simulated: Path
) -> None:
    initiatives, targets = rows(simulated, "veikart.csv"), rows(simulated, "mål.csv")
    champions = [t for t in targets if t["rolle"] == "superbruker"]
    assert Initiative.objects.count() == len(initiatives)
    assert Target.objects.count() == len(targets) - len(champions)
    assert loaded == Initiative.objects.count() + Target.objects.count()
    milestones = sum(len([m for m in r["milepæler"].split("|") if m]) for r in initiatives)
    assert Milestone.objects.count() == milestones


def test_the_simulators_keys_populations_and_thresholds_are_translated(loaded: int) -> None:
    office = Target.objects.get(code="M02")
    assert office.kind == TargetKind.METRIC and office.metric == "active_teams"
    assert office.population == Population.UNIT_TYPE and office.unit_type == "office"
    assert office.threshold == Decimal(80)  # 0.8 in the file: a share in per cent
    messages = Target.objects.get(code="M06")
    assert messages.metric == "teams_messages_per_person" and messages.threshold == Decimal(20)
    email = Target.objects.get(code="M07")
    assert email.metric == "emails_sent_per_person" and email.direction == Direction.AT_MOST
    assert Target.objects.get(code="M08").metric == "meetings_attended_per_person"
    assert Target.objects.get(code="M09").metric == "files_active"
    everyone = Target.objects.get(code="M01")
    assert everyone.population == Population.EVERYONE and not everyone.leaders_only


def test_course_targets_are_linked_to_the_training_plan_targets_the_demo_made(
    loaded: int,
) -> None:
    leaders = Target.objects.get(code="M12")
    assert leaders.kind == TargetKind.COURSE_SHARE and leaders.leaders_only
    assert leaders.course is not None and leaders.course.code == "LEDER-DIG"
    linked = leaders.training_target
    assert linked is not None and linked.population == TrainingPopulation.LEADERS
    assert linked.name == "Andel ledere som har tatt lederkurset"  # the demo's own
    basic = Target.objects.get(code="M11")
    assert basic.training_target is not None and basic.threshold == Decimal(25)
    # No training target was added for the roadmap: the demo's ones were reused.
    assert TrainingTarget.objects.count() == 3


def test_dependencies_on_system_decisions_and_courses_are_linked(loaded: int) -> None:
    teams = Initiative.objects.get(code="V03")
    assert {c.code for c in teams.depends_on_courses.all()} >= {"TEAMS-GK", "TEAMS-KANAL"}
    assert teams.depends_on_decisions.count() == 2
    assert teams.start < teams.end


def test_loading_again_creates_nothing(loaded: int, simulated: Path) -> None:
    counts = (Initiative.objects.count(), Target.objects.count(), Milestone.objects.count())
    assert load_demo_roadmap(simulated) == 0
    assert counts == (Initiative.objects.count(), Target.objects.count(), Milestone.objects.count())
