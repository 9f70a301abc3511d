"""Respondents for the self-assessment tests, on top of the shared personas (tests/conftest.py).

``MIN_GROUP_SIZE`` is 5 here (the lowest the settings allow) so that the groups stay small.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from tests.conftest import Org

_numbers = itertools.count(5000)


@pytest.fixture(autouse=True)
def k5(settings: object) -> None:
    settings.MIN_GROUP_SIZE = 5  # type: ignore[attr-defined]


def add_people(org: Org, unit_code: str, count: int, former: str | None = "moss") -> list[int]:
    """``count`` new employees working in ``unit_code``; returns their primary keys."""
    from veikart.organisations.models import Assignment, Employee, FormerOrganisation, Unit

    unit = Unit.objects.get(code=unit_code)
    origin = FormerOrganisation.objects.get(code=former) if former else None
    pks = []
    for _ in range(count):
        number = str(next(_numbers))
        e = Employee.objects.create(
            organisation=org.organisation,
            employee_number=number,
            given_name="Test",
            family_name=number,
            upn=f"t{number}@moss.kommune.no",
            former_organisation=origin,
            employment_start=dt.date(2019, 1, 1),
        )
        Assignment.objects.create(employee=e, unit=unit, valid_from=dt.date(2020, 1, 1))
        pks.append(e.pk)
    return pks


def employee_pk(number: str) -> int:
    from veikart.organisations.models import Employee

    return Employee.objects.get(employee_number=number).pk


def respond(wave: object, employee: int, level: int) -> None:
    """The employee answers every statement of ``wave`` with ``level`` (straight to the tables)."""
    from veikart.competence.models import Answer, Response

    response = Response.objects.create(wave=wave, employee_id=employee, submitted_at=timezone.now())
    Answer.objects.bulk_create(
        Answer(response=response, question=q, level=level)
        for q in wave.survey.questions.all()  # type: ignore[attr-defined]
    )


@pytest.fixture
def survey(org: Org) -> object:
    from veikart.competence.services import create_survey_from_template

    return create_survey_from_template(org.kari, "m365-samarbeid")


def make_wave(survey: object, name: str, *, open_days: tuple[int, int] = (-1, 7)) -> object:
    from veikart.competence.models import Wave

    today = timezone.localdate()
    return Wave.objects.create(
        survey=survey,
        name=name,
        kind="periodic",
        opens_on=today + dt.timedelta(days=open_days[0]),
        closes_on=today + dt.timedelta(days=open_days[1]),
    )
