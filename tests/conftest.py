"""Shared set-up: a small organisation and named personas, built through the real import.

- Kari, programme lead (organisation-wide)
- Ola, rector of Jeløy skole: a manager in the HR data, so a unit manager for that subtree
- Nils, health worker, no rights beyond his own record
- Ida, IT/system owner; Per, trainer; Dina, data-protection officer
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import User

DATA = Path(__file__).parent / "data"
AS_OF = dt.date(2020, 1, 1)
PASSWORD = "correct horse battery staple"


@dataclass
class Org:
    organisation: object
    kari: User
    ola: User
    nils: User
    ida: User
    per: User
    dina: User


def data_file(name: str) -> UploadedFile:  # noqa: F821
    from veikart.organisations.services import UploadedFile

    return UploadedFile(name, (DATA / name).read_bytes())


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Each test starts in the default language (bokmål): a request in English in an earlier
    test leaves English active in the thread."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache: pages kept by an earlier test (whose database was
    rolled back) must not be served to this one."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def own_lake(settings: object, tmp_path: Path) -> Path:
    """Each test its own usage lake: ingest and compute read and write it."""
    lake = tmp_path / "lake"
    settings.LAKE_DIR = lake  # type: ignore[attr-defined]
    return lake


@pytest.fixture
def organisation(db: None) -> object:
    from veikart.organisations.services import set_up_organisation

    return set_up_organisation(
        name="Moss kommune",
        merger_date=AS_OF,
        former=[
            ("moss", "Moss kommune (til 2020)", "moss.kommune.no"),
            ("rygge", "Rygge kommune (til 2020)", "rygge.kommune.no"),
        ],
    )


@pytest.fixture
def org(organisation: object) -> Org:
    from veikart.core.constants import Role
    from veikart.core.services import grant_role
    from veikart.organisations.models import Employee
    from veikart.organisations.services import apply_import

    apply_import(
        organisation,  # type: ignore[arg-type]
        [data_file("enheter.csv"), data_file("ansatte.csv")],
        as_of=AS_OF,
    )

    def user(name: str, employee_number: str | None = None) -> User:
        u = User.objects.create_user(name, password=PASSWORD)
        if employee_number:
            Employee.objects.filter(employee_number=employee_number).update(user=u)
        return u

    people = Org(
        organisation,
        kari=user("kari", "1001"),
        ola=user("ola", "1002"),
        nils=user("nils", "1005"),
        ida=user("ida"),
        per=user("per"),
        dina=user("dina"),
    )
    grant_role(people.kari, Role.PROGRAMME_LEAD)
    grant_role(people.ida, Role.IT)
    grant_role(people.per, Role.TRAINER)
    grant_role(people.dina, Role.DPO)
    return people
