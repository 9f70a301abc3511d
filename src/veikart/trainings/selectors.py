"""Reads of training: sessions as a user may see them, and the training date of each person."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
)
from django.http import Http404
from django.utils import timezone

from veikart.core.access import Access, AnyUser, get_access
from veikart.core.collation import sort_key
from veikart.core.constants import Role
from veikart.organisations.models import Assignment, Employee
from veikart.organisations.selectors import get_employees_for_user
from veikart.trainings.constants import (
    COURSE_EDITOR_ROLES,
    IMPORT_TRAINING_ROLES,
    SEAT_STATUSES,
    SESSION_WIDE_ROLES,
    EnrolmentStatus,
)
from veikart.trainings.models import Course, Enrolment, LearningPath, Session


def training_dates(course_codes: set[str] | None = None) -> dict[int, dt.date]:
    """Employee id -> the local day of their first attended session of ``course_codes``.

    All courses when ``course_codes`` is None. This is the treatment date of the impact
    evaluation: someone who never attended is not in the result.
    """
    attended = Enrolment.objects.filter(status=EnrolmentStatus.ATTENDED)
    if course_codes is not None:
        attended = attended.filter(session__course__code__in=sorted(course_codes))
    firsts = attended.values_list("employee_id").annotate(first=Min("session__starts_at"))
    # Tens of thousands of people share a few hundred sessions' start times: convert each time
    # to the local day once.
    days: dict[dt.datetime, dt.date] = {}
    result = {}
    for employee_id, first in firsts:
        day = days.get(first)
        if day is None:
            day = days[first] = timezone.localtime(first).date()
        result[employee_id] = day
    return result


def get_sessions_for_user(who: AnyUser | Access | None) -> QuerySet[Session]:
    """Sessions the user may see.

    The programme lead and administrators see all; anyone else the sessions they run as trainer
    and those with a participant they may see as a unit manager (people now working in their
    subtree) or themselves.
    """
    access = who if isinstance(who, Access) else get_access(who)
    sessions = Session.objects.select_related("course", "trainer")
    if access.roles & SESSION_WIDE_ROLES:
        return sessions
    # Only the unit scope and the person themselves count here: roles that list every employee
    # (IT, the DPO) do not by that see every course session.
    people = get_employees_for_user(
        Access(unit_paths=access.unit_paths, employee_id=access.employee_id)
    )
    participant = Enrolment.objects.filter(session=OuterRef("pk"), employee__in=people)
    condition = Q(Exists(participant))
    if access.employee_id is not None:
        condition |= Q(trainer_id=access.employee_id)
    return sessions.filter(condition)


def get_session_for_user(who: AnyUser | Access | None, pk: int) -> Session:
    try:
        return get_sessions_for_user(who).get(pk=pk)
    except Session.DoesNotExist:
        raise Http404("No such session") from None


# --- The catalogue and the web pages -------------------------------------------------------------


def can_edit_courses(who: AnyUser | Access | None) -> bool:
    """Trainers, the programme lead and administrators create and edit courses."""
    return bool(_access(who).roles & COURSE_EDITOR_ROLES)


def can_import_training(who: AnyUser | Access | None) -> bool:
    """The programme lead and administrators import historical training records."""
    return bool(_access(who).roles & IMPORT_TRAINING_ROLES)


def with_seat_counts(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """``sessions`` annotated with ``seats_taken``, ``seats_free`` (None: unlimited) and
    ``waiting`` (the length of the waiting list)."""
    taken = Count("enrolments", filter=Q(enrolments__status__in=list(SEAT_STATUSES)))
    return sessions.annotate(
        seats_taken=taken,
        waiting=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED)),
        seats_free=ExpressionWrapper(F("capacity") - taken, output_field=IntegerField()),
    )


@dataclass(frozen=True)
class CatalogueEntry:
    course: Course
    upcoming: list[Session]  # annotated with seats_taken and waiting


def catalogue(*, now: dt.datetime) -> list[CatalogueEntry]:
    """Every course in Norwegian title order, each with its sessions still to come."""
    courses = list(Course.objects.select_related("prerequisite"))
    courses.sort(key=lambda c: (sort_key(c.title), c.code))
    upcoming: dict[int, list[Session]] = defaultdict(list)
    sessions = with_seat_counts(
        Session.objects.filter(starts_at__gt=now, cancelled_at__isnull=True)
    ).select_related("trainer")
    for session in sessions.order_by("starts_at", "code"):
        upcoming[session.course_id].append(session)
    return [CatalogueEntry(course, upcoming[course.pk]) for course in courses]


def get_course(pk: int) -> Course:
    """A course of the catalogue: every signed-in user may see it."""
    try:
        return Course.objects.select_related("prerequisite").get(pk=pk)
    except Course.DoesNotExist:
        raise Http404("No such course") from None


def course_sessions(
    who: AnyUser | Access | None, course: Course, *, now: dt.datetime
) -> tuple[list[Session], list[Session]]:
    """(sessions to come, past sessions) of ``course``; past ones only for those who ran them."""
    access = _access(who)
    sessions = with_seat_counts(course.sessions.select_related("trainer", "course"))
    coming = list(sessions.filter(starts_at__gt=now).order_by("starts_at", "code"))
    past = get_sessions_to_manage(access).filter(course=course, starts_at__lte=now)
    return coming, list(with_seat_counts(past).order_by("-starts_at", "code"))


def get_session(pk: int) -> Session:
    """A session as the catalogue shows it (time, place, seats): open to every signed-in user."""
    try:
        return with_seat_counts(Session.objects.select_related("course", "trainer")).get(pk=pk)
    except Session.DoesNotExist:
        raise Http404("No such session") from None


def get_sessions_to_manage(who: AnyUser | Access | None) -> QuerySet[Session]:
    """Sessions whose participants and attendance the user handles, and that they may change.

    The programme lead and administrators handle every session; a trainer the sessions they run.
    """
    access = _access(who)
    sessions = Session.objects.select_related("course", "trainer")
    if access.roles & SESSION_WIDE_ROLES:
        return sessions
    if access.has(Role.TRAINER) and access.employee_id is not None:
        return sessions.filter(trainer_id=access.employee_id)
    return sessions.none()


def can_manage_session(who: AnyUser | Access | None, session: Session) -> bool:
    return get_sessions_to_manage(who).filter(pk=session.pk).exists()


def get_session_to_manage(who: AnyUser | Access | None, pk: int) -> Session:
    """The session, for its trainer or the programme lead; PermissionDenied for anyone else."""
    session = get_session(pk)
    if not can_manage_session(who, session):
        raise PermissionDenied
    return session


def get_people_to_enrol(
    who: AnyUser | Access | None, *, on: dt.date | None = None
) -> QuerySet[Employee]:
    """Whom the user may enrol (or cancel for): themselves; a unit manager also the people
    working in their subtree; the programme lead and administrators everyone employed."""
    access = _access(who)
    day = on or timezone.localdate()
    if access.roles & SESSION_WIDE_ROLES:
        employees = Employee.objects.all()
    else:
        # The unit scope and the person themselves only: IT and the DPO list every employee,
        # but do not by that enrol anyone.
        employees = get_employees_for_user(
            Access(unit_paths=access.unit_paths, employee_id=access.employee_id)
        )
    return employees.filter(
        Q(employment_start__isnull=True) | Q(employment_start__lte=day),
        Q(employment_end__isnull=True) | Q(employment_end__gte=day),
    )


def get_person_to_enrol(who: AnyUser | Access | None, pk: int) -> Employee:
    try:
        return get_people_to_enrol(who).get(pk=pk)
    except Employee.DoesNotExist:
        raise Http404("No such employee") from None


def get_enrolment_to_cancel(who: AnyUser | Access | None, pk: int) -> Enrolment:
    """An enrolment of the user themselves or of someone they may enrol."""
    people = get_people_to_enrol(who)
    try:
        return Enrolment.objects.select_related("session__course", "employee").get(
            pk=pk, employee__in=people
        )
    except Enrolment.DoesNotExist:
        raise Http404("No such enrolment") from None


def get_own_enrolment(who: AnyUser | Access | None, pk: int) -> Enrolment:
    """One of the user's own enrolments (for the calendar file)."""
    access = _access(who)
    try:
        return Enrolment.objects.select_related(
            "session__course", "session__trainer", "employee"
        ).get(pk=pk, employee_id=access.employee_id or 0)
    except Enrolment.DoesNotExist:
        raise Http404("No such enrolment") from None


def session_enrolments(who: AnyUser | Access | None, session: Session) -> list[Enrolment]:
    """The enrolments of ``session`` the user may see, cancelled ones left out.

    Its trainer and the programme lead see everyone; a unit manager the people of their subtree;
    anyone else only their own.
    """
    enrolments = (
        session.enrolments.exclude(status=EnrolmentStatus.CANCELLED)
        .select_related("employee")
        .order_by(F("position").asc(nulls_first=True), "employee__sort_key", "pk")
    )
    if not can_manage_session(who, session):
        enrolments = enrolments.filter(employee__in=get_people_to_enrol(who))
    return list(enrolments)


def my_enrolments(who: AnyUser | Access | None) -> list[Enrolment]:
    """The user's own enrolments, cancelled ones left out, soonest first."""
    access = _access(who)
    if access.employee_id is None:
        return []
    return list(
        Enrolment.objects.filter(employee_id=access.employee_id)
        .exclude(status=EnrolmentStatus.CANCELLED)
        .select_related("session__course", "session__trainer")
        .order_by("session__starts_at", "pk")
    )


def enrolment_of(who: AnyUser | Access | None, session: Session) -> Enrolment | None:
    """The user's own enrolment in ``session`` (cancelled included), or None."""
    access = _access(who)
    if access.employee_id is None:
        return None
    return session.enrolments.filter(employee_id=access.employee_id).first()


def trainer_choices(who: AnyUser | Access | None, session: Session | None) -> QuerySet[Employee]:
    """Whom the user may name as a session's trainer.

    A trainer names only themselves; the programme lead anyone who holds the trainer or
    programme-lead role, and the session's present trainer (who may come from an import).
    """
    access = _access(who)
    if not access.roles & SESSION_WIDE_ROLES:
        return Employee.objects.filter(pk=access.employee_id or 0)
    holders = Q(user__role_grants__role__in=[Role.TRAINER, Role.PROGRAMME_LEAD])
    if session is not None and session.trainer_id is not None:
        holders |= Q(pk=session.trainer_id)
    return Employee.objects.filter(holders).distinct()


def _access(who: AnyUser | Access | None) -> Access:
    return who if isinstance(who, Access) else get_access(who)


# --- Prerequisites, target groups and learning paths --------------------------------------------


def missing_prerequisite(session: Session, employee: Employee) -> Course | None:
    """The course ``employee`` must take before ``session``, or None when nothing is missing.

    The prerequisite counts as taken when they attended one of its sessions, or hold a seat in
    one that ends before ``session`` starts (so that a whole learning path can be booked at once).
    """
    prerequisite = session.course.prerequisite
    if prerequisite is None:
        return None
    taken = Enrolment.objects.filter(employee=employee, session__course=prerequisite).filter(
        Q(status=EnrolmentStatus.ATTENDED)
        | Q(
            status=EnrolmentStatus.ENROLLED,
            session__ends_at__lte=session.starts_at,
            session__cancelled_at__isnull=True,
        )
    )
    return None if taken.exists() else prerequisite


def _current_unit_path(employee_id: int, day: dt.date) -> str:
    assignment = (
        Assignment.objects.valid_on(day)
        .filter(employee_id=employee_id)
        .select_related("unit")
        .order_by("-valid_from")
        .first()
    )
    return assignment.unit.path if assignment is not None else ""


def recommended_courses(who: AnyUser | Access | None, *, today: dt.date) -> list[Course]:
    """Courses whose target group the user is in (their unit or one above it, leaders, their job
    title), leaving out those they attended or hold a seat or a place in. Title order."""
    access = _access(who)
    if access.employee_id is None:
        return []
    employee = Employee.objects.get(pk=access.employee_id)
    path = _current_unit_path(employee.pk, today)
    title = employee.title.casefold()
    taken = set(
        Enrolment.objects.filter(
            employee=employee,
            status__in=[
                EnrolmentStatus.ATTENDED,
                EnrolmentStatus.ENROLLED,
                EnrolmentStatus.WAITLISTED,
            ],
        ).values_list("session__course_id", flat=True)
    )
    courses = Course.objects.filter(
        Q(for_leaders=True) | Q(target_units__isnull=False) | ~Q(target_titles="")
    ).prefetch_related("target_units")
    chosen = []
    for course in courses.distinct():
        if course.pk in taken:
            continue
        if (
            (course.for_leaders and employee.is_manager)
            or any(path.startswith(unit.path) for unit in course.target_units.all() if unit.path)
            or any(word in title for word in course.title_words)
        ):
            chosen.append(course)
    chosen.sort(key=lambda c: (sort_key(c.title), c.code))
    return chosen


@dataclass(frozen=True)
class PathStep:
    course: Course
    state: str  # "done" (attended), "booked" (a seat or a place to come), "todo"


@dataclass(frozen=True)
class PathProgress:
    path: LearningPath
    steps: list[PathStep]

    @property
    def next(self) -> PathStep | None:
        """The first step not taken yet (it may be booked already)."""
        return next((s for s in self.steps if s.state != "done"), None)

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.state == "done")


def learning_paths(who: AnyUser | Access | None = None, *, now: dt.datetime) -> list[PathProgress]:
    """Every learning path with its courses in order; with a user who is an employee, how far
    they have come on each (otherwise every step is "todo")."""
    access = _access(who) if who is not None else Access()
    done: set[int] = set()
    booked: set[int] = set()
    if access.employee_id is not None:
        for course_id, status, starts_at in Enrolment.objects.filter(
            employee_id=access.employee_id
        ).values_list("session__course_id", "status", "session__starts_at"):
            if status == EnrolmentStatus.ATTENDED:
                done.add(course_id)
            elif status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED) and (
                starts_at > now
            ):
                booked.add(course_id)
    paths = LearningPath.objects.prefetch_related("steps__course")
    result = []
    for path in sorted(paths, key=lambda p: sort_key(p.name)):
        steps = [
            PathStep(
                step.course,
                "done"
                if step.course_id in done
                else "booked"
                if step.course_id in booked
                else "todo",
            )
            for step in sorted(path.steps.all(), key=lambda s: s.position)
        ]
        result.append(PathProgress(path, steps))
    return result


def get_learning_path(pk: int) -> LearningPath:
    try:
        return LearningPath.objects.get(pk=pk)
    except LearningPath.DoesNotExist:
        raise Http404("No such learning path") from None


def can_edit_learning_paths(who: AnyUser | Access | None) -> bool:
    """The programme lead and administrators lay out the learning paths."""
    return bool(_access(who).roles & SESSION_WIDE_ROLES)
