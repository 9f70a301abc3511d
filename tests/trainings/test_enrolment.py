"""Enrolment, the waiting list, cancellation and attendance, on the personas' organisation."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import Org
from tests.trainings.conftest import STARTS_AT
from veikart.organisations.models import Employee
from veikart.trainings.models import Course, Enrolment, Session
from veikart.trainings.services import EnrolmentRefused, cancel, enrol, register_attendance

pytestmark = pytest.mark.django_db


def make_session(capacity: int | None = 2) -> Session:

    course = Course.objects.create(code="TEAMS-GK", title="Teams grunnkurs", duration_minutes=120)
    return Session.objects.create(
        code="OKT-1",
        course=course,
        starts_at=STARTS_AT,
        ends_at=STARTS_AT + dt.timedelta(hours=2),
        location="Moss rådhus",
        capacity=capacity,
    )


def person(number: str) -> Employee:

    return Employee.objects.get(employee_number=number)


def test_it_seats_people_until_full_then_waitlists_in_order(org: Org) -> None:

    session = make_session(capacity=2)
    statuses = [
        (e.status, e.position)
        for e in (enrol(session, person(n)) for n in ("1003", "1005", "1006", "1007"))
    ]
    assert statuses == [
        ("enrolled", None),
        ("enrolled", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]


def test_enrolling_twice_changes_nothing(org: Org) -> None:

    session = make_session()
    first = enrol(session, person("1003"))
    again = enrol(session, person("1003"))
    assert first.pk == again.pk and Enrolment.objects.count() == 1


def test_unlimited_sessions_never_waitlist(org: Org) -> None:

    session = make_session(capacity=None)
    for number in ("1003", "1005", "1006", "1007"):
        assert enrol(session, person(number)).status == "enrolled"


def test_a_cancelled_seat_goes_to_the_first_on_the_waiting_list(org: Org) -> None:

    session = make_session(capacity=1)
    seated = enrol(session, person("1003"))
    enrol(session, person("1005"))
    enrol(session, person("1006"))
    promoted = cancel(seated, now=STARTS_AT - dt.timedelta(days=3))
    assert promoted is not None and promoted.employee.employee_number == "1005"
    queue = {
        e.employee.employee_number: (e.status, e.position)
        for e in Enrolment.objects.select_related("employee")
    }
    assert queue == {
        "1003": ("cancelled", None),
        "1005": ("enrolled", None),
        "1006": ("waitlisted", 1),
    }


def test_it_refuses_to_cancel_a_seat_after_the_deadline(org: Org) -> None:

    session = make_session(capacity=1)
    seated = enrol(session, person("1003"))
    waiting = enrol(session, person("1005"))
    in_time = STARTS_AT - dt.timedelta(hours=24)
    too_late = in_time + dt.timedelta(minutes=1)
    with pytest.raises(EnrolmentRefused, match="24 timer før"):
        cancel(seated, now=too_late)
    seated.refresh_from_db()
    waiting.refresh_from_db()
    assert (seated.status, waiting.status) == ("enrolled", "waitlisted")
    # Leaving the waiting list is allowed until the start; the seat is given up in time.
    assert cancel(waiting, now=too_late) is None
    assert cancel(seated, now=in_time) is None


def test_it_requires_an_aware_now_to_cancel(org: Org) -> None:

    seated = enrol(make_session(), person("1003"))
    with pytest.raises(ValueError, match="aware"):
        cancel(seated, now=dt.datetime(2020, 1, 1, 9))  # noqa: DTZ001 (the point of the test)


def test_attendance_marks_the_seated_attended_or_no_show(org: Org) -> None:

    session = make_session(capacity=2)
    for number in ("1003", "1005", "1006"):
        enrol(session, person(number))
    result = register_attendance(session, {person("1003").pk})
    assert (result.attended, result.no_show) == (1, 1)
    statuses = dict(Enrolment.objects.values_list("employee__employee_number", "status"))
    assert statuses == {"1003": "attended", "1005": "no_show", "1006": "waitlisted"}


def test_it_refuses_attendance_for_someone_without_a_seat(org: Org) -> None:

    session = make_session(capacity=1)
    enrol(session, person("1003"))
    enrol(session, person("1005"))
    with pytest.raises(EnrolmentRefused, match="Nils Berg"):
        register_attendance(session, {person("1003").pk, person("1005").pk})
    assert set(Enrolment.objects.values_list("status", flat=True)) == {"enrolled", "waitlisted"}
