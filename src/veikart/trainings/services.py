"""Writes to training: enrolment, cancellation with waiting-list promotion, attendance, import.

Every write that touches more than one row runs in one transaction, with the session row locked,
so two people taking the last seat at the same moment cannot both get it.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from veikart.core.services import record_audit_event
from veikart.organisations.models import Employee, Unit
from veikart.organisations.services import (
    ImportRefused,
    UploadedFile,
    discard_staged,
    load_staged,
    require_organisation,
    stage_upload,
)
from veikart.trainings import notifications, selectors
from veikart.trainings.constants import (
    CANCELLATION_DEADLINE,
    REMINDER_DAYS,
    SEAT_STATUSES,
    CourseFormat,
    EnrolmentStatus,
    Population,
)
from veikart.trainings.importing import Problem, TrainingPlan, build_plan, read_tables
from veikart.trainings.models import (
    Course,
    Enrolment,
    LearningPath,
    LearningPathStep,
    Session,
    TrainingTarget,
)

logger = logging.getLogger(__name__)

__all__ = [
    "EnrolmentRefused",
    "ImportRefused",
    "PrerequisiteMissing",
    "ReminderResult",
    "SessionCancelled",
    "SessionSaved",
    "SessionValues",
    "TrainingImportResult",
    "UploadedFile",
    "cancel",
    "cancel_session",
    "delete_target",
    "discard_staged",
    "enrol",
    "import_training",
    "load_staged",
    "prerequisite_problem",
    "register_attendance",
    "save_course",
    "save_learning_path",
    "save_session",
    "save_target",
    "send_reminders",
    "session_problems",
    "set_attendance",
    "sign_up",
    "stage_upload",
]


class EnrolmentRefused(Exception):
    """The enrolment change is not allowed; the message says why, for the person asking."""


def _lock(session: Session) -> Session:
    return Session.objects.select_for_update().get(pk=session.pk)


def _seats_taken(session: Session) -> int:
    return session.enrolments.filter(status__in=list(SEAT_STATUSES)).count()


def _next_position(session: Session) -> int:
    last = session.enrolments.filter(status=EnrolmentStatus.WAITLISTED).aggregate(
        last=Max("position")
    )["last"]
    return (last or 0) + 1


def enrol(session: Session, employee: Employee, *, on: dt.date | None = None) -> Enrolment:
    """Give ``employee`` a seat, or the last place on the waiting list when the session is full.

    Enrolling someone who already has a seat or a place changes nothing; someone who cancelled
    enrols again (at the end of the queue if the session is full).
    """
    with transaction.atomic():
        session = _lock(session)
        if session.is_cancelled:
            raise _cancelled_refusal(session)
        enrolment = Enrolment.objects.filter(session=session, employee=employee).first()
        if enrolment is not None and enrolment.status != EnrolmentStatus.CANCELLED:
            return enrolment
        if enrolment is None:
            enrolment = Enrolment(session=session, employee=employee)
        enrolment.enrolled_on = on or timezone.localdate()
        if session.capacity is None or _seats_taken(session) < session.capacity:
            enrolment.status, enrolment.position = EnrolmentStatus.ENROLLED, None
        else:
            enrolment.status = EnrolmentStatus.WAITLISTED
            enrolment.position = _next_position(session)
        enrolment.save()
        _notify(
            enrolment,
            "enrolled" if enrolment.status == EnrolmentStatus.ENROLLED else "waitlisted",
        )
    return enrolment


def _cancelled_refusal(session: Session) -> EnrolmentRefused:
    return EnrolmentRefused(
        _(
            "The session of %(course)s on %(when)s is cancelled (%(reason)s). Choose another "
            "session of the course."
        )
        % {
            "course": session.course.title,
            "when": _when(session.starts_at),
            "reason": session.cancellation_reason,
        }
    )


def _notify(enrolment: Enrolment, kind: notifications.Kind) -> None:
    """E-mail the participant once the transaction has committed."""
    transaction.on_commit(functools.partial(notifications.send, enrolment.pk, kind))


def _notify_trainer(session: Session, trainer_id: int, kind: notifications.TrainerKind) -> None:
    """E-mail the (former) trainer once the transaction has committed."""
    transaction.on_commit(
        functools.partial(notifications.send_to_trainer, session.pk, trainer_id, kind)
    )


def cancel(enrolment: Enrolment, *, now: dt.datetime) -> Enrolment | None:
    """Cancel ``enrolment``; the freed seat goes to the first on the waiting list (returned).

    A seat can be given up until :data:`CANCELLATION_DEADLINE` before the session starts; a
    place on the waiting list at any time before the start.
    """
    if timezone.is_naive(now):
        raise ValueError("now must be timezone-aware")
    with transaction.atomic():
        session = _lock(enrolment.session)
        enrolment.refresh_from_db()
        if enrolment.status in (EnrolmentStatus.ATTENDED, EnrolmentStatus.NO_SHOW):
            raise EnrolmentRefused(
                _("The session has taken place; attendance is registered and cannot be cancelled.")
            )
        if enrolment.status == EnrolmentStatus.CANCELLED:
            return None
        deadline = session.starts_at - (
            CANCELLATION_DEADLINE
            if enrolment.status == EnrolmentStatus.ENROLLED
            else dt.timedelta()
        )
        if now > deadline:
            raise EnrolmentRefused(
                _(
                    "The deadline for cancelling was %(deadline)s (%(hours)d hours before the "
                    "session starts). Contact the trainer if you cannot attend."
                )
                % {
                    "deadline": date_format(timezone.localtime(deadline), "DATETIME_FORMAT"),
                    "hours": CANCELLATION_DEADLINE // dt.timedelta(hours=1),
                }
            )
        had_seat = enrolment.status == EnrolmentStatus.ENROLLED
        enrolment.status, enrolment.position = EnrolmentStatus.CANCELLED, None
        enrolment.save(update_fields=["status", "position"])
        promoted = _promote(session) if had_seat else None
        _renumber_waitlist(session)
        _notify(enrolment, "cancelled" if had_seat else "left_waitlist")
        if promoted is not None:
            _notify(promoted, "promoted")
    return promoted


def _promote(session: Session) -> Enrolment | None:
    if session.capacity is not None and _seats_taken(session) >= session.capacity:
        return None
    first = (
        session.enrolments.filter(status=EnrolmentStatus.WAITLISTED)
        .order_by("position", "enrolled_on", "pk")
        .first()
    )
    if first is not None:
        first.status, first.position = EnrolmentStatus.ENROLLED, None
        first.save(update_fields=["status", "position"])
    return first


def _renumber_waitlist(session: Session) -> None:
    """Positions 1, 2, 3 … in queue order; None for everyone not waiting."""
    changed: list[Enrolment] = []
    waiting = 0
    queue = session.enrolments.order_by(F("position").asc(nulls_last=True), "enrolled_on", "pk")
    for enrolment in queue:
        position = None
        if enrolment.status == EnrolmentStatus.WAITLISTED:
            waiting += 1
            position = waiting
        if enrolment.position != position:
            enrolment.position = position
            changed.append(enrolment)
    Enrolment.objects.bulk_update(changed, ["position"])


@dataclass(frozen=True)
class AttendanceResult:
    attended: int
    no_show: int


def register_attendance(session: Session, attended: Iterable[int]) -> AttendanceResult:
    """Mark the seated participants in ``attended`` (employee ids) attended, the rest no-shows.

    Refuses, changing nothing, when someone in ``attended`` has no seat in the session.
    """
    present = set(attended)
    with transaction.atomic():
        session = _lock(session)
        _refuse_attendance_if_cancelled(session)
        seated = list(session.enrolments.filter(status__in=list(SEAT_STATUSES)))
        strangers = present - {e.employee_id for e in seated}
        if strangers:
            raise _no_seat(Employee.objects.filter(pk__in=strangers))
        for enrolment in seated:
            enrolment.status = (
                EnrolmentStatus.ATTENDED
                if enrolment.employee_id in present
                else EnrolmentStatus.NO_SHOW
            )
        Enrolment.objects.bulk_update(seated, ["status"])
    came = sum(1 for e in seated if e.status == EnrolmentStatus.ATTENDED)
    return AttendanceResult(attended=came, no_show=len(seated) - came)


def _refuse_attendance_if_cancelled(session: Session) -> None:
    if session.is_cancelled:
        raise EnrolmentRefused(
            _("The session is cancelled, so no attendance can be registered for it.")
        )


def _no_seat(people: Iterable[Employee]) -> EnrolmentRefused:
    names = sorted(people, key=lambda e: e.employee_number)
    return EnrolmentRefused(
        _(
            "%(people)s had no seat in this session. Enrol them first, then register "
            "attendance again."
        )
        % {"people": ", ".join(f"{e.full_name} ({e.employee_number})" for e in names)}
    )


def set_attendance(session: Session, employee: Employee, *, attended: bool) -> Enrolment:
    """Mark one seated participant attended (or not); refuses someone without a seat."""
    with transaction.atomic():
        session = _lock(session)
        _refuse_attendance_if_cancelled(session)
        enrolment = session.enrolments.filter(
            employee=employee, status__in=list(SEAT_STATUSES)
        ).first()
        if enrolment is None:
            raise _no_seat([employee])
        enrolment.status = EnrolmentStatus.ATTENDED if attended else EnrolmentStatus.NO_SHOW
        enrolment.save(update_fields=["status"])
    return enrolment


class PrerequisiteMissing(EnrolmentRefused):
    """The course builds on another one the person has not taken (``prerequisite``)."""

    def __init__(self, message: str, prerequisite: Course) -> None:
        super().__init__(message)
        self.prerequisite = prerequisite


def sign_up(
    session: Session,
    employee: Employee,
    *,
    now: dt.datetime,
    override_reason: str = "",
    actor: User | None = None,
) -> Enrolment:
    """Enrol ``employee`` as they or their manager ask: only until the session starts, and only
    with the course's prerequisite taken (see :func:`selectors.missing_prerequisite`).

    ``override_reason`` enrols without the prerequisite; the caller decides who may give one
    (a manager or the programme lead enrolling someone else), and it is written to the audit log.
    """
    if session.starts_at <= now:
        raise EnrolmentRefused(
            _("The session started %(start)s; enrolment is closed.")
            % {"start": date_format(timezone.localtime(session.starts_at), "DATETIME_FORMAT")}
        )
    missing = selectors.missing_prerequisite(session, employee)
    reason = override_reason.strip()
    if missing is not None and not reason:
        raise PrerequisiteMissing(
            _(
                "%(course)s builds on %(prerequisite)s. Attend %(prerequisite)s first, or enrol "
                "in a session of it that ends before this one starts."
            )
            % {"course": session.course.title, "prerequisite": missing.title},
            missing,
        )
    with transaction.atomic():
        enrolment = enrol(session, employee)
        if missing is not None:
            record_audit_event(
                actor,
                "training.enrolment.prerequisite_override",
                target=f"session:{session.code}",
                detail={
                    "employee": employee.employee_number,
                    "prerequisite": missing.code,
                    "reason": reason,
                },
            )
    return enrolment


# --- Courses and sessions -----------------------------------------------------------------------


def prerequisite_problem(course: Course | None, prerequisite: Course | None) -> str | None:
    """Why ``prerequisite`` cannot be the prerequisite of ``course`` (a loop), or None."""
    seen: set[int] = set()
    current = prerequisite
    while current is not None and current.pk not in seen:
        if course is not None and current.pk == course.pk:
            return _(
                "%(prerequisite)s cannot be the prerequisite: it needs this course first "
                "itself. Choose another course or none."
            ) % {"prerequisite": prerequisite}
        seen.add(current.pk)
        current = current.prerequisite
    return None


def save_course(
    course: Course, *, actor: User | None, target_units: Iterable[Unit] | None = None
) -> Course:
    """Create or change ``course`` (already checked by its form) and record who did it;
    ``target_units`` (when given) become its target units."""
    created = course.pk is None
    problem = prerequisite_problem(course if not created else None, course.prerequisite)
    if problem:
        raise ValidationError({"prerequisite": problem})
    with transaction.atomic():
        course.save()
        if target_units is not None:
            course.target_units.set(list(target_units))
        record_audit_event(
            actor,
            "training.course.create" if created else "training.course.change",
            target=f"course:{course.code}",
        )
    return course


@dataclass(frozen=True)
class SessionValues:
    """What a trainer fills in for a session."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    location: str
    trainer: Employee | None
    capacity: int | None  # None = unlimited


def session_problems(
    course: Course, values: SessionValues, *, session: Session | None, now: dt.datetime
) -> dict[str, list[str]]:
    """What is wrong with ``values`` for a new or changed session, per field (empty if none)."""
    problems: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    if session is not None and session.is_cancelled:
        add(
            "__all__",
            _("The session is cancelled and can no longer be changed. Add a new session instead."),
        )
        return problems
    starts, ends = values.starts_at, values.ends_at
    moved = session is None or starts != session.starts_at
    if moved and starts < now:
        add(
            "starts_at",
            _("The start %(start)s is in the past. Choose a time that has not been yet.")
            % {"start": _when(starts)},
        )
    if ends <= starts:
        add("ends_at", _("The session must end after it starts. Correct the end time."))
    location = values.location.strip()
    location_changed = session is None or location != session.location
    if course.format == CourseFormat.CLASSROOM and not location:
        add("location", _("Give the room or address where the session takes place."))
    if (
        course.format == CourseFormat.TEAMS
        and location_changed
        and not location.startswith("https://")
    ):
        add("location", _("Paste the Teams meeting link; it starts with https://."))
    if values.trainer is not None and ends > starts and course.format != CourseFormat.ELEARNING:
        others = Session.objects.filter(
            trainer=values.trainer,
            starts_at__lt=ends,
            ends_at__gt=starts,
            cancelled_at__isnull=True,
        ).exclude(course__format=CourseFormat.ELEARNING)
        if session is not None:
            others = others.exclude(pk=session.pk)
        clash = others.select_related("course").first()
        if clash is not None:
            add(
                "trainer",
                _(
                    "%(trainer)s already runs %(course)s from %(start)s to %(end)s. Choose "
                    "another time or another trainer."
                )
                % {
                    "trainer": values.trainer.full_name,
                    "course": clash.course.title,
                    "start": _when(clash.starts_at),
                    "end": _when(clash.ends_at),
                },
            )
    if session is not None and values.capacity is not None:
        taken = _seats_taken(session)
        if values.capacity < taken:
            add(
                "capacity",
                _(
                    "%(taken)d seats are already taken, so the session cannot have fewer. "
                    "Cancel enrolments first, or keep at least %(taken)d seats."
                )
                % {"taken": taken},
            )
    return problems


@dataclass(frozen=True)
class SessionSaved:
    session: Session
    created: bool
    promoted: list[Enrolment]  # given a seat from the waiting list (more seats)
    updated: int  # participants sent an updated invitation (new time or place)


def save_session(
    course: Course,
    values: SessionValues,
    *,
    session: Session | None = None,
    actor: User | None = None,
    now: dt.datetime,
) -> SessionSaved:
    """Create a session of ``course`` or change ``session``, checked again under lock.

    More seats go to the waiting list at once; a new time or place goes out to everyone with a
    seat as an updated invitation. Raises ``ValidationError`` (per field) when a rule is broken.
    """
    with transaction.atomic():
        if values.trainer is not None:  # one change at a time per trainer: no double booking
            list(Employee.objects.select_for_update().filter(pk=values.trainer.pk).values("pk"))
        created = session is None
        if session is not None:
            session = _lock(session)
        problems = session_problems(course, values, session=session, now=now)
        if problems:
            raise ValidationError(problems)
        old_trainer_id = session.trainer_id if session is not None else None
        if session is None:
            session = Session(course=course, code=_new_session_code(course, values.starts_at))
            moved = False
        else:
            moved = (session.starts_at, session.ends_at, session.location) != (
                values.starts_at,
                values.ends_at,
                values.location.strip(),
            )
        session.starts_at, session.ends_at = values.starts_at, values.ends_at
        session.location, session.trainer = values.location.strip(), values.trainer
        session.capacity = values.capacity
        session.save()
        promoted = []
        while (first := _promote(session)) is not None:
            promoted.append(first)
        if promoted:
            _renumber_waitlist(session)
        updated = 0
        if moved:
            already = {e.pk for e in promoted}
            for enrolment in session.enrolments.filter(status=EnrolmentStatus.ENROLLED):
                if enrolment.pk not in already:
                    _notify(enrolment, "changed")
                    updated += 1
        for enrolment in promoted:
            _notify(enrolment, "promoted")
        if session.trainer_id != old_trainer_id:
            if old_trainer_id is not None:
                _notify_trainer(session, old_trainer_id, "unassigned")
            if session.trainer_id is not None:
                _notify_trainer(session, session.trainer_id, "assigned")
        elif moved and session.trainer_id is not None:
            _notify_trainer(session, session.trainer_id, "changed")
        record_audit_event(
            actor,
            "training.session.create" if created else "training.session.change",
            target=f"session:{session.code}",
        )
    return SessionSaved(session, created, promoted, updated)


@dataclass(frozen=True)
class SessionCancelled:
    session: Session
    had_seat: int  # told, with a calendar cancellation
    waiting: int  # told (they had no calendar entry)


def cancel_session(
    session: Session, *, reason: str, actor: User | None, now: dt.datetime
) -> SessionCancelled:
    """Cancel a whole session: everyone enrolled or waiting is told why and loses their place;
    those with a seat and the trainer get a calendar cancellation (same UID, next SEQUENCE).

    Refuses (``EnrolmentRefused``) without a reason, for a session that has started and for one
    already cancelled.
    """
    if timezone.is_naive(now):
        raise ValueError("now must be timezone-aware")
    reason = reason.strip()
    if not reason:
        raise EnrolmentRefused(
            _("Give the reason for cancelling: the participants read it in their e-mail.")
        )
    with transaction.atomic():
        session = _lock(session)
        if session.is_cancelled:
            raise EnrolmentRefused(_("The session is already cancelled."))
        if session.starts_at <= now:
            raise EnrolmentRefused(
                _(
                    "The session started %(start)s and cannot be cancelled any more. Register "
                    "attendance instead: those who did not come are marked as not attended."
                )
                % {"start": _when(session.starts_at)}
            )
        session.cancelled_at, session.cancellation_reason = now, reason
        session.save(update_fields=["cancelled_at", "cancellation_reason"])
        had_seat = waiting = 0
        active = [EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED]
        for enrolment in session.enrolments.filter(status__in=active).order_by("pk"):
            if enrolment.status == EnrolmentStatus.ENROLLED:
                _notify(enrolment, "session_cancelled")
                had_seat += 1
            else:
                _notify(enrolment, "session_cancelled_waiting")
                waiting += 1
        session.enrolments.filter(status__in=active).update(
            status=EnrolmentStatus.CANCELLED, position=None
        )
        if session.trainer_id is not None:
            _notify_trainer(session, session.trainer_id, "cancelled")
        record_audit_event(
            actor,
            "training.session.cancel",
            target=f"session:{session.code}",
            detail={"reason": reason, "had_seat": had_seat, "waiting": waiting},
        )
    return SessionCancelled(session, had_seat, waiting)


def _new_session_code(course: Course, starts_at: dt.datetime) -> str:
    base = f"{course.code[:36]}-{timezone.localtime(starts_at):%Y%m%d-%H%M}"
    code, number = base, 1
    while Session.objects.filter(code=code).exists():
        number += 1
        code = f"{base}-{number}"
    return code


def _when(value: dt.datetime) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


# --- Learning paths ------------------------------------------------------------------------------


def save_learning_path(
    path: LearningPath, courses: list[Course], *, actor: User | None
) -> LearningPath:
    """Create or change a learning path: ``courses`` in order (each once, at least two)."""
    if len(courses) < 2:
        raise ValidationError(_("A learning path has at least two courses. Choose one more."))
    if len({c.pk for c in courses}) != len(courses):
        raise ValidationError(
            _("A course can be on a learning path once. Remove the course that is there twice.")
        )
    created = path.pk is None
    with transaction.atomic():
        path.save()
        path.steps.all().delete()
        LearningPathStep.objects.bulk_create(
            LearningPathStep(path=path, course=course, position=number)
            for number, course in enumerate(courses, start=1)
        )
        record_audit_event(
            actor,
            "training.path.create" if created else "training.path.change",
            target=f"learning-path:{path.pk}",
            detail={"courses": [c.code for c in courses]},
        )
    return path


# --- Reminders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderResult:
    sent: int
    failed: int


def send_reminders(*, now: dt.datetime, days: int = REMINDER_DAYS) -> ReminderResult:
    """E-mail everyone with a seat in a session starting within ``days`` days from ``now``.

    Each enrolment is claimed (``reminder_sent_at`` set) before its e-mail goes out, so running
    this again, or twice at once, never reminds anyone twice; a failed e-mail is released to be
    tried on the next run.
    """
    if timezone.is_naive(now):
        raise ValueError("now must be timezone-aware")
    due = Enrolment.objects.filter(
        status=EnrolmentStatus.ENROLLED,
        reminder_sent_at__isnull=True,
        session__starts_at__gt=now,
        session__starts_at__lte=now + dt.timedelta(days=days),
    ).select_related("session__course", "session__trainer", "employee")
    sent = failed = 0
    for enrolment in due.order_by("session__starts_at", "pk"):
        claim = Enrolment.objects.filter(
            pk=enrolment.pk, status=EnrolmentStatus.ENROLLED, reminder_sent_at__isnull=True
        )
        if not claim.update(reminder_sent_at=now):
            continue
        try:
            notifications.message(enrolment, "reminder").send()
        except Exception:
            logger.exception("Could not send the reminder for enrolment %s", enrolment.pk)
            Enrolment.objects.filter(pk=enrolment.pk).update(reminder_sent_at=None)
            failed += 1
        else:
            sent += 1
    return ReminderResult(sent, failed)


# --- Import -------------------------------------------------------------------------------------


@dataclass
class TrainingImportResult:
    """The outcome (or, without apply, the preview) of a training import."""

    applied: bool
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # "course_created", "session_changed" …

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changes(self) -> int:
        return sum(self.counts.values())


def import_training(
    files: list[UploadedFile],
    *,
    apply: bool,
    actor: User | None = None,
    source: str = "cli",
    expected: dict[str, int] | None = None,
) -> TrainingImportResult:
    """Check the training files and, with ``apply``, write them all at once.

    Courses and sessions are matched on their codes, enrolments on (session, employee number):
    importing the same files again changes nothing. With ``apply``, any problem raises
    :class:`ImportRefused` and nothing is written; without it, the problems are returned.
    ``expected`` holds the counts of the preview the user confirmed: if applying would change
    something else (Veikart changed in between), nothing is written either.
    """
    organisation = require_organisation()
    tables, unreadable = [], []
    for file in files:
        try:
            tables.extend(read_tables(file.name, file.data))
        except ValueError as exc:
            unreadable.append(str(exc))
    if unreadable:
        raise ImportRefused(unreadable)
    with transaction.atomic():
        if apply:
            # One import at a time: lock every session row the import may touch.
            list(Session.objects.select_for_update().values_list("pk", flat=True))
        plan = build_plan(organisation, tables)
        if not plan.ok:
            if apply:
                raise ImportRefused([str(p) for p in plan.problems])
            return TrainingImportResult(False, plan.problems)
        counts = _write_courses(plan, apply=apply)
        counts |= _write_sessions(plan, apply=apply)
        counts |= _write_enrolments(plan, apply=apply)
        if apply and expected is not None and counts != expected:
            raise ImportRefused(  # rolls back what was just written
                [
                    _(
                        "The training data in Veikart has changed since the preview was made. "
                        "Upload the files again and check the new preview before applying."
                    )
                ]
            )
        if apply:
            record_audit_event(
                actor,
                "training.import",
                detail={
                    **counts,
                    "source": source,
                    "files": [f"{f.name} ({f.sha256[:12]})" for f in files],
                },
            )
    return TrainingImportResult(apply, [], counts)


def _write_courses(plan: TrainingPlan, *, apply: bool) -> dict[str, int]:
    existing = {c.code: c for c in Course.objects.select_related("prerequisite")}
    created: list[Course] = []
    changed: list[Course] = []
    for record in plan.courses:
        course = existing.get(record.code)
        values = (
            record.title,
            record.description,
            record.format,
            record.duration_minutes,
            record.audience,
        )
        if course is None:
            course = Course(code=record.code)
            created.append(course)
        elif values == (
            course.title,
            course.description,
            course.format,
            course.duration_minutes,
            course.audience,
        ) and record.prerequisite_code == (course.prerequisite.code if course.prerequisite else ""):
            continue
        else:
            changed.append(course)
        (
            course.title,
            course.description,
            course.format,
            course.duration_minutes,
            course.audience,
        ) = values
        existing[record.code] = course
    if apply:
        Course.objects.bulk_create(created)
        fields = ["title", "description", "format", "duration_minutes", "audience"]
        Course.objects.bulk_update(changed, fields)
        ids = dict(Course.objects.values_list("code", "pk"))
        linked: list[Course] = []
        for record in plan.courses:
            course = existing[record.code]
            prerequisite = ids.get(record.prerequisite_code)
            if course.prerequisite_id != prerequisite:
                course.prerequisite_id = prerequisite
                linked.append(course)
        Course.objects.bulk_update(linked, ["prerequisite"])
    return {"course_created": len(created), "course_changed": len(changed)}


def _write_sessions(plan: TrainingPlan, *, apply: bool) -> dict[str, int]:
    existing = {s.code: s for s in Session.objects.select_related("course", "trainer")}
    created: list[Session] = []
    changed: list[Session] = []
    courses = dict(Course.objects.values_list("code", "pk"))
    for record in plan.sessions:
        session = existing.get(record.code)
        trainer = plan.employees.get(record.trainer_number) if record.trainer_number else None
        if session is not None and (
            session.course.code,
            session.starts_at,
            session.ends_at,
            session.location,
            session.trainer_id,
            session.capacity,
        ) == (
            record.course_code,
            record.starts_at,
            record.ends_at,
            record.location,
            trainer,
            record.capacity,
        ):
            continue
        if session is None:
            session = Session(code=record.code)
            created.append(session)
        else:
            changed.append(session)
        session.course_id = courses.get(record.course_code, 0)  # new courses: none in a preview
        session.starts_at, session.ends_at = record.starts_at, record.ends_at
        session.location, session.trainer_id = record.location, trainer
        session.capacity = record.capacity
    if apply:
        Session.objects.bulk_create(created)
        fields = ["course", "starts_at", "ends_at", "location", "trainer", "capacity"]
        Session.objects.bulk_update(changed, fields)
    return {"session_created": len(created), "session_changed": len(changed)}


def _write_enrolments(plan: TrainingPlan, *, apply: bool) -> dict[str, int]:
    codes = {e.session_code for e in plan.enrolments}
    existing = {
        (e.session.code, e.employee.employee_number): e
        for e in Enrolment.objects.filter(session__code__in=list(codes)).select_related(
            "session", "employee"
        )
    }
    sessions = dict(Session.objects.filter(code__in=list(codes)).values_list("code", "pk"))
    created: list[Enrolment] = []
    changed: list[Enrolment] = []
    for record in plan.enrolments:
        enrolment = existing.get((record.session_code, record.employee_number))
        if enrolment is None:
            enrolment = Enrolment(
                session_id=sessions.get(record.session_code, 0),
                employee_id=plan.employees[record.employee_number],
            )
            created.append(enrolment)
        elif (enrolment.enrolled_on, enrolment.status) == (record.enrolled_on, record.status):
            continue
        else:
            changed.append(enrolment)
        enrolment.enrolled_on, enrolment.status = record.enrolled_on, record.status
    if apply:
        Enrolment.objects.bulk_create(created, batch_size=1000)
        Enrolment.objects.bulk_update(changed, ["enrolled_on", "status"], batch_size=1000)
        touched = {e.session_id for e in created} | {e.session_id for e in changed}
        for session in Session.objects.filter(pk__in=touched):
            _renumber_waitlist(session)
    return {"enrolment_created": len(created), "enrolment_changed": len(changed)}


# --- The training plan ---------------------------------------------------------------------------


def save_target(
    target: TrainingTarget, courses: Iterable[Course], *, actor: User | None
) -> TrainingTarget:
    """Create or change a training plan target (already checked by its form)."""
    created = target.pk is None
    if target.population != Population.UNIT:
        target.unit = None
    if target.population != Population.FORMER_ORGANISATION:
        target.former_organisation = None
    with transaction.atomic():
        target.save()
        target.courses.set(list(courses))
        record_audit_event(
            actor,
            "training.target.create" if created else "training.target.change",
            target=f"target:{target.pk}",
        )
    return target


def delete_target(target: TrainingTarget, *, actor: User | None) -> None:
    with transaction.atomic():
        record_audit_event(
            actor,
            "training.target.delete",
            target=f"target:{target.pk}",
            detail={"name": target.name},
        )
        target.delete()
