"""Helpers of the training web tests: the small world of tests/trainings/conftest.py's ``world``
fixture, a client whose requests send their e-mails, and a few readers of pages and e-mails."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import Message
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.test import Client, TestCase
from django.utils import timezone

from tests.conftest import Org
from veikart.organisations.models import Employee
from veikart.trainings.models import Course, Session

OSLO = ZoneInfo("Europe/Oslo")


@dataclass
class World:
    org: Org
    fatima: User
    orjan: User
    course: Course
    session: Session  # run by Per, 2 seats, in a week
    other: Session  # run by nobody yet, the day after


def person(number: str) -> Employee:
    return Employee.objects.get(employee_number=number)


def next_week(days: int = 7, hour: int = 9) -> dt.datetime:
    day = timezone.now().astimezone(OSLO).date() + dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=OSLO)


class CommittingClient(Client):
    """A test client whose requests run their on-commit work (the e-mails) as if committed.

    The test's own transaction never commits, so without this no e-mail would leave.
    """

    def request(self, **request: Any) -> Any:
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


def signed_in(user: object) -> Client:
    client = CommittingClient()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def page(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def calendar_part(message: Any) -> Message:
    parts = [a for a in message.attachments if isinstance(a, Message)]
    assert len(parts) == 1
    assert parts[0].get_content_type() == "text/calendar"
    return parts[0]


def calendar_text(message: Any) -> str:
    payload = calendar_part(message).get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8")


def enrol(user: User, session: Session, **data: Any) -> Any:
    return signed_in(user).post(f"/opplaering/okter/{session.pk}/pamelding/", data, follow=True)


def session_data(start: dt.datetime, hours: int = 2, **extra: Any) -> dict[str, Any]:
    end = start + dt.timedelta(hours=hours)
    return {
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": end.strftime("%Y-%m-%dT%H:%M"),
        "location": "Moss rådhus, møterom 2",
        "capacity": "12",
        **extra,
    }
