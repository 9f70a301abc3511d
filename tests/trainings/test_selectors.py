"""Who sees which sessions, and each person's training date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from tests.conftest import Org
from tests.trainings.conftest import STARTS_AT
from veikart.organisations.models import Employee
from veikart.trainings.models import Course, Enrolment, Session
from veikart.trainings.selectors import get_sessions_for_user, training_dates

pytestmark = pytest.mark.django_db


def build(org: Org) -> None:
    """OKT-SKOLE: a Jeløy teacher enrolled, run by Per; OKT-HELSE: Nils; OKT-TOM: nobody."""
    people = dict(Employee.objects.values_list("employee_number", "pk"))
    Employee.objects.filter(employee_number="1004").update(user=org.per)
    course = Course.objects.create(code="TEAMS-GK", title="Teams grunnkurs", duration_minutes=120)
    for code, day, trainer in (
        ("OKT-SKOLE", 0, "1004"),
        ("OKT-HELSE", 1, None),
        ("OKT-TOM", 2, None),
    ):
        starts = STARTS_AT + dt.timedelta(days=day)
        Session.objects.create(
            code=code,
            course=course,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            trainer_id=people[trainer] if trainer else None,
        )
    for code, number, status in (
        ("OKT-SKOLE", "1003", "attended"),
        ("OKT-HELSE", "1005", "no_show"),
        ("OKT-TOM", "1005", "cancelled"),
        ("OKT-HELSE", "1003", "attended"),
    ):
        Enrolment.objects.create(
            session=Session.objects.get(code=code),
            employee_id=people[number],
            enrolled_on=dt.date(2020, 2, 1),
            status=status,
        )


def visible(user: User) -> set[str]:
    return set(get_sessions_for_user(user).values_list("code", flat=True))


def test_the_programme_lead_sees_every_session(org: Org) -> None:
    build(org)
    assert visible(org.kari) == {"OKT-SKOLE", "OKT-HELSE", "OKT-TOM"}


def test_a_trainer_sees_the_sessions_they_run(org: Org) -> None:
    build(org)
    assert visible(org.per) == {"OKT-SKOLE"}


def test_a_unit_manager_sees_sessions_with_participants_from_their_subtree(org: Org) -> None:
    build(org)
    assert visible(org.ola) == {"OKT-SKOLE", "OKT-HELSE"}  # Ørjan Sæther of Småtrinnet


def test_an_employee_sees_only_the_sessions_they_are_enrolled_in(org: Org) -> None:
    build(org)
    assert visible(org.nils) == {"OKT-HELSE", "OKT-TOM"}


def test_it_requires_a_role_or_a_link_to_see_sessions(org: Org) -> None:
    build(org)
    assert visible(org.dina) == set() and visible(org.ida) == set()


def test_training_dates_are_the_first_attended_session(org: Org) -> None:
    build(org)
    numbers = dict(Employee.objects.values_list("pk", "employee_number"))
    dates = {numbers[pk]: day for pk, day in training_dates().items()}
    assert dates == {"1003": STARTS_AT.date()}  # no-shows and cancellations do not count
    assert training_dates({"TEAMS-FIL"}) == {}
