"""iCalendar (RFC 5545) invitations for one person and one session, written by hand.

An invitation is an iTIP message (RFC 5546): ``METHOD:REQUEST`` to put the session in the
participant's calendar or move it, ``METHOD:CANCEL`` to take it out again. Calendar programs match
the messages on ``UID`` and apply them in ``SEQUENCE`` order, so the UID stays the same for an
enrolment for ever and every new message carries a higher SEQUENCE than the one before.

The format rules kept here: lines end in CRLF; a line longer than 75 octets is folded (CRLF and
one space) without splitting a UTF-8 character; text values escape backslash, semicolon, comma
and newline; times are written in UTC (``20191003T070000Z``) so that no VTIMEZONE is needed;
parameter values (the names) are quoted.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

Method = Literal["REQUEST", "CANCEL"]

MAX_LINE_OCTETS = 75
PRODID = "-//Veikart//Veikart training//NB"
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class Invitation:
    """One session in one person's calendar. Times must be timezone-aware."""

    uid: str
    sequence: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    stamp: dt.datetime
    summary: str
    description: str
    location: str
    organizer: Person
    attendee: Person
    # REQ-PARTICIPANT for a participant; CHAIR for the trainer who runs the session.
    attendee_role: Literal["REQ-PARTICIPANT", "CHAIR"] = "REQ-PARTICIPANT"

    def __post_init__(self) -> None:
        for value in (self.starts_at, self.ends_at, self.stamp):
            if value.utcoffset() is None:
                raise ValueError("invitation times must be timezone-aware")
        if self.sequence < 0:
            raise ValueError("SEQUENCE cannot be negative")
        if self.ends_at < self.starts_at:
            raise ValueError("an event cannot end before it starts")


def render(invitation: Invitation, method: Method) -> bytes:
    """The invitation as an .ics file (UTF-8, CRLF line ends, folded)."""
    cancelled = method == "CANCEL"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{_text(invitation.uid)}",
        f"SEQUENCE:{invitation.sequence}",
        f"DTSTAMP:{utc(invitation.stamp)}",
        f"DTSTART:{utc(invitation.starts_at)}",
        f"DTEND:{utc(invitation.ends_at)}",
        f"SUMMARY:{_text(invitation.summary)}",
    ]
    if invitation.description:
        lines.append(f"DESCRIPTION:{_text(invitation.description)}")
    if invitation.location:
        lines.append(f"LOCATION:{_text(invitation.location)}")
    if _is_link(invitation.location):
        lines.append(f"URL:{invitation.location.strip()}")
    lines += [
        f"ORGANIZER;CN={_param(invitation.organizer.name)}:mailto:{invitation.organizer.email}",
        "ATTENDEE;CN={name};CUTYPE=INDIVIDUAL;ROLE={role};PARTSTAT={state};"
        "RSVP=FALSE:mailto:{email}".format(
            name=_param(invitation.attendee.name),
            role=invitation.attendee_role,
            state="DECLINED" if cancelled else "ACCEPTED",
            email=invitation.attendee.email,
        ),
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        f"TRANSP:{'TRANSPARENT' if cancelled else 'OPAQUE'}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return b"".join(fold(line) + b"\r\n" for line in lines)


def utc(value: dt.datetime) -> str:
    """A DATE-TIME in UTC form (RFC 5545, 3.3.5, form #2)."""
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> bytes:
    """``line`` as UTF-8, folded so that no physical line exceeds 75 octets (RFC 5545, 3.1)."""
    chunks: list[bytes] = []
    current = b""
    limit = MAX_LINE_OCTETS
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > limit:
            chunks.append(current)
            current = b""
            limit = MAX_LINE_OCTETS - 1  # the continuation line's leading space counts
        current += encoded
    chunks.append(current)
    return b"\r\n ".join(chunks)


def _text(value: str) -> str:
    """Escape a TEXT value (RFC 5545, 3.3.11); other control characters are dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _CONTROL.sub("", value.replace("\n", "\\n"))


def _param(value: str) -> str:
    """A quoted parameter value: DQUOTE and control characters cannot appear in one."""
    return '"' + _CONTROL.sub("", value.replace('"', "'").replace("\t", " ")) + '"'


def _is_link(value: str) -> bool:
    value = value.strip()
    return value.startswith("https://") and not any(c.isspace() for c in value)
