"""Prerequisites, target groups and learning paths: "Møter i Teams" builds on "Teams grunnkurs";
nobody enrols in it without the basics (or a seat in a basic session before it), unless their
manager or the programme lead gives a reason. Courses for a unit, for leaders or for a job title
are recommended to those people; a learning path shows each person their next step."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.trainings.web import (
    World,
    enrol,
    next_week,
    person,
    signed_in,
)
from veikart.core.models import AuditEvent
from veikart.organisations.models import Unit
from veikart.trainings.models import Course, Enrolment, LearningPath, Session


def english(user: Any) -> Client:
    """A signed-in client asking for English: the messages here are new, not yet translated."""
    client = signed_in(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def messages_in(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.fixture
def meetings(world: World) -> Session:
    """A session of "Møter i Teams" (which builds on Teams grunnkurs) in two weeks."""
    course = Course.objects.create(
        code="MOTER",
        title="Møter i Teams",
        format="classroom",
        duration_minutes=90,
        prerequisite=world.course,
    )
    start = next_week(days=14)
    return Session.objects.create(
        code="MOTER-1",
        course=course,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        location="Rådhuset",
        capacity=10,
    )


def post_enrol(user: Any, session: Session, **data: Any) -> Any:
    return english(user).post(f"/opplaering/okter/{session.pk}/pamelding/", data, follow=True)


# --- Prerequisites ------------------------------------------------------------------------------


def test_it_refuses_an_enrolment_without_the_prerequisite_and_names_it(
    world: World,
    meetings: Session,
) -> None:
    response = post_enrol(world.org.nils, meetings)
    assert "Møter i Teams builds on Teams grunnkurs" in messages_in(response)
    assert not Enrolment.objects.filter(session=meetings).exists()
    html = english(world.org.nils).get(f"/opplaering/okter/{meetings.pk}/").content.decode()
    assert 'id="prerequisite"' in html and 'id="enrol-me"' not in html
    assert f'href="/opplaering/kurs/{world.course.pk}/"' in html


def test_a_seat_in_a_basic_session_before_it_is_enough(world: World, meetings: Session) -> None:
    enrol(world.org.nils, world.session)  # Teams grunnkurs in one week
    response = post_enrol(world.org.nils, meetings)
    assert Enrolment.objects.get(session=meetings).status == "enrolled", messages_in(response)


def test_a_basic_session_after_it_is_not_enough_but_attending_one_is(
    world: World,
    meetings: Session,
) -> None:
    late = next_week(days=21)
    Session.objects.filter(pk=world.other.pk).update(
        starts_at=late, ends_at=late + dt.timedelta(hours=2)
    )
    enrol(world.org.nils, world.other)
    post_enrol(world.org.nils, meetings)
    assert not Enrolment.objects.filter(session=meetings).exists()
    Enrolment.objects.filter(employee=person("1005")).update(status="attended")
    post_enrol(world.org.nils, meetings)
    assert Enrolment.objects.get(session=meetings).status == "enrolled"


def test_a_manager_enrols_someone_without_it_only_with_a_reason(
    world: World,
    meetings: Session,
) -> None:
    orjan = person("1003")  # works in Ola's school
    refused = post_enrol(world.org.ola, meetings, employee=orjan.pk)
    assert "Ørjan Sæther has not taken Teams grunnkurs" in messages_in(refused)
    assert not Enrolment.objects.filter(session=meetings).exists()
    post_enrol(world.org.ola, meetings, employee=orjan.pk, override_reason="Superbruker i Rygge")
    assert Enrolment.objects.get(session=meetings).employee == orjan
    event = AuditEvent.objects.get(action="training.enrolment.prerequisite_override")
    assert event.actor == world.org.ola
    assert event.detail == {
        "employee": "1003",
        "prerequisite": "TEAMS-GK",
        "reason": "Superbruker i Rygge",
    }


def test_nobody_skips_the_prerequisite_for_themselves(world: World, meetings: Session) -> None:
    post_enrol(world.org.nils, meetings, override_reason="Jeg kan dette")
    post_enrol(world.org.ola, meetings, employee=person("1002").pk, override_reason="Jeg kan")
    assert not Enrolment.objects.filter(session=meetings).exists()
    assert not AuditEvent.objects.filter(action="training.enrolment.prerequisite_override")


# --- Target groups ------------------------------------------------------------------------------


def recommended_to(user: Any) -> list[str]:
    response = english(user).get("/opplaering/")
    return [c.code for c in response.context["recommended"]]


def test_courses_are_recommended_to_their_units_leaders_and_job_titles(
    world: World,
) -> None:
    health = Course.objects.create(code="HELSE", title="Teams i turnus", duration_minutes=60)
    health.target_units.set([Unit.objects.get(code="200")])  # Helse og omsorg, above Glenne
    Course.objects.create(
        code="LEDER", title="Ledere som rollemodeller", duration_minutes=60, for_leaders=True
    )
    Course.objects.create(
        code="SKOLE",
        title="Teams i klasserommet",
        duration_minutes=60,
        target_titles="Lærer, rektor",
    )
    assert recommended_to(world.org.nils) == ["HELSE"]
    assert recommended_to(world.orjan) == ["SKOLE"]  # Lærer
    assert recommended_to(world.org.ola) == ["LEDER", "SKOLE"]  # a leader, and Rektor
    assert recommended_to(world.org.kari) == []  # Prosjektleder in Stab: none of them
    assert recommended_to(world.org.ida) == []  # not an employee
    html = english(world.org.nils).get("/opplaering/").content.decode()
    assert 'id="recommended"' in html and "Teams i turnus" in html


def test_a_course_taken_is_no_longer_recommended(world: World) -> None:
    world.course.target_units.set([Unit.objects.get(code="200")])
    assert recommended_to(world.org.nils) == ["TEAMS-GK"]
    enrol(world.org.nils, world.session)
    assert recommended_to(world.org.nils) == []


def test_the_course_form_saves_the_target_groups(world: World) -> None:
    unit = Unit.objects.get(code="110")
    response = signed_in(world.org.kari).post(
        f"/opplaering/kurs/{world.course.pk}/endre/",
        {
            "code": "TEAMS-GK",
            "title": "Teams grunnkurs",
            "format": "classroom",
            "duration_minutes": "120",
            "target_units": [unit.pk],
            "for_leaders": "on",
            "target_titles": "lærer",
        },
    )
    assert response.status_code == 302
    world.course.refresh_from_db()
    assert list(world.course.target_units.all()) == [unit]
    assert world.course.for_leaders and world.course.target_titles == "lærer"


# --- Learning paths -----------------------------------------------------------------------------


def test_the_programme_lead_lays_out_a_learning_path_shown_in_the_catalogue(
    world: World,
    meetings: Session,
) -> None:
    files = Course.objects.create(
        code="FILER", title="Filer i Teams og OneDrive", duration_minutes=90
    )
    data = {
        "name": "Teams fra start",
        "description": "Tre kurs i rekkefølge.",
        "step_1": world.course.pk,
        "step_2": files.pk,
        "step_3": meetings.course.pk,
    }
    assert signed_in(world.org.nils).post("/opplaering/laeringslop/ny/", data).status_code == 403
    assert signed_in(world.org.per).get("/opplaering/laeringslop/ny/").status_code == 403
    response = signed_in(world.org.kari).post("/opplaering/laeringslop/ny/", data)
    assert response.status_code == 302
    path = LearningPath.objects.get()
    assert [s.course.code for s in path.steps.order_by("position")] == [
        "TEAMS-GK",
        "FILER",
        "MOTER",
    ]
    assert AuditEvent.objects.filter(action="training.path.create").exists()
    html = signed_in(world.org.nils).get("/opplaering/").content.decode()
    section = html[html.index('id="laeringslop"') :]
    positions = [section.index(t) for t in ("Teams grunnkurs", "Filer i Teams", "Møter i Teams")]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("steps", "field"),
    [(["TEAMS-GK"], "step_2"), (["TEAMS-GK", "TEAMS-GK"], "__all__")],
)
def test_a_learning_path_needs_two_different_courses(
    world: World,
    steps: list[str],
    field: str,
) -> None:
    data: dict[str, Any] = {"name": "Kort"}
    for number, code in enumerate(steps, start=1):
        data[f"step_{number}"] = Course.objects.get(code=code).pk
    response = signed_in(world.org.kari).post("/opplaering/laeringslop/ny/", data)
    assert response.status_code == 400 and field in response.context["form"].errors
    assert not LearningPath.objects.exists()


def test_my_courses_shows_the_next_step_of_each_learning_path(
    world: World,
    meetings: Session,
) -> None:
    path = LearningPath.objects.create(name="Teams fra start")
    path.steps.create(course=world.course, position=1)
    path.steps.create(course=meetings.course, position=2)

    def next_step() -> tuple[str, str] | None:
        progress = english(world.org.nils).get("/opplaering/mine/").context["paths"][0]
        step = progress.next
        return (step.course.code, step.state) if step else None

    assert next_step() == ("TEAMS-GK", "todo")
    enrol(world.org.nils, world.session)
    assert next_step() == ("TEAMS-GK", "booked")
    Enrolment.objects.filter(employee=person("1005")).update(status="attended")
    assert next_step() == ("MOTER", "todo")
    html = english(world.org.nils).get("/opplaering/mine/").content.decode()
    assert 'id="my-paths"' in html and f'href="/opplaering/kurs/{meetings.course.pk}/"' in html
    Enrolment.objects.create(
        session=meetings,
        employee=person("1005"),
        enrolled_on=timezone.localdate(),
        status="attended",
    )
    assert next_step() is None
