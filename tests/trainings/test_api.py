"""/api/v1/training as each persona uses it with a token: the catalogue and the sessions with
free seats (never who took them), one's own enrolments, and enrolling and cancelling for oneself
under the same rules as the web pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.trainings.web import (
    CommittingClient,
    World,
    enrol,
    next_week,
    person,
)
from veikart.core.services import create_api_token
from veikart.trainings.models import Course, Enrolment, Session


@pytest.fixture
def base(settings: Any) -> str:
    """Where the training API answers: /api/v1/training once it is mounted there, until then
    a test API with the same router and authentication."""
    from veikart.api.api import api
    from veikart.trainings.api import router

    if any(mounted is router for _prefix, mounted in api._routers):
        return "/api/v1/training"
    settings.ROOT_URLCONF = "tests.trainings.api_urls"
    return "/api/test/training"


class Api:
    def __init__(self, base: str, user: User) -> None:
        _record, token = create_api_token(user, "test")
        self.base = base
        self.client = CommittingClient(
            HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en"
        )

    def get(self, path: str) -> Any:
        return self.client.get(self.base + path)

    def post(self, path: str) -> Any:
        return self.client.post(self.base + path)


@pytest.fixture
def as_(base: str) -> Any:
    return lambda user: Api(base, user)


def test_it_requires_a_token(world: World, base: str) -> None:
    assert Client().get(f"{base}/courses").status_code == 401
    assert Client().post(f"{base}/sessions/{world.session.pk}/enrol").status_code == 401


def test_everyone_reads_the_catalogue_and_the_free_seats_but_not_who_took_them(
    world: World,
    as_: Any,
) -> None:
    enrol(world.org.nils, world.session)
    for user in (world.org.nils, world.fatima, world.org.ida, world.org.ola, world.org.kari):
        api = as_(user)
        courses = api.get("/courses").json()
        assert [c["code"] for c in courses] == ["TEAMS-GK"]
        sessions = api.get("/sessions").json()
        assert [(s["code"], s["seats_left"], s["waiting"]) for s in sessions] == [
            ("OKT-1", 1, 0),
            ("OKT-2", 10, 0),
        ]
        text = api.get(f"/sessions/{world.session.pk}").content.decode()
        assert "Nils" not in text and "1005" not in text and "nils.berg" not in text
    assert as_(world.org.nils).get(f"/sessions?course_id={world.course.pk + 99}").json() == []


def test_an_employee_enrols_is_waitlisted_and_cancels_through_the_api(
    world: World,
    as_: Any,
    sent: list[Any],
) -> None:
    nils, fatima, orjan = as_(world.org.nils), as_(world.fatima), as_(world.orjan)
    url = f"/sessions/{world.session.pk}/enrol"
    first = nils.post(url)
    assert first.status_code == 200 and first.json()["status"] == "enrolled"
    assert fatima.post(url).json()["status"] == "enrolled"
    waiting = orjan.post(url).json()
    assert (waiting["status"], waiting["waiting_position"]) == ("waitlisted", 1)
    assert waiting["session"]["seats_left"] == 0 and waiting["session"]["waiting"] == 1
    # Enrolling again changes nothing.
    assert nils.post(url).json()["id"] == first.json()["id"]
    mine = nils.get("/me/enrolments").json()
    assert [(e["session"]["code"], e["status"]) for e in mine] == [("OKT-1", "enrolled")]
    cancelled = nils.post(f"/me/enrolments/{first.json()['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert Enrolment.objects.get(employee=person("1003")).status == "enrolled"  # promoted
    assert nils.get("/me/enrolments").json() == []
    assert {m.to[0] for m in sent} >= {"nils.berg@moss.kommune.no", "orjan.saether@moss.kommune.no"}


def test_nobody_cancels_someone_elses_enrolment(world: World, as_: Any) -> None:
    enrol(world.org.nils, world.session)
    theirs = Enrolment.objects.get(employee=person("1005")).pk
    for user in (world.fatima, world.org.ola, world.org.kari):
        assert as_(user).post(f"/me/enrolments/{theirs}/cancel").status_code == 404
    assert Enrolment.objects.get(pk=theirs).status == "enrolled"


def test_the_rules_of_the_web_pages_hold(world: World, as_: Any) -> None:
    nils = as_(world.org.nils)
    # After the deadline for cancelling.
    enrolment = enrol(world.org.nils, world.session) and Enrolment.objects.get()
    soon = next_week(days=0, hour=23)
    Session.objects.filter(pk=world.session.pk).update(
        starts_at=soon, ends_at=soon + dt.timedelta(hours=1)
    )
    refused = nils.post(f"/me/enrolments/{enrolment.pk}/cancel")
    assert refused.status_code == 409 and "deadline for cancelling" in refused.json()["detail"]
    # A session that has started.
    Session.objects.filter(pk=world.other.pk).update(starts_at=next_week(days=-1))
    started = nils.post(f"/sessions/{world.other.pk}/enrol")
    assert started.status_code == 409 and "enrolment is closed" in started.json()["detail"]
    # A course whose prerequisite Fatima has not taken.
    follow_up = Course.objects.create(
        code="MOTER", title="Møter i Teams", duration_minutes=60, prerequisite=world.course
    )
    start = next_week(days=1)
    Session.objects.create(
        code="M-1", course=follow_up, starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    missing = as_(world.fatima).post(f"/sessions/{Session.objects.get(code='M-1').pk}/enrol")
    assert missing.status_code == 409
    assert missing.json()["prerequisite_course_id"] == world.course.pk
    assert "builds on Teams grunnkurs" in missing.json()["detail"]


def test_a_user_who_is_not_an_employee_cannot_enrol(world: World, as_: Any) -> None:
    ida = as_(world.org.ida)
    assert ida.post(f"/sessions/{world.session.pk}/enrol").status_code == 403
    assert ida.get("/me/enrolments").json() == []
    assert not Enrolment.objects.exists()


def test_recommended_courses_are_marked_for_the_user(world: World, as_: Any) -> None:
    Course.objects.filter(pk=world.course.pk).update(for_leaders=True)
    assert as_(world.org.ola).get("/courses").json()[0]["recommended_for_me"] is True
    assert as_(world.org.nils).get("/courses").json()[0]["recommended_for_me"] is False


def test_an_unknown_session_is_404(world: World, as_: Any) -> None:
    nils = as_(world.org.nils)
    assert nils.get("/sessions/999999").status_code == 404
    assert nils.post("/sessions/999999/enrol").status_code == 404
