"""Paper for a course: the session's roster (to sign at the door) and a course certificate.

Both are PDFs built with :mod:`veikart.core.pdf`. The roster lists the people with a seat (and,
after the session, whether they came); the certificate exists only for someone who attended.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from veikart.core import pdf
from veikart.organisations.models import Assignment
from veikart.trainings.constants import SEAT_STATUSES, EnrolmentStatus
from veikart.trainings.models import Enrolment, Session


def _when(session: Session) -> str:
    starts = timezone.localtime(session.starts_at)
    ends = timezone.localtime(session.ends_at)
    return f"{date_format(starts, 'SHORT_DATE_FORMAT')} {starts:%H:%M}–{ends:%H:%M}"


def _unit_names(enrolments: list[Enrolment], session: Session) -> dict[int, str]:
    day = timezone.localtime(session.starts_at).date()
    names: dict[int, str] = {}
    for employee_id, unit in (
        Assignment.objects.valid_on(day)
        .filter(employee_id__in=[e.employee_id for e in enrolments])
        .values_list("employee_id", "unit__name")
    ):
        names.setdefault(employee_id, unit)
    return names


def roster(session: Session) -> bytes:
    """The participants with a seat, by name, with a column to sign (or the outcome)."""
    enrolments = list(
        session.enrolments.filter(status__in=sorted(SEAT_STATUSES))
        .select_related("employee")
        .order_by("employee__sort_key", "pk")
    )
    units = _unit_names(enrolments, session)
    outcome = {
        EnrolmentStatus.ATTENDED: _("Attended"),
        EnrolmentStatus.NO_SHOW: _("Did not attend"),
        EnrolmentStatus.ENROLLED: "",
    }
    rows = [
        (
            str(number),
            e.employee.full_name,
            units.get(e.employee_id, ""),
            outcome.get(EnrolmentStatus(e.status), ""),
        )
        for number, e in enumerate(enrolments, start=1)
    ]
    course = session.course
    title = _("Attendance list: %(course)s") % {"course": course.title}
    seats = str(len(enrolments)) + (f" / {session.capacity}" if session.capacity else "")
    trainer = session.trainer.full_name if session.trainer else "–"
    details = [
        _("Time: %(when)s") % {"when": _when(session)},
        _("Place: %(place)s") % {"place": session.location or "–"},
        _("Trainer: %(name)s") % {"name": trainer},
        _("Seats taken: %(seats)s") % {"seats": seats},
    ]
    blocks: list[pdf.Block] = [
        pdf.Heading(title),
        pdf.Paragraph(" · ".join(details), style="lead"),
        pdf.Table(
            (_("No."), _("Name"), _("Unit"), _("Signature or outcome")),
            rows,
            widths=(12, 60, 55, 50),
        ),
    ]
    if not rows:
        blocks.append(pdf.Paragraph(_("Nobody has a seat in this session yet."), style="note"))
    return pdf.render(
        pdf.Document(
            title=f"{title} ({course.code} {session.code})",
            blocks=blocks,
            subject=course.title,
            footer=f"{course.code} · {session.code}",
        )
    )


def certificate(enrolment: Enrolment) -> bytes:
    """A course certificate for someone who attended (ValueError for anyone else)."""
    if enrolment.status != EnrolmentStatus.ATTENDED:
        raise ValueError("a certificate is only for someone who attended")
    session = enrolment.session
    course = session.course
    day = date_format(timezone.localtime(session.starts_at), "DATE_FORMAT")
    hours = course.duration_minutes / 60
    text = _("%(name)s attended the course %(course)s on %(day)s (%(hours)s hours).") % {
        "name": enrolment.employee.full_name,
        "course": course.title,
        "day": day,
        "hours": f"{hours:.1f}".replace(".", ",").removesuffix(",0"),
    }
    blocks: list[pdf.Block] = [
        pdf.Heading(_("Course certificate")),
        pdf.Paragraph(text, style="lead"),
    ]
    if course.description:
        blocks.append(pdf.Paragraph(course.description))
    if session.trainer is not None:
        trainer_line = _("Trainer: %(name)s") % {"name": session.trainer.full_name}
        blocks.append(pdf.Paragraph(trainer_line, style="note"))
    return pdf.render(
        pdf.Document(
            title=f"{_('Course certificate')} {course.code}",
            blocks=blocks,
            subject=course.title,
            footer=f"{course.code} · {session.code}",
        )
    )
