"""``veikart send-reminders``: one reminder per seat, a few days before, however often it runs."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command

from tests.conftest import Org
from tests.trainings.conftest import OSLO
from veikart.organisations.models import Employee
from veikart.trainings.models import Course, Enrolment, Session

NOW = dt.datetime(2019, 10, 1, 8, 0, tzinfo=OSLO)


class BrokenBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError("the mail server is down")


def session(code: str, starts_in: dt.timedelta) -> Session:
    course, _ = Course.objects.get_or_create(
        code="TEAMS-GK", defaults={"title": "Teams grunnkurs", "duration_minutes": 120}
    )
    start = NOW + starts_in
    return Session.objects.create(
        code=code,
        course=course,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        location="Moss rådhus",
    )


def enrolment(session: Session, number: str, status: str = "enrolled") -> Enrolment:
    return Enrolment.objects.create(
        session=session,
        employee=Employee.objects.get(employee_number=number),
        enrolled_on=dt.date(2019, 9, 1),
        status=status,
        position=1 if status == "waitlisted" else None,
    )


def remind(*args: str) -> str:
    out = io.StringIO()
    call_command("send-reminders", "--now", NOW.isoformat(), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def due(org: Org) -> Session:
    """OKT-SNART in 36 hours: Nils has a seat, Fatima waits. OKT-SENERE in a week: Ørjan."""
    soon = session("OKT-SNART", dt.timedelta(hours=36))
    enrolment(soon, "1005")
    enrolment(soon, "1006", "waitlisted")
    enrolment(session("OKT-SENERE", dt.timedelta(days=7)), "1003")
    enrolment(session("OKT-FORBI", -dt.timedelta(hours=3)), "1007")
    return soon


def test_it_reminds_those_with_a_seat_in_a_session_within_the_days(due: Session) -> None:
    assert remind() == "Reminders sent: 1.\n"
    (message,) = mail.outbox
    assert message.to == ["nils.berg@moss.kommune.no"]
    assert message.subject == "Påminnelse: Teams grunnkurs, 2. oktober 2019 20:00"
    assert "Moss rådhus" in message.body
    assert Enrolment.objects.get(employee__employee_number="1005").reminder_sent_at == NOW


def test_it_never_reminds_twice_for_the_same_enrolment(due: Session) -> None:
    remind()
    assert remind() == "Reminders sent: 0.\n"
    assert remind("--days", "10") == "Reminders sent: 1.\n"  # Ørjan's session, a week away
    assert sorted(m.to[0] for m in mail.outbox) == [
        "nils.berg@moss.kommune.no",
        "orjan.saether@moss.kommune.no",
    ]


def test_a_failed_reminder_is_tried_again_on_the_next_run(due: Session, settings: Any) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"
    with pytest.raises(CommandError, match="could not be sent"):
        remind()
    assert Enrolment.objects.get(employee__employee_number="1005").reminder_sent_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert remind() == "Reminders sent: 1.\n"


def test_it_refuses_a_time_without_its_offset(org: Org) -> None:
    with pytest.raises(CommandError, match="UTC offset"):
        call_command("send-reminders", "--now", "2019-10-01T08:00")
