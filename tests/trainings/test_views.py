"""The training pages as Per the trainer, Kari the programme lead, Ola the unit manager and Nils,
Fatima and Ørjan the employees use them: catalogue, courses, sessions, enrolment, attendance, and
their own courses. UI text is checked in bokmål, the default language."""

from __future__ import annotations

import datetime as dt
from email.message import Message
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from tests.trainings.web import (
    OSLO,
    World,
    calendar_part,
    calendar_text,
    enrol,
    messages_of,
    next_week,
    page,
    person,
    session_data,
    signed_in,
)
from veikart.core.models import AuditEvent
from veikart.trainings.models import Course, Enrolment, Session

CATALOGUE = "/opplaering/"


# --- Catalogue and course pages -----------------------------------------------------------------


def test_it_requires_sign_in(world: World) -> None:
    response = Client().get(CATALOGUE)
    assert response.status_code == 302 and "/logg-inn/" in response["Location"]


def test_the_catalogue_shows_format_duration_next_sessions_and_free_seats(world: World) -> None:
    enrol(world.org.nils, world.session)
    html = page(signed_in(world.fatima).get(CATALOGUE))
    assert "Teams grunnkurs" in html and "Klasserom" in html and "120 minutter" in html
    assert "1 plass igjen" in html and "10 plasser igjen" in html
    assert f"/opplaering/okter/{world.session.pk}/" in html


def test_the_catalogue_says_when_a_course_has_no_sessions(world: World) -> None:
    Course.objects.create(code="ONEDRIVE", title="Filer i OneDrive", duration_minutes=60)
    html = page(signed_in(world.org.nils).get(CATALOGUE))
    assert "Ingen kursøkter er planlagt for dette kurset ennå." in html


def test_the_course_page_lists_the_sessions_to_come_with_an_enrol_button(world: World) -> None:
    html = page(signed_in(world.org.nils).get(f"/opplaering/kurs/{world.course.pk}/"))
    assert "Moss rådhus, møterom 1" in html and "Per Pettersen" in html
    assert html.count('action="/opplaering/okter/') == 2
    assert "Alle ansatte" in html


def test_only_trainers_and_the_programme_lead_see_the_edit_buttons(world: World) -> None:
    url = f"/opplaering/kurs/{world.course.pk}/"
    assert "/endre/" not in page(signed_in(world.org.nils).get(url))
    assert "/endre/" in page(signed_in(world.org.per).get(url))
    assert "/endre/" in page(signed_in(world.org.kari).get(url))


# --- Creating and editing courses ---------------------------------------------------------------

COURSE = {
    "code": "MOTER",
    "title": "Møter i Teams",
    "description": "Planlegg og led møter.",
    "format": "teams",
    "duration_minutes": "90",
    "audience": "Ledere",
}


def test_a_trainer_creates_a_course(world: World) -> None:
    response = signed_in(world.org.per).post(
        "/opplaering/kurs/ny/", {**COURSE, "prerequisite": world.course.pk}
    )
    course = Course.objects.get(code="MOTER")
    assert response.status_code == 302 and response["Location"] == f"/opplaering/kurs/{course.pk}/"
    assert (course.title, course.format, course.duration_minutes) == ("Møter i Teams", "teams", 90)
    assert course.prerequisite == world.course and course.audience == "Ledere"
    assert AuditEvent.objects.filter(action="training.course.create", actor=world.org.per).exists()


def test_an_employee_cannot_create_or_edit_a_course(world: World) -> None:
    nils = signed_in(world.org.nils)
    assert nils.get("/opplaering/kurs/ny/").status_code == 403
    assert nils.post("/opplaering/kurs/ny/", COURSE).status_code == 403
    assert nils.get(f"/opplaering/kurs/{world.course.pk}/endre/").status_code == 403
    assert not Course.objects.filter(code="MOTER").exists()


def test_it_rejects_a_course_code_already_in_use(world: World) -> None:
    response = signed_in(world.org.kari).post(
        "/opplaering/kurs/ny/", {**COURSE, "code": "TEAMS-GK"}
    )
    assert response.status_code == 400
    assert (
        "Kurs med denne Kurskode finnes allerede." in response.content.decode()
        or (response.context["form"].errors["code"])
    )
    assert Course.objects.count() == 1


def test_it_rejects_a_prerequisite_that_makes_a_loop(world: World) -> None:
    follow_up = Course.objects.create(
        code="MOTER", title="Møter i Teams", duration_minutes=90, prerequisite=world.course
    )
    response = signed_in(world.org.kari).post(
        f"/opplaering/kurs/{world.course.pk}/endre/",
        {**COURSE, "code": "TEAMS-GK", "title": "Teams grunnkurs", "prerequisite": follow_up.pk},
    )
    assert response.status_code == 400
    assert "kan ikke være forutsetning" in response.content.decode()
    world.course.refresh_from_db()
    assert world.course.prerequisite is None


def test_editing_a_course_keeps_its_code(world: World) -> None:
    response = signed_in(world.org.per).post(
        f"/opplaering/kurs/{world.course.pk}/endre/",
        {**COURSE, "code": "CHANGED", "title": "Teams for nybegynnere", "format": "classroom"},
    )
    assert response.status_code == 302
    world.course.refresh_from_db()
    assert (world.course.code, world.course.title) == ("TEAMS-GK", "Teams for nybegynnere")


# --- Creating and editing sessions --------------------------------------------------------------


def add_session(user: User, course: Course, data: dict[str, Any]) -> Any:
    return signed_in(user).post(f"/opplaering/kurs/{course.pk}/okter/ny/", data)


def test_a_trainer_adds_a_session_that_he_runs(world: World) -> None:
    start = next_week(days=14)
    response = add_session(
        world.org.per, world.course, session_data(start, trainer=person("1009").pk)
    )
    assert response.status_code == 302
    session = Session.objects.get(starts_at=start)
    assert session.trainer == person("1009") and session.capacity == 12
    assert session.ends_at == start + dt.timedelta(hours=2)
    assert session.code == f"TEAMS-GK-{start:%Y%m%d}-0900"


def test_a_trainer_cannot_name_another_trainer(world: World) -> None:
    response = add_session(
        world.org.per, world.course, session_data(next_week(days=14), trainer=person("1001").pk)
    )
    assert response.status_code == 400
    assert Session.objects.count() == 2


def test_the_form_shows_only_the_trainer_himself(world: World) -> None:
    html = page(signed_in(world.org.per).get(f"/opplaering/kurs/{world.course.pk}/okter/ny/"))
    assert "Pettersen, Per (1009)" in html and "Berg, Nils" not in html


def test_it_rejects_a_session_in_the_past(world: World) -> None:
    start = timezone.now().astimezone(OSLO).replace(second=0, microsecond=0) - dt.timedelta(days=1)
    response = add_session(world.org.kari, world.course, session_data(start))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["starts_at"]
    assert "er passert. Velg et tidspunkt som ikke har vært ennå." in errors["starts_at"][0]
    assert Session.objects.count() == 2


def test_it_rejects_an_end_before_the_start(world: World) -> None:
    start = next_week(days=14)
    data = session_data(start)
    data["ends_at"] = (start - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = add_session(world.org.kari, world.course, data)
    assert response.status_code == 400
    assert response.context["form"].errors["ends_at"] == [
        "Kursøkten må slutte etter at den starter. Rett sluttidspunktet."
    ]
    assert Session.objects.count() == 2


def test_it_rejects_overlapping_sessions_for_the_same_trainer(world: World) -> None:
    # Per runs OKT-1 from 09:00 to 11:00; a new session from 10:00 overlaps it.
    start = world.session.starts_at.astimezone(OSLO) + dt.timedelta(hours=1)
    response = add_session(
        world.org.kari, world.course, session_data(start, trainer=person("1009").pk)
    )
    assert response.status_code == 400
    (error,) = response.context["form"].errors["trainer"]
    assert error.startswith("Per Pettersen holder allerede Teams grunnkurs fra ")
    # Back to back (from 11:00) is fine.
    later = world.session.ends_at.astimezone(OSLO)
    response = add_session(
        world.org.kari, world.course, session_data(later, trainer=person("1009").pk)
    )
    assert response.status_code == 302


def test_it_rejects_a_capacity_below_the_seats_taken(world: World) -> None:
    enrol(world.org.nils, world.session)
    enrol(world.fatima, world.session)
    data = session_data(world.session.starts_at.astimezone(OSLO), trainer=person("1009").pk)
    data["capacity"] = "1"
    data["location"] = world.session.location
    response = signed_in(world.org.per).post(f"/opplaering/okter/{world.session.pk}/endre/", data)
    assert response.status_code == 400
    assert response.context["form"].errors["capacity"] == [
        "2 plasser er allerede tatt, så kursøkten kan ikke ha færre. Meld av deltakere først, "
        "eller behold minst 2 plasser."
    ]
    world.session.refresh_from_db()
    assert world.session.capacity == 2


def test_a_teams_session_needs_the_meeting_link(world: World) -> None:
    teams = Course.objects.create(code="MOTER", title="Møter", format="teams", duration_minutes=60)
    data = session_data(next_week(days=14), location="Teams")
    response = add_session(world.org.kari, teams, data)
    assert response.status_code == 400 and "location" in response.context["form"].errors
    data["location"] = "https://teams.microsoft.com/l/meetup-join/abc"
    assert add_session(world.org.kari, teams, data).status_code == 302


def test_a_trainer_cannot_edit_a_session_he_does_not_run(world: World) -> None:
    per = signed_in(world.org.per)
    assert per.get(f"/opplaering/okter/{world.other.pk}/endre/").status_code == 403
    assert per.get(f"/opplaering/okter/{world.session.pk}/endre/").status_code == 200


def test_more_seats_promote_the_waiting_list_at_once(world: World, sent: list[Any]) -> None:
    for user in (world.org.nils, world.fatima, world.orjan):
        enrol(user, world.session)
    assert Enrolment.objects.get(employee=person("1003")).status == "waitlisted"
    sent.clear()
    data = session_data(world.session.starts_at.astimezone(OSLO), trainer=person("1009").pk)
    data.update(capacity="3", location=world.session.location)
    response = signed_in(world.org.per).post(
        f"/opplaering/okter/{world.session.pk}/endre/", data, follow=True
    )
    assert "1 person på ventelisten fikk plass og invitasjon." in messages_of(response)
    assert Enrolment.objects.get(employee=person("1003")).status == "enrolled"
    assert [m.to for m in sent] == [["orjan.saether@moss.kommune.no"]]
    assert "METHOD:REQUEST" in calendar_text(sent[0])


def test_a_new_time_sends_everyone_with_a_seat_the_updated_invitation(
    world: World, sent: list[Any]
) -> None:
    enrol(world.org.nils, world.session)
    first = calendar_text(sent[-1])
    assert "SEQUENCE:0" in first
    sent.clear()
    later = world.session.starts_at.astimezone(OSLO) + dt.timedelta(hours=4)
    data = session_data(later, trainer=person("1009").pk, location=world.session.location)
    data["capacity"] = "2"
    response = signed_in(world.org.per).post(
        f"/opplaering/okter/{world.session.pk}/endre/", data, follow=True
    )
    assert "1 deltaker fikk den oppdaterte invitasjonen." in messages_of(response)
    (update,) = [m for m in sent if m.to == ["nils.berg@moss.kommune.no"]]
    text = calendar_text(update)
    assert "SEQUENCE:1" in text and "METHOD:REQUEST" in text
    assert f"DTSTART:{later.astimezone(dt.UTC):%Y%m%dT%H%M%S}Z" in text
    assert update.subject.startswith("Endret: Teams grunnkurs")


# --- Enrolment ----------------------------------------------------------------------------------


def test_an_employee_enrols_and_gets_a_seat_and_the_invitation(
    world: World, sent: list[Any]
) -> None:
    response = enrol(world.org.nils, world.session)
    enrolment = Enrolment.objects.get(employee=person("1005"))
    assert (enrolment.status, enrolment.position) == ("enrolled", None)
    assert any(m.startswith("Du har plass på Teams grunnkurs") for m in messages_of(response))
    (message,) = sent
    assert message.to == ["nils.berg@moss.kommune.no"]
    assert message.subject.startswith("Påmeldt: Teams grunnkurs")
    part = calendar_part(message)
    assert part.get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in calendar_text(message)


def test_when_the_session_is_full_the_next_person_is_waitlisted_with_the_position_shown(
    world: World, sent: list[Any]
) -> None:
    enrol(world.org.nils, world.session)
    enrol(world.fatima, world.session)
    response = enrol(world.orjan, world.session)
    enrolment = Enrolment.objects.get(employee=person("1003"))
    assert (enrolment.status, enrolment.position) == ("waitlisted", 1)
    assert "Kursøkten er full. Du er nummer 1 på ventelisten" in " ".join(messages_of(response))
    assert "Du er nummer 1 på ventelisten." in page(
        signed_in(world.orjan).get(f"/opplaering/okter/{world.session.pk}/")
    )
    assert sent[-1].subject.startswith("Venteliste: Teams grunnkurs")
    assert not [a for a in sent[-1].attachments if isinstance(a, Message)]  # no calendar entry


def test_cancelling_gives_the_seat_to_the_first_on_the_waiting_list(
    world: World, sent: list[Any]
) -> None:
    enrol(world.org.nils, world.session)
    enrol(world.fatima, world.session)
    enrol(world.orjan, world.session)
    sent.clear()
    nils = Enrolment.objects.get(employee=person("1005"))
    response = signed_in(world.org.nils).post(
        f"/opplaering/pameldinger/{nils.pk}/avmelding/", follow=True
    )
    assert messages_of(response) == [
        "Plassen din er avmeldt. Plassen gikk til den første på ventelisten."
    ]
    assert Enrolment.objects.get(employee=person("1003")).status == "enrolled"
    cancelled, promoted = sent
    assert cancelled.to == ["nils.berg@moss.kommune.no"]
    assert "METHOD:CANCEL" in calendar_text(cancelled)
    assert "STATUS:CANCELLED" in calendar_text(cancelled)
    assert promoted.to == ["orjan.saether@moss.kommune.no"]
    assert promoted.subject.startswith("Du har fått plass: Teams grunnkurs")
    assert "METHOD:REQUEST" in calendar_text(promoted)
    mine = page(signed_in(world.orjan).get("/opplaering/mine/"))
    assert 'id="coming"' in mine and "Teams grunnkurs" in mine and 'id="waiting"' not in mine


def test_cancelling_after_the_deadline_is_refused_with_the_deadline(world: World) -> None:
    enrol(world.org.nils, world.session)
    soon = timezone.now() + dt.timedelta(hours=5)
    Session.objects.filter(pk=world.session.pk).update(
        starts_at=soon, ends_at=soon + dt.timedelta(hours=2)
    )
    nils = Enrolment.objects.get(employee=person("1005"))
    response = signed_in(world.org.nils).post(
        f"/opplaering/pameldinger/{nils.pk}/avmelding/", follow=True
    )
    (message,) = messages_of(response)
    assert message.startswith("Fristen for avmelding var ")
    assert "(24 timer før kursøkten starter)" in message
    nils.refresh_from_db()
    assert nils.status == "enrolled"


def test_enrolment_closes_when_the_session_has_started(world: World) -> None:
    begun = timezone.now() - dt.timedelta(minutes=10)
    Session.objects.filter(pk=world.session.pk).update(
        starts_at=begun, ends_at=begun + dt.timedelta(hours=2)
    )
    response = enrol(world.org.nils, world.session)
    assert "påmeldingen er stengt" in " ".join(messages_of(response))
    assert not Enrolment.objects.exists()


def test_a_unit_manager_enrols_someone_who_works_in_his_subtree(
    world: World, sent: list[Any]
) -> None:
    html = page(signed_in(world.org.ola).get(f"/opplaering/okter/{world.session.pk}/"))
    assert "Sæther, Ørjan (1003)" in html and "Berg, Nils" not in html
    response = enrol(world.org.ola, world.session, employee=person("1003").pk)
    assert "Ørjan Sæther har plass på Teams grunnkurs" in " ".join(messages_of(response))
    assert Enrolment.objects.get().employee == person("1003")
    assert sent[-1].to == ["orjan.saether@moss.kommune.no"]


def test_a_unit_manager_cannot_enrol_someone_outside_his_subtree(world: World) -> None:
    response = signed_in(world.org.ola).post(
        f"/opplaering/okter/{world.session.pk}/pamelding/", {"employee": person("1005").pk}
    )
    assert response.status_code == 404
    assert not Enrolment.objects.exists()


def test_an_employee_cannot_enrol_someone_else(world: World) -> None:
    response = signed_in(world.org.nils).post(
        f"/opplaering/okter/{world.session.pk}/pamelding/", {"employee": person("1006").pk}
    )
    assert response.status_code == 404
    assert not Enrolment.objects.exists()


def test_a_unit_manager_cannot_cancel_for_someone_outside_his_subtree(world: World) -> None:
    enrol(world.org.nils, world.session)
    nils = Enrolment.objects.get()
    response = signed_in(world.org.ola).post(f"/opplaering/pameldinger/{nils.pk}/avmelding/")
    assert response.status_code == 404
    nils.refresh_from_db()
    assert nils.status == "enrolled"


def test_a_unit_manager_sees_only_his_own_people_in_a_session(world: World) -> None:
    enrol(world.org.nils, world.session)
    enrol(world.org.ola, world.session, employee=person("1003").pk)
    html = page(signed_in(world.org.ola).get(f"/opplaering/okter/{world.session.pk}/"))
    participants = html[html.index('id="participant-list"') :]
    assert "Ørjan Sæther" in participants and "Nils Berg" not in participants


def test_someone_not_linked_to_an_employee_cannot_enrol(world: World) -> None:
    response = enrol(world.org.dina, world.session)
    assert "ikke knyttet til en ansatt" in " ".join(messages_of(response))
    assert not Enrolment.objects.exists()


# --- Attendance ---------------------------------------------------------------------------------


def attendance_url(session: Session) -> str:
    return f"/opplaering/okter/{session.pk}/oppmote/"


def seated(world: World) -> None:
    enrol(world.org.nils, world.session)
    enrol(world.fatima, world.session)
    enrol(world.orjan, world.session)  # waiting list


def test_the_trainer_registers_attendance_one_tap_at_a_time_with_htmx(world: World) -> None:
    seated(world)
    per = signed_in(world.org.per)
    html = page(per.get(attendance_url(world.session)))
    assert "Nils Berg" in html and "Fatima Ahmed" in html
    assert "Ørjan Sæther" not in html  # on the waiting list: no seat
    response = per.post(
        attendance_url(world.session),
        {"employee": person("1005").pk, "status": "attended"},
        headers={"HX-Request": "true"},
    )
    row = page(response)
    assert row.startswith('<li class="vk-attendee" id="deltaker-')
    assert 'aria-pressed="true"' in row and "Møtt" in row
    assert 'id="attendance-summary" aria-live="polite" hx-swap-oob="true"' in row
    assert "Møtt: 1 · Møtte ikke: 0 · Ikke registrert: 1" in row
    per.post(
        attendance_url(world.session),
        {"employee": person("1006").pk, "status": "no_show"},
        headers={"HX-Request": "true"},
    )
    statuses = dict(Enrolment.objects.values_list("employee__employee_number", "status"))
    assert statuses == {"1005": "attended", "1006": "no_show", "1003": "waitlisted"}


def test_attendance_works_without_javascript_too(world: World) -> None:
    seated(world)
    response = signed_in(world.org.per).post(
        attendance_url(world.session), {"employee": person("1005").pk, "status": "attended"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/oppmote/#deltaker-{person('1005').pk}")
    assert Enrolment.objects.get(employee=person("1005")).status == "attended"


def test_it_refuses_attendance_for_someone_without_a_seat(world: World) -> None:
    seated(world)
    per = signed_in(world.org.per)
    expected = (
        "Ørjan Sæther (1003) hadde ikke plass i denne kursøkten. Meld dem på først, og "
        "registrer oppmøtet på nytt."
    )
    response = per.post(
        attendance_url(world.session), {"employee": person("1003").pk, "status": "attended"}
    )
    assert response.status_code == 409 and expected in response.content.decode()
    row = page(
        per.post(
            attendance_url(world.session),
            {"employee": person("1003").pk, "status": "attended"},
            headers={"HX-Request": "true"},
        )
    )
    assert expected in row and 'role="alert"' in row
    assert Enrolment.objects.get(employee=person("1003")).status == "waitlisted"


def test_an_employee_cannot_register_attendance(world: World) -> None:
    seated(world)
    nils = signed_in(world.org.nils)
    assert nils.get(attendance_url(world.session)).status_code == 403
    response = nils.post(
        attendance_url(world.session), {"employee": person("1005").pk, "status": "attended"}
    )
    assert response.status_code == 403
    assert Enrolment.objects.get(employee=person("1005")).status == "enrolled"


def test_a_trainer_opens_only_the_attendance_pages_of_his_own_sessions(world: World) -> None:
    enrol(world.org.nils, world.other)
    per = signed_in(world.org.per)
    assert per.get(attendance_url(world.session)).status_code == 200
    assert per.get(attendance_url(world.other)).status_code == 403
    response = per.post(
        attendance_url(world.other), {"employee": person("1005").pk, "status": "attended"}
    )
    assert response.status_code == 403
    assert Enrolment.objects.get().status == "enrolled"


def test_the_programme_lead_registers_attendance_in_any_session(world: World) -> None:
    enrol(world.org.nils, world.other)
    response = signed_in(world.org.kari).post(
        attendance_url(world.other), {"employee": person("1005").pk, "status": "attended"}
    )
    assert response.status_code == 302
    assert Enrolment.objects.get().status == "attended"


def test_the_trainer_sees_everyone_in_his_session_and_the_attendance_link(world: World) -> None:
    seated(world)
    html = page(signed_in(world.org.per).get(f"/opplaering/okter/{world.session.pk}/"))
    assert "Nils Berg" in html and "Fatima Ahmed" in html and "Ørjan Sæther" in html
    assert attendance_url(world.session) in html


# --- My courses and the calendar file -----------------------------------------------------------


def test_my_courses_shows_seats_waiting_list_positions_and_the_record(world: World) -> None:
    enrol(world.orjan, world.other)
    enrol(world.org.nils, world.session)
    enrol(world.fatima, world.session)
    enrol(world.orjan, world.session)  # waiting list, number 1
    past = timezone.now() - dt.timedelta(days=30)
    done = Session.objects.create(
        code="OKT-0",
        course=world.course,
        starts_at=past,
        ends_at=past + dt.timedelta(hours=2),
        location="Moss rådhus",
    )
    Enrolment.objects.create(
        session=done, employee=person("1003"), enrolled_on=past.date(), status="attended"
    )
    html = page(signed_in(world.orjan).get("/opplaering/mine/"))
    coming = html[html.index('id="coming"') : html.index('id="waiting"')]
    assert "Rygge rådhus" in coming and "/kalender.ics" in coming
    waiting = html[html.index('id="waiting"') : html.index('id="record"')]
    assert "Nummer 1 på ventelisten" in waiting
    record = html[html.index('id="record"') :]
    assert "Teams grunnkurs" in record and f"{timezone.localtime(past):%d.%m.%Y}" in record


def test_my_courses_explains_a_sign_in_without_an_employee(world: World) -> None:
    html = page(signed_in(world.org.dina).get("/opplaering/mine/"))
    assert "ikke knyttet til en ansatt" in html


def test_the_employee_downloads_the_calendar_file_of_his_own_enrolment(world: World) -> None:
    enrol(world.org.nils, world.session)
    nils = Enrolment.objects.get()
    response = signed_in(world.org.nils).get(f"/opplaering/pameldinger/{nils.pk}/kalender.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8; method=REQUEST"
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\n")
    assert b"UID:veikart-enrolment-" in response.content
    # Someone else's enrolment is not found, even for the programme lead.
    assert (
        signed_in(world.org.kari).get(f"/opplaering/pameldinger/{nils.pk}/kalender.ics").status_code
        == 404
    )
