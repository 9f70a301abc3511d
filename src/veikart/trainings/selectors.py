"""Reads of training: sessions as a user may see them, and the training date of each person."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, Min, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from veikart.core.access import Access, AnyUser, get_access
from veikart.organisations.selectors import get_employees_for_user
from veikart.trainings.constants import SESSION_WIDE_ROLES, EnrolmentStatus
from veikart.trainings.models import Enrolment, Session


def training_dates(course_codes: set[str] | None = None) -> dict[int, dt.date]:
    """Employee id -> the local day of their first attended session of ``course_codes``.

    All courses when ``course_codes`` is None. This is the treatment date of the impact
    evaluation: someone who never attended is not in the result.
    """
    attended = Enrolment.objects.filter(status=EnrolmentStatus.ATTENDED)
    if course_codes is not None:
        attended = attended.filter(session__course__code__in=sorted(course_codes))
    firsts = attended.values("employee_id").annotate(first=Min("session__starts_at"))
    return {row["employee_id"]: timezone.localtime(row["first"]).date() for row in firsts}


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
