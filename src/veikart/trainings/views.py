from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from veikart.core.access import get_access
from veikart.organisations.models import Employee
from veikart.organisations.selectors import get_organisation, get_units_for_user
from veikart.trainings import documents, ics, notifications, selectors, services
from veikart.trainings import plan as training_plan
from veikart.trainings.constants import (
    CANCELLATION_DEADLINE,
    SEAT_STATUSES,
    SESSION_WIDE_ROLES,
    EnrolmentStatus,
)
from veikart.trainings.forms import (
    CourseForm,
    EnrolPersonForm,
    LearningPathForm,
    SessionCancelForm,
    SessionForm,
    TrainingImportForm,
    TrainingTargetForm,
)
from veikart.trainings.models import Course, Enrolment, LearningPath, Session, TrainingTarget


def _user(request: HttpRequest) -> User:
    """The signed-in user of a view behind ``login_required``."""
    assert isinstance(request.user, User)
    return request.user


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(
        request,
        template,
        {"organisation": get_organisation(), **context},
        status=status,
    )


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page the form was on (``next``), if it is one of ours."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(target if target and safe else default)


def _when(session: Session) -> str:
    return date_format(timezone.localtime(session.starts_at), "DATETIME_FORMAT")


# --- The catalogue ------------------------------------------------------------------------------


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    access = get_access(request.user)
    now = timezone.now()
    recommended = selectors.recommended_courses(access, today=timezone.localdate())
    return _page(
        request,
        "trainings/catalogue.html",
        {
            "entries": selectors.catalogue(now=now),
            "recommended": recommended,
            "recommended_ids": {c.pk for c in recommended},
            "paths": selectors.learning_paths(now=now),
            "can_edit_paths": selectors.can_edit_learning_paths(access),
            "can_edit": selectors.can_edit_courses(access),
            "can_see_plan": training_plan.can_see_plan(access),
            "can_import": selectors.can_import_training(access),
        },
    )


@login_required
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = get_access(request.user)
    course = selectors.get_course(pk)
    now = timezone.now()
    coming, past = selectors.course_sessions(access, course, now=now)
    mine = {e.session_id: e for e in selectors.my_enrolments(access)}
    return _page(
        request,
        "trainings/course_detail.html",
        {
            "course": course,
            "rows": [_session_row(s, mine.get(s.pk)) for s in coming],
            "past": [_session_row(s, mine.get(s.pk)) for s in past],
            "can_edit": selectors.can_edit_courses(access),
            "is_employee": access.employee_id is not None,
        },
    )


def _session_row(session: Session, mine: Enrolment | None) -> dict[str, Any]:
    return {"session": session, "mine": mine}


def _require_course_editor(request: HttpRequest) -> None:
    if not selectors.can_edit_courses(request.user):
        raise PermissionDenied


@login_required
def course_create(request: HttpRequest) -> HttpResponse:
    _require_course_editor(request)
    return _course_form(request, Course())


@login_required
def course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_course_editor(request)
    return _course_form(request, selectors.get_course(pk))


def _course_form(request: HttpRequest, course: Course) -> HttpResponse:
    created = course.pk is None
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.save_course(
                form.save(commit=False),
                actor=_user(request),
                target_units=form.cleaned_data["target_units"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The course %(title)s was created.") % {"title": course.title}
                if created
                else _("The changes to %(title)s were saved.") % {"title": course.title},
            )
            return redirect("trainings:course", course.pk)
    return _page(
        request,
        "trainings/course_form.html",
        {"form": form, "course": course, "created": created},
        status=400 if form.errors else 200,
    )


# --- Sessions -----------------------------------------------------------------------------------


@login_required
def session_create(request: HttpRequest, course_pk: int) -> HttpResponse:
    _require_course_editor(request)
    course = selectors.get_course(course_pk)
    return _session_form(request, course, None)


@login_required
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_session_to_manage(request.user, pk)
    return _session_form(request, session.course, session)


def _session_form(request: HttpRequest, course: Course, session: Session | None) -> HttpResponse:
    access = get_access(request.user)
    trainers = selectors.trainer_choices(access, session)
    # A trainer adds and edits only sessions they run themselves.
    names_any_trainer = bool(access.roles & SESSION_WIDE_ROLES)
    now = timezone.now()
    form = SessionForm(
        request.POST or None,
        course=course,
        session=session,
        trainers=trainers,
        trainer_required=not names_any_trainer,
        now=now,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_session(
                course, form.values(), session=session, actor=_user(request), now=now
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("The session %(when)s was saved.") % {"when": _when(saved.session)}
            )
            if saved.promoted:
                messages.info(
                    request,
                    ngettext(
                        "%(count)d person on the waiting list got a seat and an invitation.",
                        "%(count)d people on the waiting list got a seat and an invitation.",
                        len(saved.promoted),
                    )
                    % {"count": len(saved.promoted)},
                )
            if saved.updated:
                messages.info(
                    request,
                    ngettext(
                        "%(count)d participant was sent the updated invitation.",
                        "%(count)d participants were sent the updated invitation.",
                        saved.updated,
                    )
                    % {"count": saved.updated},
                )
            return redirect("trainings:session", saved.session.pk)
    return _page(
        request,
        "trainings/session_form.html",
        {
            "form": form,
            "course": course,
            "session": session,
            "no_trainer": not names_any_trainer and access.employee_id is None,
        },
        status=400 if form.errors else 200,
    )


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = get_access(request.user)
    session = selectors.get_session(pk)
    mine = selectors.enrolment_of(access, session)
    people = selectors.get_people_to_enrol(access)
    # Someone who may enrol more people than themselves (a unit manager, the programme lead).
    enrols_others = people.exclude(pk=access.employee_id or 0).exists()
    manages = selectors.can_manage_session(access, session)
    enrolments = selectors.session_enrolments(access, session)
    now = timezone.now()
    deadline = session.starts_at - CANCELLATION_DEADLINE
    if mine is not None and mine.status == EnrolmentStatus.CANCELLED:
        mine = None
    missing = None
    if mine is None and access.employee_id is not None:
        missing = selectors.missing_prerequisite(
            session, Employee.objects.get(pk=access.employee_id)
        )
    return _page(
        request,
        "trainings/session_detail.html",
        {
            "session": session,
            "course": session.course,
            "mine": mine,
            "can_cancel": mine is not None
            and (
                (mine.status == EnrolmentStatus.ENROLLED and now <= deadline)
                or (mine.status == EnrolmentStatus.WAITLISTED and now <= session.starts_at)
            ),
            "is_open": session.starts_at > now,
            "deadline": deadline,
            "is_employee": access.employee_id is not None,
            "enrolments": enrolments,
            "show_participants": manages or enrols_others,
            "cancellable": set(
                people.filter(pk__in=[e.employee_id for e in enrolments]).values_list(
                    "pk", flat=True
                )
            ),
            "manages": manages,
            "is_trainer": session.trainer_id is not None
            and session.trainer_id == access.employee_id,
            "missing": missing,
            "enrol_form": EnrolPersonForm(
                people=people, prerequisite=session.course.prerequisite_id is not None
            )
            if enrols_others
            else None,
        },
    )


@login_required
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel the whole session, for its trainer or the programme lead, with a reason."""
    session = selectors.get_session_to_manage(request.user, pk)
    form = SessionCancelForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            result = services.cancel_session(
                session,
                reason=form.cleaned_data["reason"],
                actor=_user(request),
                now=timezone.now(),
            )
        except services.EnrolmentRefused as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _(
                    "The session is cancelled. %(seats)d with a seat and %(waiting)d on the "
                    "waiting list were told by e-mail."
                )
                % {"seats": result.had_seat, "waiting": result.waiting},
            )
            return redirect("trainings:session", session.pk)
    return _page(
        request,
        "trainings/session_cancel.html",
        {
            "session": session,
            "course": session.course,
            "form": form,
            "error": error,
            "participants": session.enrolments.filter(
                status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED]
            ).count(),
        },
        status=400 if form.errors or error else 200,
    )


@login_required
def trainer_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """The .ics of a session for the trainer who runs it (the trainer is its chair)."""
    access = get_access(request.user)
    session = selectors.get_session(pk)
    if session.trainer is None or session.trainer_id != access.employee_id:
        raise Http404("You do not run this session")
    method: ics.Method = "CANCEL" if session.is_cancelled else "REQUEST"
    data = notifications.trainer_calendar_file(
        session,
        session.trainer,
        method,
        sequence=notifications.current_trainer_sequence(session),
    )
    response = HttpResponse(data, content_type=f"text/calendar; charset=utf-8; method={method}")
    response["Content-Disposition"] = f'attachment; filename="kursokt-{session.pk}.ics"'
    return response


# --- Enrolment ----------------------------------------------------------------------------------


@login_required
@require_POST
def enrol(request: HttpRequest, pk: int) -> HttpResponse:
    """Enrol oneself, or (``employee``) someone one may enrol: a seat or the waiting list."""
    access = get_access(request.user)
    session = selectors.get_session(pk)
    back = reverse("trainings:session", args=[session.pk])
    chosen = request.POST.get("employee", "")
    if chosen:
        if not chosen.isdigit():
            raise Http404("No such employee")
        employee = selectors.get_person_to_enrol(access, int(chosen))
    elif access.employee_id is not None:
        employee = Employee.objects.get(pk=access.employee_id)
    else:
        messages.error(request, _not_an_employee())
        return _back(request, back)
    # Only someone enrolling another person (their manager, the programme lead) may enrol them
    # without the prerequisite; never oneself.
    override = request.POST.get("override_reason", "") if employee.pk != access.employee_id else ""
    try:
        enrolment = services.sign_up(
            session,
            employee,
            now=timezone.now(),
            override_reason=override[:500],
            actor=_user(request),
        )
    except services.PrerequisiteMissing as exc:
        text = str(exc)
        if employee.pk != access.employee_id:
            text = _(
                "%(name)s has not taken %(prerequisite)s, which %(course)s builds on. If they "
                "have the skills already, give the reason to enrol them without it."
            ) % {
                "name": employee.full_name,
                "prerequisite": exc.prerequisite.title,
                "course": session.course.title,
            }
        messages.error(request, text)
        return _back(request, back)
    except services.EnrolmentRefused as exc:
        messages.error(request, str(exc))
        return _back(request, back)
    messages.success(
        request, _enrolled_message(enrolment, oneself=employee.pk == access.employee_id)
    )
    return _back(request, back)


def _not_an_employee() -> str:
    return _(
        "Your sign-in is not linked to an employee in the HR data, so you cannot enrol. Ask the "
        "programme lead to check that your user principal name is in the HR import."
    )


def _enrolled_message(enrolment: Enrolment, *, oneself: bool) -> str:
    values = {
        "course": enrolment.session.course.title,
        "when": _when(enrolment.session),
        "name": enrolment.employee.full_name,
        "position": enrolment.position or 0,
    }
    if enrolment.status == EnrolmentStatus.WAITLISTED:
        if oneself:
            return (
                _(
                    "The session is full. You are number %(position)d on the waiting list and "
                    "get a seat automatically if one becomes free."
                )
                % values
            )
        return _("The session is full. %(name)s is number %(position)d on the waiting list.") % (
            values
        )
    if oneself:
        return (
            _("You have a seat in %(course)s, %(when)s. The invitation is on its way by e-mail.")
            % values
        )
    return _("%(name)s has a seat in %(course)s, %(when)s.") % values


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    access = get_access(request.user)
    enrolment = selectors.get_enrolment_to_cancel(access, pk)
    back = reverse("trainings:session", args=[enrolment.session_id])
    had_seat = enrolment.status in SEAT_STATUSES
    try:
        promoted = services.cancel(enrolment, now=timezone.now())
    except services.EnrolmentRefused as exc:
        messages.error(request, str(exc))
        return _back(request, back)
    oneself = enrolment.employee_id == access.employee_id
    if oneself:
        text = _("Your seat is cancelled.") if had_seat else _("You have left the waiting list.")
    else:
        text = _("%(name)s is no longer enrolled.") % {"name": enrolment.employee.full_name}
    if promoted is not None:
        text += " " + _("The seat went to the first person on the waiting list.")
    messages.success(request, text)
    return _back(request, back)


@login_required
def calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """The .ics of one's own enrolment: the invitation, or its cancellation."""
    enrolment = selectors.get_own_enrolment(request.user, pk)
    if enrolment.status == EnrolmentStatus.CANCELLED:
        method: ics.Method = "CANCEL"
    elif enrolment.status in SEAT_STATUSES:
        method = "REQUEST"
    else:
        raise Http404("No calendar entry while on the waiting list")
    data = notifications.calendar_file(
        enrolment, method, sequence=notifications.current_sequence(enrolment)
    )
    response = HttpResponse(data, content_type=f"text/calendar; charset=utf-8; method={method}")
    response["Content-Disposition"] = f'attachment; filename="kurs-{enrolment.session.pk}.ics"'
    return response


# --- Paper: roster and certificate -------------------------------------------------------------


@login_required
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    """The attendance list of a session as PDF, for its trainer and the programme lead."""
    session = selectors.get_session_to_manage(request.user, pk)
    response = HttpResponse(documents.roster(session), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="deltakerliste-{session.code}.pdf"'
    return response


@login_required
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """One's own course certificate as PDF (only for a session one attended)."""
    enrolment = selectors.get_own_enrolment(request.user, pk)
    if enrolment.status != EnrolmentStatus.ATTENDED:
        raise Http404("A certificate is only for a course you attended")
    response = HttpResponse(documents.certificate(enrolment), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="kursbevis-{enrolment.session.course.code}.pdf"'
    )
    return response


# --- Attendance ---------------------------------------------------------------------------------


@login_required
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The trainer's list: attended or not, one tap per person (HTMX), on a phone."""
    session = selectors.get_session_to_manage(request.user, pk)
    htmx = request.headers.get("HX-Request") == "true"
    error = ""
    if request.method == "POST":
        chosen = request.POST.get("employee", "")
        employee = Employee.objects.filter(pk=int(chosen)).first() if chosen.isdigit() else None
        if employee is None:
            raise Http404("No such employee")
        attended = request.POST.get("status") == EnrolmentStatus.ATTENDED
        try:
            enrolment = services.set_attendance(session, employee, attended=attended)
        except services.EnrolmentRefused as exc:
            error = str(exc)
            if htmx:  # 200, so that htmx swaps the row in with the message
                return _page(
                    request,
                    "trainings/_attendance_refused.html",
                    {"employee": employee, "error": error},
                )
        else:
            if htmx:
                return _page(
                    request,
                    "trainings/_attendance_row.html",
                    {
                        "session": session,
                        "enrolment": enrolment,
                        "summary": _attendance_summary(session),
                        "oob": True,
                    },
                )
            return redirect(
                reverse("trainings:attendance", args=[session.pk]) + f"#deltaker-{employee.pk}"
            )
    enrolments = [
        e for e in selectors.session_enrolments(request.user, session) if e.status in SEAT_STATUSES
    ]
    return _page(
        request,
        "trainings/attendance.html",
        {
            "session": session,
            "course": session.course,
            "enrolments": enrolments,
            "summary": _attendance_summary(session),
            "error": error,
        },
        status=409 if error else 200,
    )


def _attendance_summary(session: Session) -> dict[str, int]:
    statuses = list(
        session.enrolments.filter(status__in=list(SEAT_STATUSES)).values_list("status", flat=True)
    )
    return {
        "attended": statuses.count(EnrolmentStatus.ATTENDED),
        "no_show": statuses.count(EnrolmentStatus.NO_SHOW),
        "open": statuses.count(EnrolmentStatus.ENROLLED),
    }


# --- My courses ---------------------------------------------------------------------------------


@login_required
def my_courses(request: HttpRequest) -> HttpResponse:
    access = get_access(request.user)
    now = timezone.now()
    enrolments = selectors.my_enrolments(access)
    coming = [
        e for e in enrolments if e.status == EnrolmentStatus.ENROLLED and e.session.starts_at > now
    ]
    return _page(
        request,
        "trainings/my_courses.html",
        {
            "is_employee": access.employee_id is not None,
            "coming": [(e, e.session.starts_at - CANCELLATION_DEADLINE > now) for e in coming],
            "waiting": [e for e in enrolments if e.status == EnrolmentStatus.WAITLISTED],
            "completed": [e for e in reversed(enrolments) if e.status == EnrolmentStatus.ATTENDED],
            "other_past": [
                e
                for e in reversed(enrolments)
                if e.status == EnrolmentStatus.NO_SHOW
                or (e.status == EnrolmentStatus.ENROLLED and e.session.starts_at <= now)
            ],
            "deadline_hours": CANCELLATION_DEADLINE.total_seconds() // 3600,
            "paths": selectors.learning_paths(access, now=now),
        },
    )


# --- Learning paths ------------------------------------------------------------------------------


@login_required
def path_create(request: HttpRequest) -> HttpResponse:
    if not selectors.can_edit_learning_paths(request.user):
        raise PermissionDenied
    return _path_form(request, LearningPath())


@login_required
def path_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not selectors.can_edit_learning_paths(request.user):
        raise PermissionDenied
    return _path_form(request, selectors.get_learning_path(pk))


def _path_form(request: HttpRequest, path: LearningPath) -> HttpResponse:
    created = path.pk is None
    form = LearningPathForm(request.POST or None, instance=path)
    if request.method == "POST" and form.is_valid():
        try:
            path = services.save_learning_path(
                form.save(commit=False), form.chosen_courses(), actor=_user(request)
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The learning path %(name)s was created.") % {"name": path.name}
                if created
                else _("The changes to %(name)s were saved.") % {"name": path.name},
            )
            return redirect(reverse("trainings:catalogue") + "#laeringslop")
    return _page(
        request,
        "trainings/path_form.html",
        {
            "form": form,
            "path": path,
            "created": created,
            "steps": [form[f"step_{n}"] for n in range(1, LearningPathForm.STEPS + 1)],
        },
        status=400 if form.errors else 200,
    )


# --- The training plan --------------------------------------------------------------------------


def _plan_context(request: HttpRequest) -> dict[str, Any]:
    return {
        "can_edit_plan": training_plan.can_edit_plan(request.user),
        "min_group_size": settings.MIN_GROUP_SIZE,
    }


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    scope = training_plan.get_plan_scope_for_user(request.user)
    today = timezone.localdate()
    rows = [training_plan.progress(scope, t, today=today) for t in training_plan.get_targets()]
    return _page(request, "trainings/plan.html", {"rows": rows, **_plan_context(request)})


@login_required
def target_detail(request: HttpRequest, pk: int, unit_pk: int | None = None) -> HttpResponse:
    scope = training_plan.get_plan_scope_for_user(request.user)
    target = training_plan.get_target(pk)
    result = training_plan.breakdown(scope, target, today=timezone.localdate(), unit_pk=unit_pk)
    return _page(
        request,
        "trainings/target_detail.html",
        {"target": target, "result": result, **_plan_context(request)},
    )


@login_required
def target_missing(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    scope = training_plan.get_plan_scope_for_user(request.user)
    target = training_plan.get_target(pk)
    unit, missing = training_plan.still_missing(scope, target, unit_pk, today=timezone.localdate())
    return _page(
        request,
        "trainings/target_missing.html",
        {"target": target, "unit": unit, "missing": missing},
    )


def _require_plan_editor(request: HttpRequest) -> None:
    if not training_plan.can_edit_plan(request.user):
        raise PermissionDenied


@login_required
def target_create(request: HttpRequest) -> HttpResponse:
    _require_plan_editor(request)
    return _target_form(request, TrainingTarget())


@login_required
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_plan_editor(request)
    return _target_form(request, training_plan.get_target(pk))


def _target_form(request: HttpRequest, target: TrainingTarget) -> HttpResponse:
    created = target.pk is None
    units = get_units_for_user(request.user, on=timezone.localdate())
    if target.unit_id is not None:
        units = units | get_units_for_user(request.user).filter(pk=target.unit_id)
    form = TrainingTargetForm(request.POST or None, instance=target, units=units)
    if request.method == "POST" and form.is_valid():
        target = services.save_target(
            form.save(commit=False), form.cleaned_data["courses"], actor=_user(request)
        )
        messages.success(
            request,
            _("The target %(name)s was created.") % {"name": target.name}
            if created
            else _("The changes to %(name)s were saved.") % {"name": target.name},
        )
        return redirect("trainings:target", target.pk)
    return _page(
        request,
        "trainings/target_form.html",
        {"form": form, "target": target, "created": created},
        status=400 if form.errors else 200,
    )


@login_required
def target_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_plan_editor(request)
    target = training_plan.get_target(pk)
    if request.method == "POST":
        services.delete_target(target, actor=_user(request))
        messages.success(request, _("The target %(name)s was deleted.") % {"name": target.name})
        return redirect("trainings:plan")
    return _page(request, "trainings/target_delete.html", {"target": target})


# --- Import of historical training records -------------------------------------------------------

_COUNT_KEYS = tuple(
    f"{entity}_{action}"
    for entity in ("course", "session", "enrolment")
    for action in ("created", "changed")
)


def _require_training_import(request: HttpRequest) -> None:
    if not selectors.can_import_training(request.user):
        raise PermissionDenied


def _import_summary(counts: dict[str, int]) -> list[tuple[str, int, int]]:
    return [
        (label, counts.get(f"{entity}_created", 0), counts.get(f"{entity}_changed", 0))
        for entity, label in (
            ("course", _("Courses")),
            ("session", _("Sessions")),
            ("enrolment", _("Enrolments")),
        )
    ]


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    """Upload the training files and see what they would change; nothing is written yet."""
    _require_training_import(request)
    form = TrainingImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = [
            services.UploadedFile(f.name or "upload", f.read()) for f in form.cleaned_data["files"]
        ]
        try:
            result = services.import_training(files, apply=False)
        except services.ImportRefused as exc:
            return _page(
                request,
                "trainings/import.html",
                {"form": form, "problems": exc.problems},
                status=400,
            )
        token = ""
        if result.ok and result.changes:
            token = services.stage_upload(files, _user(request))
        return _page(
            request,
            "trainings/import_preview.html",
            {
                "result": result,
                "files": files,
                "token": token,
                "expected": json.dumps({k: result.counts.get(k, 0) for k in _COUNT_KEYS}),
                "summary": _import_summary(result.counts),
            },
            status=200 if result.ok else 400,
        )
    return _page(
        request,
        "trainings/import.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def import_apply(request: HttpRequest) -> HttpResponse:
    """Apply the upload previewed, as it was previewed: all of it, or nothing."""
    _require_training_import(request)
    token = request.POST.get("token", "")
    try:
        expected = _expected_counts(request.POST.get("expected", ""))
        files = services.load_staged(token, _user(request))
        result = services.import_training(
            files, apply=True, actor=_user(request), source="web", expected=expected
        )
    except services.ImportRefused as exc:
        services.discard_staged(token)
        return _page(
            request,
            "trainings/import.html",
            {"form": TrainingImportForm(), "problems": exc.problems},
            status=409,
        )
    services.discard_staged(token)
    counts = result.counts
    messages.success(
        request,
        _(
            "Import applied. Courses: %(courses)d created, %(courses_changed)d changed. "
            "Sessions: %(sessions)d created, %(sessions_changed)d changed. Enrolments: "
            "%(enrolments)d created, %(enrolments_changed)d changed."
        )
        % {
            "courses": counts["course_created"],
            "courses_changed": counts["course_changed"],
            "sessions": counts["session_created"],
            "sessions_changed": counts["session_changed"],
            "enrolments": counts["enrolment_created"],
            "enrolments_changed": counts["enrolment_changed"],
        },
    )
    return redirect("trainings:catalogue")


def _expected_counts(text: str) -> dict[str, int]:
    """The counts the preview showed, as the confirm form sends them back."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if (
        not isinstance(data, dict)
        or set(data) != set(_COUNT_KEYS)
        or not all(type(v) is int for v in data.values())
    ):
        raise services.ImportRefused(
            [_("The preview is missing or damaged. Upload the files again.")]
        )
    return data
