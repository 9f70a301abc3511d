"""Capacity holds when people take the last seats at the same moment: real concurrent requests,
each in its own thread with its own database connection, on PostgreSQL (as in production)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from tests.conftest import Org
from veikart.organisations.models import Employee
from veikart.trainings.models import Course, Enrolment, Session

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks are tested on PostgreSQL (DATABASE_URL=postgres://…)",
)

NUMBERS = ("1001", "1002", "1003", "1004", "1005", "1006", "1007")


@pytest.fixture
def people(transactional_db: None, org: Org) -> list[User]:
    """Seven signed-in employees, committed so that every thread sees them."""
    users = []
    for number in NUMBERS:
        employee = Employee.objects.get(employee_number=number)
        if employee.user is None:
            employee.user = User.objects.create_user(f"ansatt{number}")
            employee.save(update_fields=["user"])
        users.append(employee.user)
    return users


def race(session: Session, users: list[User]) -> list[int]:
    """Everyone POSTs the enrolment at once; the status codes, in order."""
    clients = []
    for user in users:
        client = Client()
        client.force_login(user)
        clients.append(client)
    start = threading.Barrier(len(clients))
    codes: list[int] = [0] * len(clients)

    def take(index: int, client: Client) -> None:
        try:
            start.wait()
            response: Any = client.post(f"/opplaering/okter/{session.pk}/pamelding/")
            codes[index] = response.status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return codes


@pytest.mark.parametrize("capacity", [1, 3])
def test_concurrent_enrolments_never_exceed_the_capacity(people: list[User], capacity: int) -> None:
    course = Course.objects.create(code="TEAMS-GK", title="Teams grunnkurs", duration_minutes=120)
    start = timezone.now() + dt.timedelta(days=7)
    session = Session.objects.create(
        code="OKT-1",
        course=course,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=capacity,
    )
    assert race(session, people) == [302] * len(people)

    statuses = list(session.enrolments.values_list("status", flat=True))
    assert statuses.count("enrolled") == capacity
    assert statuses.count("waitlisted") == len(people) - capacity
    positions = sorted(
        p or 0
        for p in Enrolment.objects.filter(status="waitlisted").values_list("position", flat=True)
    )
    assert positions == list(range(1, len(people) - capacity + 1))
