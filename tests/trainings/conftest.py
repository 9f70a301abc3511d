"""Training fixtures: a small course catalogue over the personas, and the simulated demo data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from veikart.demo.simulator.config import SimulationConfig
from veikart.organisations.services import UploadedFile

if TYPE_CHECKING:
    from tests.trainings.web import World

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


# --- The web slice: Per as a trainer in the HR data, and a few more people who sign in ----------

EMPLOYEE_HEADER = (
    "ansattnummer;fornavn;etternavn;brukernavn;epost;stilling;enhetskode;leder;"
    "leders_ansattnummer;tidligere_organisasjon;startdato;sluttdato;tidligere_brukernavn"
)
PER_ROW = "1009;Per;Pettersen;per.pettersen@moss.kommune.no;;Superbruker;300;nei;;moss;2015-01-01;;"


def link_per_as_trainer(org: Any) -> None:
    """Per (role: trainer) becomes employee 1009 of Stab og administrasjon, through the import."""
    from tests.conftest import AS_OF
    from veikart.core.access import forget_access
    from veikart.organisations.models import Employee
    from veikart.organisations.services import apply_import

    data = f"{EMPLOYEE_HEADER}\n{PER_ROW}\n".encode()
    apply_import(org.organisation, [UploadedFile("ansatte.csv", data)], as_of=AS_OF, full=False)
    Employee.objects.filter(employee_number="1009").update(user=org.per)
    forget_access(org.per)


def sign_in_as(org: Any, employee_number: str, username: str) -> Any:
    """A user for the employee with ``employee_number`` (one who has none in the personas)."""
    from django.contrib.auth.models import User

    from tests.conftest import PASSWORD
    from veikart.organisations.models import Employee

    user = User.objects.create_user(username, password=PASSWORD)
    Employee.objects.filter(employee_number=employee_number).update(user=user)
    return user


# --- The world of the web tests ------------------------------------------------------------------


@pytest.fixture
def world(org: Any) -> World:
    """Per runs OKT-1 of Teams grunnkurs in a week (2 seats); OKT-2, the day after, has no
    trainer yet (10 seats). Fatima and Ørjan can sign in."""
    from tests.trainings.web import next_week, person
    from veikart.trainings.models import Course, Session

    link_per_as_trainer(org)
    course = Course.objects.create(
        code="TEAMS-GK",
        title="Teams grunnkurs",
        description="Chat, kanaler og filer i Teams.",
        format="classroom",
        duration_minutes=120,
        audience="Alle ansatte",
    )
    start = next_week()
    session = Session.objects.create(
        code="OKT-1",
        course=course,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        location="Moss rådhus, møterom 1",
        trainer=person("1009"),
        capacity=2,
    )
    other = Session.objects.create(
        code="OKT-2",
        course=course,
        starts_at=start + dt.timedelta(days=1),
        ends_at=start + dt.timedelta(days=1, hours=2),
        location="Rygge rådhus",
        capacity=10,
    )
    from tests.trainings.web import World

    return World(
        org,
        fatima=sign_in_as(org, "1006", "fatima"),
        orjan=sign_in_as(org, "1003", "orjan"),
        course=course,
        session=session,
        other=other,
    )


@pytest.fixture
def sent() -> list[Any]:
    """The e-mails sent so far (Django's test outbox)."""
    from django.core import mail

    return mail.outbox
