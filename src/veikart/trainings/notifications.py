"""E-mails to participants: invitations and updates with an .ics file, waiting-list notices,
cancellations and reminders, sent with Django's mail (the console backend in development).

The services schedule these after their transaction commits (``transaction.on_commit``), so a
rolled-back enrolment sends nothing, and a mail server that is down never undoes an enrolment:
the failure is logged. E-mails are written in the organisation's language (``LANGUAGE_CODE``),
not in the language of whoever caused them.
"""

from __future__ import annotations

import datetime as dt
import logging
from email import encoders
from email.mime.base import MIMEBase
from typing import Literal

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from veikart.organisations.models import Employee
from veikart.organisations.selectors import get_organisation
from veikart.trainings import ics
from veikart.trainings.constants import CANCELLATION_DEADLINE
from veikart.trainings.models import Enrolment, Session

logger = logging.getLogger(__name__)

Kind = Literal[
    "enrolled",
    "waitlisted",
    "promoted",
    "changed",
    "cancelled",
    "left_waitlist",
    "reminder",
    "session_cancelled",  # the whole session is cancelled: had a seat
    "session_cancelled_waiting",  # the whole session is cancelled: was on the waiting list
]
# The kinds that put the session in (or take it out of) the participant's calendar. Someone on
# the waiting list never had the session in their calendar, so gets no calendar file.
_CALENDAR: dict[Kind, ics.Method] = {
    "enrolled": "REQUEST",
    "promoted": "REQUEST",
    "changed": "REQUEST",
    "cancelled": "CANCEL",
    "session_cancelled": "CANCEL",
}

# What the trainer of a session is told: the session put in their calendar (assigned), moved
# (changed), taken out of it because someone else runs it now (unassigned) or it is cancelled.
TrainerKind = Literal["assigned", "changed", "unassigned", "cancelled"]
_TRAINER_CALENDAR: dict[TrainerKind, ics.Method] = {
    "assigned": "REQUEST",
    "changed": "REQUEST",
    "unassigned": "CANCEL",
    "cancelled": "CANCEL",
}


def address(employee: Employee) -> str:
    """Where e-mail to ``employee`` goes: the e-mail address, else the sign-in name (UPN)."""
    return employee.email or employee.upn


def uid(enrolment: Enrolment) -> str:
    """The calendar UID of an enrolment: the same for every message about it, for ever.

    Built from what never changes (the ids, and the organisation number, which tells one
    installation from another) rather than from the host name, which an operator may change.
    """
    return f"veikart-enrolment-{enrolment.pk}-session-{enrolment.session_id}@{_owner()}"


def trainer_uid(session: Session, trainer: Employee) -> str:
    """The calendar UID of a session in its trainer's calendar (one per trainer and session)."""
    return f"veikart-session-{session.pk}-trainer-{trainer.pk}@{_owner()}"


def _owner() -> str:
    organisation = get_organisation()
    owner = (organisation.org_number or str(organisation.pk)) if organisation else "0"
    return f"org-{owner}.veikart"


def next_sequence(enrolment: Enrolment) -> int:
    """Take the SEQUENCE for a new calendar message about ``enrolment`` (0, then 1, 2, …)."""
    Enrolment.objects.filter(pk=enrolment.pk).update(
        calendar_sequence=Coalesce(F("calendar_sequence") + 1, Value(0))
    )
    enrolment.refresh_from_db(fields=["calendar_sequence"])
    assert enrolment.calendar_sequence is not None
    return enrolment.calendar_sequence


def current_sequence(enrolment: Enrolment) -> int:
    """The SEQUENCE of the last message, for a download; 0 is taken if none was sent yet."""
    if enrolment.calendar_sequence is None:
        Enrolment.objects.filter(pk=enrolment.pk, calendar_sequence__isnull=True).update(
            calendar_sequence=0
        )
        enrolment.refresh_from_db(fields=["calendar_sequence"])
    assert enrolment.calendar_sequence is not None
    return enrolment.calendar_sequence


def next_trainer_sequence(session: Session) -> int:
    """Take the SEQUENCE for a new calendar message to a trainer of ``session``."""
    Session.objects.filter(pk=session.pk).update(
        trainer_calendar_sequence=Coalesce(F("trainer_calendar_sequence") + 1, Value(0))
    )
    session.refresh_from_db(fields=["trainer_calendar_sequence"])
    assert session.trainer_calendar_sequence is not None
    return session.trainer_calendar_sequence


def current_trainer_sequence(session: Session) -> int:
    """The SEQUENCE of the last message to the trainer, for a download (0 if none yet)."""
    if session.trainer_calendar_sequence is None:
        Session.objects.filter(pk=session.pk, trainer_calendar_sequence__isnull=True).update(
            trainer_calendar_sequence=0
        )
        session.refresh_from_db(fields=["trainer_calendar_sequence"])
    assert session.trainer_calendar_sequence is not None
    return session.trainer_calendar_sequence


def trainer_calendar_file(
    session: Session, trainer: Employee, method: ics.Method, *, sequence: int
) -> bytes:
    """The session in its trainer's calendar: the trainer is its chair."""
    with translation.override(settings.LANGUAGE_CODE):
        invitation = ics.Invitation(
            uid=trainer_uid(session, trainer),
            sequence=sequence,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            stamp=timezone.now(),
            summary=_("Trainer: %(course)s") % {"course": session.course.title},
            description=session.course.description.strip(),
            location=session.location,
            organizer=ics.Person(_("Veikart training"), _sender_address()),
            attendee=ics.Person(trainer.full_name, address(trainer)),
            attendee_role="CHAIR",
        )
    return ics.render(invitation, method)


def send_to_trainer(session_id: int, trainer_id: int, kind: TrainerKind) -> None:
    """Send the ``kind`` e-mail to a session's (former) trainer; failures are logged."""
    try:
        session = Session.objects.select_related("course", "trainer").get(pk=session_id)
        trainer = Employee.objects.get(pk=trainer_id)
        trainer_message(session, trainer, kind).send()
    except Exception:
        logger.exception(
            "Could not send the %s e-mail to trainer %s of session %s", kind, trainer_id, session_id
        )


def trainer_message(session: Session, trainer: Employee, kind: TrainerKind) -> EmailMessage:
    """The e-mail of ``kind`` to ``trainer``, with the calendar file; takes the next SEQUENCE."""
    values = {"course": session.course.title, "when": _when(session.starts_at)}
    with translation.override(settings.LANGUAGE_CODE):
        if kind == "assigned":
            subject = _("You run: %(course)s, %(when)s") % values
            lead = (
                _(
                    "You are the trainer of this session of %(course)s. The invitation for your "
                    "calendar is attached; the participant list and attendance are in Veikart."
                )
                % values
            )
        elif kind == "changed":
            subject = _("Changed: %(course)s, %(when)s") % values
            lead = (
                _(
                    "The session of %(course)s you run has changed. The updated invitation is "
                    "attached; the participants were sent it too."
                )
                % values
            )
        elif kind == "unassigned":
            subject = _("No longer yours: %(course)s, %(when)s") % values
            lead = (
                _(
                    "You no longer run this session of %(course)s. The attached cancellation "
                    "removes it from your calendar."
                )
                % values
            )
        else:
            subject = _("Cancelled: %(course)s, %(when)s") % values
            lead = _(
                "The session of %(course)s you were to run is cancelled. Reason: %(reason)s. "
                "The participants were told; the attached cancellation removes the session "
                "from your calendar."
            ) % {**values, "reason": session.cancellation_reason}
        parts = [
            _("Hello %(name)s,") % {"name": trainer.given_name},
            lead,
            _details(session),
            _("Best regards,\nVeikart"),
        ]
    email = EmailMessage(
        subject=subject,
        body="\n\n".join(parts) + "\n",
        from_email=_sender_address(),
        to=[address(trainer)],
    )
    method = _TRAINER_CALENDAR[kind]
    data = trainer_calendar_file(session, trainer, method, sequence=next_trainer_sequence(session))
    email.attach(attachment(data, method))
    return email


def calendar_file(enrolment: Enrolment, method: ics.Method, *, sequence: int) -> bytes:
    session = enrolment.session
    with translation.override(settings.LANGUAGE_CODE):
        invitation = ics.Invitation(
            uid=uid(enrolment),
            sequence=sequence,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            stamp=timezone.now(),
            summary=session.course.title,
            description=_description(session),
            location=session.location,
            organizer=ics.Person(_("Veikart training"), _sender_address()),
            attendee=ics.Person(enrolment.employee.full_name, address(enrolment.employee)),
        )
    return ics.render(invitation, method)


def send(enrolment_id: int, kind: Kind) -> None:
    """Send the ``kind`` e-mail about an enrolment; failures are logged, never raised."""
    try:
        enrolment = Enrolment.objects.select_related(
            "session__course", "session__trainer", "employee"
        ).get(pk=enrolment_id)
        message(enrolment, kind).send()
    except Exception:
        logger.exception("Could not send the %s e-mail for enrolment %s", kind, enrolment_id)


def message(enrolment: Enrolment, kind: Kind) -> EmailMessage:
    """The e-mail of ``kind`` about ``enrolment``; calendar kinds take the next SEQUENCE."""
    with translation.override(settings.LANGUAGE_CODE):
        subject, lead = _texts(enrolment, kind)
        parts = [
            _("Hello %(name)s,") % {"name": enrolment.employee.given_name},
            lead,
            _details(enrolment.session),
        ]
        if kind in ("enrolled", "promoted", "changed", "reminder"):
            parts.append(
                _(
                    "If you cannot come, cancel in Veikart under My courses by %(deadline)s, so "
                    "that the next person on the waiting list gets the seat."
                )
                % {"deadline": _when(enrolment.session.starts_at - CANCELLATION_DEADLINE)}
            )
        parts.append(_("Best regards,\nVeikart"))
    email = EmailMessage(
        subject=subject,
        body="\n\n".join(parts) + "\n",
        from_email=_sender_address(),
        to=[address(enrolment.employee)],
    )
    method = _CALENDAR.get(kind)
    if method is not None:
        data = calendar_file(enrolment, method, sequence=next_sequence(enrolment))
        email.attach(attachment(data, method))
    return email


def attachment(data: bytes, method: ics.Method) -> MIMEBase:
    """The .ics as a ``text/calendar`` part with its iTIP method, base64 so CRLF survives."""
    part = MIMEBase("text", "calendar", method=method, charset="utf-8", name="invitasjon.ics")
    part.set_payload(data)
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename="invitasjon.ics")
    return part


def _texts(enrolment: Enrolment, kind: Kind) -> tuple[str, str]:
    session = enrolment.session
    values = {"course": session.course.title, "when": _when(session.starts_at)}
    if kind == "enrolled":
        return (
            _("Enrolled: %(course)s, %(when)s") % values,
            _("You have a seat in %(course)s. The invitation for your calendar is attached.")
            % values,
        )
    if kind == "waitlisted":
        return (
            _("Waiting list: %(course)s, %(when)s") % values,
            _(
                "The session is full. You are number %(position)d on the waiting list. If a seat "
                "becomes free, you get it automatically and receive an invitation by e-mail."
            )
            % {"position": enrolment.position or 0},
        )
    if kind == "promoted":
        return (
            _("You got a seat: %(course)s, %(when)s") % values,
            _(
                "A seat became free and you were first on the waiting list: you now have a seat "
                "in %(course)s. The invitation for your calendar is attached."
            )
            % values,
        )
    if kind == "changed":
        return (
            _("Changed: %(course)s, %(when)s") % values,
            _(
                "The session of %(course)s you have a seat in has changed. The updated "
                "invitation is attached; your calendar replaces the old one with it."
            )
            % values,
        )
    if kind == "cancelled":
        return (
            _("Cancelled: %(course)s, %(when)s") % values,
            _(
                "Your seat in %(course)s is cancelled. The attached cancellation removes the "
                "session from your calendar."
            )
            % values,
        )
    if kind == "session_cancelled":
        return (
            _("Cancelled: %(course)s, %(when)s") % values,
            _(
                "The session of %(course)s is cancelled. Reason: %(reason)s. The attached "
                "cancellation removes it from your calendar. Choose another session of the "
                "course in Veikart's course catalogue."
            )
            % {**values, "reason": session.cancellation_reason},
        )
    if kind == "session_cancelled_waiting":
        return (
            _("Cancelled: %(course)s, %(when)s") % values,
            _(
                "The session of %(course)s you were on the waiting list for is cancelled. "
                "Reason: %(reason)s. Choose another session of the course in Veikart's course "
                "catalogue."
            )
            % {**values, "reason": session.cancellation_reason},
        )
    if kind == "left_waitlist":
        return (
            _("Cancelled: %(course)s, %(when)s") % values,
            _("You are no longer on the waiting list for %(course)s.") % values,
        )
    return (
        _("Reminder: %(course)s, %(when)s") % values,
        _("A reminder: you have a seat in %(course)s.") % values,
    )


def _details(session: Session) -> str:
    return _("When: %(start)s–%(end)s\nWhere: %(where)s\nTrainer: %(trainer)s") % {
        "start": _when(session.starts_at),
        "end": _until(session.starts_at, session.ends_at),
        "where": session.location or "–",
        "trainer": session.trainer.full_name if session.trainer else "–",
    }


def _description(session: Session) -> str:
    text = session.course.description.strip()
    trainer = ""
    if session.trainer is not None:
        trainer = _("Trainer: %(name)s") % {"name": session.trainer.full_name}
    return "\n\n".join(part for part in (text, trainer) if part)


def _when(value: dt.datetime) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _until(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """The end: the time only when it is on the day the session starts."""
    end = timezone.localtime(ends_at)
    same_day = end.date() == timezone.localtime(starts_at).date()
    return date_format(end, "H:i") if same_day else _when(ends_at)


def _sender_address() -> str:
    return str(settings.DEFAULT_FROM_EMAIL)
