"""/api/v1/training — the course catalogue, its sessions, and one's own enrolments.

The same selectors, services and rules as the web pages: everyone signed in sees the catalogue
and the sessions to come with their free seats (never who took them); enrolling and cancelling
is for oneself only, with the same capacity, waiting-list, prerequisite and deadline rules.
"""

import datetime as dt

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from veikart.api.params import Id
from veikart.core.access import Access, get_access
from veikart.core.collation import sort_key
from veikart.organisations.models import Employee
from veikart.trainings import selectors, services
from veikart.trainings.models import Course, Enrolment, Session

router = Router(tags=["training"])


class CourseOut(Schema):
    id: int
    code: str
    title: str
    description: str
    format: str
    duration_minutes: int
    prerequisite_id: int | None
    audience: str
    for_leaders: bool
    recommended_for_me: bool


class SessionOut(Schema):
    id: int
    code: str
    course_id: int
    course_title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    location: str
    trainer: str | None
    capacity: int | None
    seats_left: int | None  # None: no limit
    waiting: int
    cancelled: bool
    cancellation_reason: str


class EnrolmentOut(Schema):
    id: int
    session: SessionOut
    status: str
    waiting_position: int | None
    enrolled_on: dt.date


class RefusalOut(Schema):
    detail: str
    prerequisite_course_id: int | None = None


def _course(course: Course, recommended: set[int]) -> CourseOut:
    return CourseOut(
        id=course.pk,
        code=course.code,
        title=course.title,
        description=course.description,
        format=course.format,
        duration_minutes=course.duration_minutes,
        prerequisite_id=course.prerequisite_id,
        audience=course.audience,
        for_leaders=course.for_leaders,
        recommended_for_me=course.pk in recommended,
    )


def _session(session: Session) -> SessionOut:
    """``session`` as annotated by :func:`selectors.with_seat_counts`."""
    taken: int = getattr(session, "seats_taken")  # noqa: B009 (an annotation)
    free = None if session.capacity is None else max(0, session.capacity - taken)
    return SessionOut(
        id=session.pk,
        code=session.code,
        course_id=session.course_id,
        course_title=session.course.title,
        starts_at=timezone.localtime(session.starts_at),
        ends_at=timezone.localtime(session.ends_at),
        location=session.location,
        trainer=session.trainer.full_name if session.trainer else None,
        capacity=session.capacity,
        seats_left=free,
        waiting=getattr(session, "waiting"),  # noqa: B009 (an annotation)
        cancelled=session.is_cancelled,
        cancellation_reason=session.cancellation_reason,
    )


def _enrolments(enrolments: list[Enrolment]) -> list[EnrolmentOut]:
    counted = {
        s.pk: s
        for s in selectors.with_seat_counts(
            Session.objects.filter(pk__in={e.session_id for e in enrolments}).select_related(
                "course", "trainer"
            )
        )
    }
    return [
        EnrolmentOut(
            id=e.pk,
            session=_session(counted[e.session_id]),
            status=e.status,
            waiting_position=e.position,
            enrolled_on=e.enrolled_on,
        )
        for e in enrolments
    ]


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _me(access: Access) -> Employee:
    if access.employee_id is None:
        raise HttpError(
            403,
            "Your user is not linked to an employee in the HR data, so you cannot enrol.",
        )
    return Employee.objects.get(pk=access.employee_id)


@router.get("/courses", response=list[CourseOut], summary="The course catalogue")
def courses(request: HttpRequest) -> list[CourseOut]:
    """Every course in Norwegian title order; `recommended_for_me` when you are in its target
    group (unit, leaders, job title) and have not taken it."""
    recommended = {
        c.pk for c in selectors.recommended_courses(request.user, today=timezone.localdate())
    }
    found = sorted(Course.objects.all(), key=lambda c: (sort_key(c.title), c.code))
    return [_course(c, recommended) for c in found]


@router.get("/courses/{course_id}", response=CourseOut, summary="One course")
def course(request: HttpRequest, course_id: Id) -> CourseOut:
    recommended = {
        c.pk for c in selectors.recommended_courses(request.user, today=timezone.localdate())
    }
    return _course(selectors.get_course(course_id), recommended)


@router.get("/sessions", response=list[SessionOut], summary="Sessions to come")
def sessions(request: HttpRequest, course_id: Id | None = None) -> list[SessionOut]:
    """Sessions that have not started, soonest first, with free seats and the length of the
    waiting list (never who is enrolled); cancelled ones are marked so."""
    found = selectors.with_seat_counts(
        Session.objects.filter(starts_at__gt=timezone.now()).select_related("course", "trainer")
    )
    if course_id is not None:
        found = found.filter(course_id=course_id)
    return [_session(s) for s in found.order_by("starts_at", "code")]


@router.get("/sessions/{session_id}", response=SessionOut, summary="One session")
def session(request: HttpRequest, session_id: Id) -> SessionOut:
    return _session(selectors.get_session(session_id))


@router.get("/me/enrolments", response=list[EnrolmentOut], summary="My enrolments")
def my_enrolments(request: HttpRequest) -> list[EnrolmentOut]:
    """Your own seats, places on waiting lists and attended courses (cancelled ones left out),
    soonest first. Empty when your user is not linked to an employee."""
    return _enrolments(selectors.my_enrolments(request.user))


@router.post(
    "/sessions/{session_id}/enrol",
    response={200: EnrolmentOut, 409: RefusalOut},
    summary="Enrol myself in a session",
)
def enrol(request: HttpRequest, session_id: Id) -> Status[EnrolmentOut | RefusalOut]:
    """A seat, or the last place on the waiting list when the session is full (see `status`
    and `waiting_position`). Refused (409, with the reason) after the start, for a cancelled
    session, or without the course's prerequisite (`prerequisite_course_id`)."""
    access = get_access(request.user)
    employee = _me(access)
    found = selectors.get_session(session_id)
    try:
        enrolment = services.sign_up(found, employee, now=timezone.now(), actor=_user(request))
    except services.PrerequisiteMissing as exc:
        return Status(409, RefusalOut(detail=str(exc), prerequisite_course_id=exc.prerequisite.pk))
    except services.EnrolmentRefused as exc:
        return Status(409, RefusalOut(detail=str(exc)))
    return Status(200, _enrolments([enrolment])[0])


@router.post(
    "/me/enrolments/{enrolment_id}/cancel",
    response={200: EnrolmentOut, 409: RefusalOut},
    summary="Cancel my seat or leave the waiting list",
)
def cancel(request: HttpRequest, enrolment_id: Id) -> Status[EnrolmentOut | RefusalOut]:
    """Until 24 hours before the start for a seat (the seat goes to the first on the waiting
    list), until the start for a place on the waiting list; refused (409) after that."""
    enrolment = selectors.get_own_enrolment(request.user, enrolment_id)
    try:
        services.cancel(enrolment, now=timezone.now())
    except services.EnrolmentRefused as exc:
        return Status(409, RefusalOut(detail=str(exc)))
    enrolment.refresh_from_db()
    return Status(200, _enrolments([enrolment])[0])
