"""Acceptance: a target's status changes when new usage is ingested, with no manual step.

The simulated municipality (200 people, December 2019 to March 2020) is imported the demo's way;
its Teams reports are ingested in two batches through the real ingest, which computes the
adoption figures by itself. Between the batches nothing is done for the roadmap."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from veikart.adoption.models import Figure
from veikart.core.access import Access
from veikart.core.constants import Role
from veikart.demo.services import import_simulated_organisation
from veikart.demo.simulator.config import SimulationConfig
from veikart.demo.simulator.generate import generate
from veikart.organisations.models import Organisation
from veikart.roadmaps import selectors, services
from veikart.roadmaps.constants import Status
from veikart.roadmaps.models import Initiative, Target
from veikart.usage.services import ingest_paths

CONFIG = SimulationConfig(employees=200, start=dt.date(2019, 12, 1), end=dt.date(2020, 3, 31))
LEAD = Access(roles=frozenset({Role.PROGRAMME_LEAD}))
TEAMS = "getTeamsUserActivityUserDetail"


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("roadmap-sim")
    generate(CONFIG, out)
    return out


def batches(simulated: Path, tmp_path: Path, first: int) -> tuple[Path, Path]:
    """The weekly Teams files in two folders: the first ``first`` weeks, and the rest."""
    files = sorted((simulated / "usage" / TEAMS).iterdir())
    early, late = tmp_path / "early", tmp_path / "late"
    for folder, chosen in ((early, files[:first]), (late, files[first:])):
        folder.mkdir()
        for path in chosen:
            shutil.copy(path, folder / path.name)
    return early, late


def test_a_targets_status_follows_the_ingest_with_no_step_of_its_own(
    db: None, simulated: Path, tmp_path: Path
) -> None:
    organisation: Organisation = import_simulated_organisation(simulated, CONFIG)
    initiative = services.save_initiative(
        Initiative(
            organisation=organisation,
            code="V03",
            title="Teams som hovedkanal",
            goal="Intern dialog i Teams.",
            start=dt.date(2019, 9, 2),
            end=dt.date(2020, 12, 31),
        ),
        actor=None,
    )
    target = Target(
        initiative=initiative,
        name="Aktive i Teams",
        metric="active_teams",
        threshold=Decimal(99),
        due_date=dt.date(2020, 12, 31),
    )
    target.full_clean()
    services.save_target(target, actor=None)
    early, late = batches(simulated, tmp_path, first=4)

    assert ingest_paths([early], source="cli").ok
    before = selectors.target_state(LEAD, target)
    assert before.status == Status.NO_DATA  # four weeks: too few for a forecast
    assert before.value is not None and before.period is not None

    assert ingest_paths([late], source="cli").ok  # computes the figures after storing
    after = selectors.target_state(LEAD, target)
    assert after.period is not None and after.period > before.period
    assert after.status in (Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK)
    assert after.outlook is not None and after.outlook.model is not None
    stored = Figure.objects.get(grain="week", breakdown="", period=after.period)
    assert after.value == stored.values["active_teams"] and after.n == stored.n
