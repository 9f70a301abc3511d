"""Training fixtures: a small course catalogue over the personas, and the simulated demo data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from veikart.demo.simulator.config import SimulationConfig
from veikart.organisations.services import UploadedFile

OSLO = ZoneInfo("Europe/Oslo")
SIMULATION_START = dt.date(2019, 8, 1)
SIMULATION_END = dt.date(2020, 2, 29)
STARTS_AT = dt.datetime(2020, 3, 10, 9, 0, tzinfo=OSLO)


@pytest.fixture(scope="session")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The simulator's files for 250 people, written once for the whole test run."""
    from veikart.demo.simulator.config import SimulationConfig
    from veikart.demo.simulator.generate import generate

    out = tmp_path_factory.mktemp("simulated")
    generate(SimulationConfig(employees=250, start=SIMULATION_START, end=SIMULATION_END), out)
    return out


def simulation_config() -> SimulationConfig:
    return SimulationConfig(employees=250, start=SIMULATION_START, end=SIMULATION_END)


@pytest.fixture
def simulated_org(db: None, simulated: Path) -> Path:
    """The simulated organisation imported the demo's way: every HR snapshot, in date order."""
    from veikart.demo.services import import_simulated_organisation

    import_simulated_organisation(simulated, simulation_config())
    return simulated


def training_files(folder: Path) -> list[UploadedFile]:
    names = ("kurs.csv", "kursokter.csv", "pameldinger.csv")
    return [UploadedFile(name, (folder / "training" / name).read_bytes()) for name in names]
