"""Systems fixtures: the simulator's inventories and decisions, written once per test run."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from veikart.organisations.services import UploadedFile

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def simulated_systems(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``systems/systemer.csv`` and ``systems/beslutninger.csv`` as the demo writes them."""
    from veikart.demo.simulator.config import SimulationConfig
    from veikart.demo.simulator.programme import write_systems

    out = tmp_path_factory.mktemp("simulated-systems")
    write_systems(SimulationConfig(employees=3500), out)
    return out


def read_file(folder: Path, name: str) -> UploadedFile:
    return UploadedFile(name, (folder / "systems" / name).read_bytes())


def rows_of(file: UploadedFile) -> list[dict[str, str]]:
    text = file.data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def csv_file(
    name: str, header: list[str], rows: list[dict[str, str]], *, bom: bool = True
) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    return ("\ufeff" if bom else "").encode("utf-8") + out.getvalue().encode("utf-8")


def inventory_of(folder: Path, former: str) -> UploadedFile:
    """One former organisation's inventory alone, as its own file (``moss.csv``)."""
    source = read_file(folder, "systemer.csv")
    rows = [r for r in rows_of(source) if r["tidligere_organisasjon"] == former]
    header = source.data.decode("utf-8-sig").splitlines()[0].split(";")
    return UploadedFile(f"{former}.csv", csv_file(f"{former}.csv", header, rows))


@pytest.fixture
def inventories(simulated_systems: Path) -> list[UploadedFile]:
    return [inventory_of(simulated_systems, "moss"), inventory_of(simulated_systems, "rygge")]


@pytest.fixture
def decisions_file(simulated_systems: Path) -> UploadedFile:
    return read_file(simulated_systems, "beslutninger.csv")


@pytest.fixture
def executive(org: Any) -> User:
    from veikart.core.constants import Role
    from veikart.core.services import grant_role

    user = User.objects.create_user("eva", password=PASSWORD)
    grant_role(user, Role.EXECUTIVE)
    return user
