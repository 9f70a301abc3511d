"""Cancelling a whole session, and the trainer's own calendar entry: Per the trainer (or Kari the
programme lead) cancels with a reason; everyone enrolled or waiting is told, those with a seat and
the trainer get the calendar cancellation (same UID, next SEQUENCE); nobody enrols in it or
registers attendance for it any more. The trainer gets the invitation when assigned, an update
when the session moves, and a cancellation when it is taken from him."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from tests.trainings.web import (
    OSLO,
    World,
    calendar_text,
    enrol,
    next_week,
    person,
    session_data,
    signed_in,
)
from veikart.core.models import AuditEvent
from veikart.trainings.models import Enrolment, Session

NILS, FATIMA, ORJAN = (
    "nils.berg@moss.kommune.no",
    "fatima.ahmed@moss.kommune.no",
    "orjan.saether@moss.kommune.no",
)
PER = "per.pettersen@moss.kommune.no"


def english(user: Any) -> Client:
    """A signed-in client asking for English: the messages here are new, not yet translated."""
    client = signed_in(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def field(text: str, name: str) -> str:
    found = re.search(rf"^{name}[:;](.*)$", text.replace("\r\n ", ""), re.MULTILINE)
    assert found, f"no {name} in {text}"
    return found.group(1).strip()


def to(sent: list[Any], address: str) -> list[Any]:
    return [m for m in sent if m.to == [address]]


@pytest.fixture
def full(world: World, sent: list[Any]) -> World:
    """Nils and Fatima have the two seats of Per's session; Ørjan waits."""
    for user in (world.org.nils, world.fatima, world.orjan):
        enrol(user, world.session)
    return world


def cancel(user: Any, session: Session, reason: str = "Kursholder er syk.") -> Any:
    return english(user).post(f"/opplaering/okter/{session.pk}/avlys/", {"reason": reason})


def test_the_trainer_cancels_and_everyone_is_told_with_the_reason(
    full: World,
    sent: list[Any],
) -> None:
    invitation = calendar_text(to(sent, NILS)[0])
    sent.clear()
    response = cancel(full.org.per, full.session)
    assert response.status_code == 302
    full.session.refresh_from_db()
    assert full.session.cancelled_at is not None
    assert full.session.cancellation_reason == "Kursholder er syk."
    assert set(Enrolment.objects.values_list("status", "position")) == {("cancelled", None)}
    assert {m.to[0] for m in sent} == {NILS, FATIMA, ORJAN, PER}
    assert all("Kursholder er syk." in m.body for m in sent)
    # Those with a seat: the same calendar entry, cancelled, with the next SEQUENCE.
    for address in (NILS, FATIMA):
        (message,) = to(sent, address)
        text = calendar_text(message)
        assert field(text, "METHOD") == "CANCEL" and field(text, "STATUS") == "CANCELLED"
        if address == NILS:
            assert field(text, "UID") == field(invitation, "UID")
            assert int(field(text, "SEQUENCE")) == int(field(invitation, "SEQUENCE")) + 1
    # Ørjan never had it in his calendar: an e-mail without a calendar file.
    (waiting,) = to(sent, ORJAN)
    assert waiting.attachments == []
    # The trainer: his own entry, cancelled; he is its chair.
    trainer_text = calendar_text(to(sent, PER)[0])
    assert field(trainer_text, "METHOD") == "CANCEL" and "ROLE=CHAIR" in trainer_text
    event = AuditEvent.objects.get(action="training.session.cancel")
    assert event.actor == full.org.per and event.detail["had_seat"] == 2
    assert event.detail["waiting"] == 1


def test_a_reason_is_required_and_nothing_changes_without_one(
    full: World,
    sent: list[Any],
) -> None:
    sent.clear()
    response = cancel(full.org.per, full.session, reason="   ")
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    full.session.refresh_from_db()
    assert full.session.cancelled_at is None and sent == []
    assert Enrolment.objects.filter(status="cancelled").count() == 0


def test_only_the_trainer_of_the_session_or_the_programme_lead_may_cancel(full: World) -> None:
    for user in (full.org.nils, full.org.ola, full.org.ida):
        assert cancel(user, full.session).status_code == 403
    # Per does not run the other session; Kari may cancel any.
    assert cancel(full.org.per, full.other).status_code == 403
    assert cancel(full.org.kari, full.other).status_code == 302
    assert Session.objects.get(pk=full.session.pk).cancelled_at is None


def test_a_cancelled_session_takes_no_enrolments_attendance_or_changes(full: World) -> None:
    cancel(full.org.per, full.session)
    session_url = f"/opplaering/okter/{full.session.pk}/"
    response = english(full.org.nils).post(f"{session_url}pamelding/", follow=True)
    (message,) = [str(m) for m in response.context["messages"]]
    assert "is cancelled (Kursholder er syk.)" in message
    assert not Enrolment.objects.filter(status__in=["enrolled", "waitlisted"]).exists()
    html = english(full.org.nils).get(session_url).content.decode()
    assert 'id="cancelled"' in html and 'id="enrol-me"' not in html
    per = english(full.org.per)
    refused = per.post(
        f"{session_url}oppmote/", {"employee": person("1005").pk, "status": "attended"}
    )
    assert refused.status_code == 409
    assert "cancelled" in refused.context["error"]
    data = session_data(full.session.starts_at.astimezone(OSLO), trainer=person("1009").pk)
    edited = per.post(f"{session_url}endre/", data)
    assert edited.status_code == 400 and "is cancelled" in str(edited.context["form"].errors)
    # Cancelling again is refused with a message.
    again = cancel(full.org.per, full.session)
    assert again.status_code == 400 and "already cancelled" in again.context["error"]


def test_a_cancelled_session_shows_as_cancelled_and_leaves_the_catalogue(full: World) -> None:
    cancel(full.org.per, full.session)
    nils = signed_in(full.org.nils)
    course = nils.get(f"/opplaering/kurs/{full.course.pk}/").content.decode()
    assert f'id="okt-{full.session.pk}"' in course and "Kursholder er syk." in course
    catalogue = nils.get("/opplaering/").content.decode()
    assert f"/opplaering/okter/{full.session.pk}/" not in catalogue
    assert f"/opplaering/okter/{full.other.pk}/" in catalogue


def test_a_session_that_has_started_cannot_be_cancelled(full: World) -> None:
    Session.objects.filter(pk=full.session.pk).update(
        starts_at=next_week(days=-1), ends_at=next_week(days=-1, hour=11)
    )
    response = cancel(full.org.per, full.session)
    assert (
        response.status_code == 400 and "Register attendance instead" in response.context["error"]
    )
    assert Session.objects.get(pk=full.session.pk).cancelled_at is None


# --- The trainer's calendar ----------------------------------------------------------------------


def test_the_trainer_is_invited_updated_and_released_with_one_growing_sequence(
    world: World,
    sent: list[Any],
) -> None:
    kari = signed_in(world.org.kari)
    start = next_week(days=14)
    kari.post(
        f"/opplaering/kurs/{world.course.pk}/okter/ny/",
        session_data(start, trainer=person("1009").pk),
    )
    session = Session.objects.get(starts_at=start)
    (invited,) = to(sent, PER)
    text = calendar_text(invited)
    uid = field(text, "UID")
    assert field(text, "METHOD") == "REQUEST" and field(text, "SEQUENCE") == "0"
    assert "ROLE=CHAIR" in text and f"trainer-{person('1009').pk}" in uid
    # Moved two hours later: the same entry, updated.
    sent.clear()
    kari.post(
        f"/opplaering/okter/{session.pk}/endre/",
        session_data(start + dt.timedelta(hours=2), trainer=person("1009").pk),
    )
    (moved,) = to(sent, PER)
    text = calendar_text(moved)
    assert (field(text, "METHOD"), field(text, "UID"), field(text, "SEQUENCE")) == (
        "REQUEST",
        uid,
        "1",
    )
    # Kari takes the session over: Per's entry is cancelled, Kari gets her own.
    sent.clear()
    kari.post(
        f"/opplaering/okter/{session.pk}/endre/",
        session_data(start + dt.timedelta(hours=2), trainer=person("1001").pk),
    )
    released = calendar_text(to(sent, PER)[0])
    assert (field(released, "METHOD"), field(released, "UID")) == ("CANCEL", uid)
    assert field(released, "SEQUENCE") == "2"
    taken = calendar_text(to(sent, "kari.nordmann@moss.kommune.no")[0])
    assert field(taken, "METHOD") == "REQUEST" and field(taken, "UID") != uid


def test_a_change_that_does_not_move_the_session_sends_the_trainer_nothing(
    world: World,
    sent: list[Any],
) -> None:
    data = session_data(
        world.session.starts_at.astimezone(OSLO),
        trainer=person("1009").pk,
        location=world.session.location,
        capacity="5",
    )
    response = signed_in(world.org.per).post(f"/opplaering/okter/{world.session.pk}/endre/", data)
    assert response.status_code == 302 and sent == []


def test_the_trainer_downloads_the_session_for_his_calendar(world: World) -> None:
    url = f"/opplaering/okter/{world.session.pk}/kalender.ics"
    page = signed_in(world.org.per).get(f"/opplaering/okter/{world.session.pk}/").content.decode()
    assert 'id="trainer-calendar"' in page
    response = signed_in(world.org.per).get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert "METHOD:REQUEST" in text and "ROLE=CHAIR" in text
    assert signed_in(world.org.nils).get(url).status_code == 404
    assert signed_in(world.org.kari).get(url).status_code == 404
