"""The .ics invitations, read back with a small parser written here from RFC 5545 — not with the
generator's own code — so that a mistake in one cannot hide in the other."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from tests.conftest import Org
from tests.trainings.conftest import OSLO
from veikart.organisations.models import Employee
from veikart.trainings import ics
from veikart.trainings.models import Course, Enrolment, Session
from veikart.trainings.services import cancel, sign_up

# --- An independent reader ----------------------------------------------------------------------


@dataclass
class Property:
    name: str
    params: dict[str, str]
    value: str


@dataclass
class Calendar:
    properties: list[Property] = field(default_factory=list)
    event: list[Property] = field(default_factory=list)

    def one(self, name: str, *, event: bool = True) -> Property:
        found = [p for p in (self.event if event else self.properties) if p.name == name]
        assert len(found) == 1, f"{name}: {found}"
        return found[0]


def physical_lines(data: bytes) -> list[bytes]:
    """The lines as sent: every one ends in CRLF, none holds a bare CR or LF, none > 75 octets."""
    assert data.endswith(b"\r\n"), "the last line must end in CRLF"
    lines = data[:-2].split(b"\r\n")
    for line in lines:
        assert b"\n" not in line and b"\r" not in line, f"bare line break in {line!r}"
        assert len(line) <= 75, f"{len(line)} octets: {line!r}"
        line.decode("utf-8")  # a fold never splits a character
    return lines


def unfold(data: bytes) -> list[str]:
    logical: list[bytes] = []
    for line in physical_lines(data):
        if line[:1] in (b" ", b"\t"):
            assert logical, "a continuation line cannot come first"
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return [line.decode("utf-8") for line in logical]


def split_outside_quotes(text: str, separator: str, limit: int = -1) -> list[str]:
    parts, current, quoted = [], "", False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted and limit != 0:
            parts.append(current)
            current = ""
            limit -= 1
            continue
        current += char
    parts.append(current)
    return parts


def parse_property(line: str) -> Property:
    head, value = split_outside_quotes(line, ":", limit=1)
    name, *raw_params = split_outside_quotes(head, ";")
    params = {}
    for raw in raw_params:
        key, _, param = raw.partition("=")
        if param.startswith('"'):
            assert param.endswith('"') and '"' not in param[1:-1]
        params[key.upper()] = param
    return Property(name.upper(), params, value)


def unescape(text: str) -> str:
    out, chars = "", iter(text)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out += {"n": "\n", "N": "\n"}.get(following, following)
            assert following in "nN\\;,", f"unknown escape \\{following}"
        else:
            assert char not in ";,", f"unescaped {char!r} in a text value: {text!r}"
            out += char
    return out


def parse(data: bytes) -> Calendar:
    lines = unfold(data)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    calendar, inside = Calendar(), False
    for line in lines[1:-1]:
        if line == "BEGIN:VEVENT":
            inside = True
        elif line == "END:VEVENT":
            inside = False
        else:
            (calendar.event if inside else calendar.properties).append(parse_property(line))
    return calendar


def utc_time(value: str) -> dt.datetime:
    assert len(value) == 16 and value.endswith("Z"), f"not a UTC DATE-TIME: {value}"
    return dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)


# --- The generator ------------------------------------------------------------------------------

LONG = (
    "Vi går gjennom chat, kanaler, filer og møter i Teams; ta med PC, mobil og "
    "påloggingsinformasjon. Øvelsene bygger på hverdagen i Moss og Rygge kommune: "
    'møtereferater, vaktlister og «Hvem har siste versjon?» — med C:\\Temp som "dårlig" eksempel.'
    "\nAndre linje."
)


def invitation(**changes: Any) -> ics.Invitation:
    start = dt.datetime(2019, 10, 3, 9, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    values: dict[str, Any] = {
        "uid": "veikart-enrolment-7-session-3@veikart.moss.kommune.no",
        "sequence": 2,
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=2),
        "stamp": dt.datetime(2019, 9, 1, 12, 0, tzinfo=dt.UTC),
        "summary": "Teams grunnkurs, del 1; for ledere",
        "description": LONG,
        "location": "Moss rådhus, møterom «Jeløy»",
        "organizer": ics.Person("Veikart opplæring", "veikart@moss.kommune.no"),
        "attendee": ics.Person('Ørjan "Ørn" Sæther; Jr.', "orjan.saether@moss.kommune.no"),
    }
    values.update(changes)
    return ics.Invitation(**values)


def test_lines_end_in_crlf_and_long_ones_are_folded_at_75_octets() -> None:
    data = ics.render(invitation(), "REQUEST")
    lines = physical_lines(data)
    assert any(len(line) == 75 for line in lines)  # folding happened, right at the limit
    assert sum(line.startswith(b" ") for line in lines) >= 3
    assert unescape(parse(data).one("DESCRIPTION").value) == LONG


def test_folding_never_splits_a_multi_byte_character() -> None:
    for offset in range(4):  # shift the fold point across the two-octet letters
        text = "x" * offset + "æøå" * 60
        data = ics.render(invitation(summary=text), "REQUEST")
        assert unescape(parse(data).one("SUMMARY").value) == text


def test_text_values_are_escaped() -> None:
    data = ics.render(invitation(), "REQUEST")
    calendar = parse(data)
    assert calendar.one("SUMMARY").value == "Teams grunnkurs\\, del 1\\; for ledere"
    assert unescape(calendar.one("LOCATION").value) == "Moss rådhus, møterom «Jeløy»"
    assert "C:\\\\Temp" in calendar.one("DESCRIPTION").value
    assert calendar.one("DESCRIPTION").value.endswith("\\nAndre linje.")


def test_times_are_written_in_utc() -> None:
    calendar = parse(ics.render(invitation(), "REQUEST"))
    # 09:00 in Oslo on 3 October 2019 is summer time (UTC+2).
    assert calendar.one("DTSTART").value == "20191003T070000Z"
    assert calendar.one("DTEND").value == "20191003T090000Z"
    assert calendar.one("DTSTAMP").value == "20190901T120000Z"
    winter = dt.datetime(2019, 12, 3, 9, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    calendar = parse(
        ics.render(invitation(starts_at=winter, ends_at=winter + dt.timedelta(hours=1)), "REQUEST")
    )
    assert utc_time(calendar.one("DTSTART").value) == winter


def test_a_request_and_a_cancel_carry_method_status_uid_and_sequence() -> None:
    request = parse(ics.render(invitation(sequence=0), "REQUEST"))
    cancelled = parse(ics.render(invitation(sequence=1), "CANCEL"))
    assert request.one("METHOD", event=False).value == "REQUEST"
    assert cancelled.one("METHOD", event=False).value == "CANCEL"
    assert request.one("VERSION", event=False).value == "2.0"
    assert request.one("PRODID", event=False).value
    assert request.one("STATUS").value == "CONFIRMED"
    assert cancelled.one("STATUS").value == "CANCELLED"
    assert request.one("UID").value == cancelled.one("UID").value
    assert int(cancelled.one("SEQUENCE").value) > int(request.one("SEQUENCE").value)


def test_names_are_quoted_parameters_and_addresses_mailto() -> None:
    calendar = parse(ics.render(invitation(), "REQUEST"))
    attendee = calendar.one("ATTENDEE")
    assert attendee.value == "mailto:orjan.saether@moss.kommune.no"
    assert attendee.params["CN"] == "\"Ørjan 'Ørn' Sæther; Jr.\""
    assert calendar.one("ORGANIZER").value == "mailto:veikart@moss.kommune.no"


def test_a_teams_link_is_also_the_url() -> None:
    link = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0?context=%7b%7d"
    calendar = parse(ics.render(invitation(location=link), "REQUEST"))
    assert calendar.one("URL").value == link
    assert unescape(calendar.one("LOCATION").value) == link


def test_it_refuses_times_without_a_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        invitation(starts_at=dt.datetime(2019, 10, 3, 9, 0))  # noqa: DTZ001


# --- Through enrolment, e-mail and download -----------------------------------------------------


def calendar_of(message: Any) -> Calendar:
    (part,) = [a for a in message.attachments if isinstance(a, Message)]
    assert part.get_content_type() == "text/calendar"
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return parse(payload)


@pytest.fixture
def session(org: Org) -> Session:
    course = Course.objects.create(code="TEAMS-GK", title="Teams grunnkurs", duration_minutes=120)
    day = timezone.now().astimezone(OSLO).date() + dt.timedelta(days=10)
    start = dt.datetime(day.year, day.month, day.day, 9, tzinfo=OSLO)
    return Session.objects.create(
        code="OKT-1",
        course=course,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        location="Moss rådhus",
        capacity=1,
    )


def test_the_uid_stays_and_the_sequence_rises_through_enrol_cancel_and_enrol_again(
    session: Session,
) -> None:
    nils = Employee.objects.get(employee_number="1005")
    now = timezone.now()
    with TestCase.captureOnCommitCallbacks(execute=True):
        sign_up(session, nils, now=now)
    with TestCase.captureOnCommitCallbacks(execute=True):
        cancel(Enrolment.objects.get(), now=now)
    with TestCase.captureOnCommitCallbacks(execute=True):
        sign_up(session, nils, now=now)
    first, cancelled, again = (calendar_of(m) for m in mail.outbox)
    assert [c.one("METHOD", event=False).value for c in (first, cancelled, again)] == [
        "REQUEST",
        "CANCEL",
        "REQUEST",
    ]
    assert len({c.one("UID").value for c in (first, cancelled, again)}) == 1
    assert [int(c.one("SEQUENCE").value) for c in (first, cancelled, again)] == [0, 1, 2]
    assert utc_time(first.one("DTSTART").value) == session.starts_at
    assert first.one("ATTENDEE").value == "mailto:nils.berg@moss.kommune.no"


def test_the_waiting_list_gets_no_calendar_entry_until_promoted(session: Session) -> None:
    nils, fatima = (Employee.objects.get(employee_number=n) for n in ("1005", "1006"))
    now = timezone.now()
    with TestCase.captureOnCommitCallbacks(execute=True):
        sign_up(session, nils, now=now)
        sign_up(session, fatima, now=now)
    assert [len([a for a in m.attachments if isinstance(a, Message)]) for m in mail.outbox] == [
        1,
        0,
    ]
    with TestCase.captureOnCommitCallbacks(execute=True):
        cancel(Enrolment.objects.get(employee=nils), now=now)
    promoted = calendar_of(mail.outbox[-1])
    assert mail.outbox[-1].to == ["fatima.ahmed@moss.kommune.no"]
    assert promoted.one("METHOD", event=False).value == "REQUEST"
    assert promoted.one("SEQUENCE").value == "0"
