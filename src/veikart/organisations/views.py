from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from veikart.core.access import get_access
from veikart.organisations import selectors, services, templates_io
from veikart.organisations.constants import ImportSource
from veikart.organisations.forms import EmployeeSearchForm, ImportForm
from veikart.organisations.importing.plan import Change, ImportPlan, parse_date
from veikart.organisations.models import Assignment, Employee, Unit


def _user(request: HttpRequest) -> User:
    """The signed-in user of a view behind ``login_required``."""
    assert isinstance(request.user, User)
    return request.user


def _day(request: HttpRequest) -> dt.date:
    return parse_date(request.GET.get("dato", "")) or timezone.localdate()


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    access = get_access(request.user)
    if not access.sees_units:
        raise PermissionDenied
    day = _day(request)
    nodes = selectors.unit_tree_for_user(access, on=day)
    return render(
        request,
        "organisations/tree.html",
        {
            "nodes": nodes,
            "day": day,
            "organisation": selectors.get_organisation(),
            "total": sum(n.total for n in nodes if n.depth == 0),
        },
    )


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = get_access(request.user)
    unit = selectors.get_unit_for_user(access, pk)
    day = _day(request)
    people = []
    if access.lists_employees:
        people = list(
            selectors.get_employees_for_user(access, on=day).filter(
                assignments__in=Assignment.objects.valid_on(day).filter(unit=unit)
            )
        )
    context = {
        "unit": unit,
        "day": day,
        "ancestors": _ancestors(unit),
        "children": selectors.get_units_for_user(access).filter(parent=unit),
        "people": people,
        "show_people": access.lists_employees,
        "predecessors": [s.predecessor for s in unit.predecessions.select_related("predecessor")],
        "successors": [s.successor for s in unit.successions.select_related("successor")],
        "organisation": selectors.get_organisation(),
    }
    return render(request, "organisations/unit_detail.html", context)


def _ancestors(unit: Unit) -> list[Unit]:
    chain = []
    current = unit.parent
    while current is not None:
        chain.append(current)
        current = current.parent
    return list(reversed(chain))


@login_required
def employee_list(request: HttpRequest) -> HttpResponse:
    access = get_access(request.user)
    if not access.lists_employees:
        raise PermissionDenied
    day = _day(request)
    form = EmployeeSearchForm(request.GET)
    employees = selectors.get_employees_for_user(access, on=day)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    for word in query.split():
        employees = employees.filter(
            Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(employee_number=word)
            | Q(title__icontains=word)
        )
    page = Paginator(employees, 50).get_page(request.GET.get("side"))
    units = selectors.current_units(list(page.object_list), day)
    rows = [(e, units.get(e.pk)) for e in page.object_list]
    return render(
        request,
        "organisations/employee_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "day": day,
            "query": query,
            "organisation": selectors.get_organisation(),
        },
    )


@login_required
def employee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    employee = selectors.get_employee_for_user(request.user, pk)
    return _employee_page(request, employee)


@login_required
def me(request: HttpRequest) -> HttpResponse:
    access = get_access(request.user)
    if access.employee_id is None:
        return render(
            request, "organisations/me.html", {"organisation": selectors.get_organisation()}
        )
    return _employee_page(request, selectors.get_employee_for_user(access, access.employee_id))


def _employee_page(request: HttpRequest, employee: Employee) -> HttpResponse:
    assignments = (
        Assignment.objects.filter(employee=employee).select_related("unit").order_by("valid_from")
    )
    return render(
        request,
        "organisations/employee_detail.html",
        {
            "employee": employee,
            "assignments": assignments,
            "identities": employee.identities.order_by("upn"),
            "organisation": selectors.get_organisation(),
        },
    )


PREVIEW_CHANGES = 300


def _summary(plan: ImportPlan) -> list[tuple[str, int, int, int]]:
    return [
        (
            label,
            plan.count("created", entity),
            plan.count("changed", entity),
            plan.count("ended", entity),
        )
        for entity, label in (("unit", _("Units")), ("employee", _("Employees")))
    ]


def _labelled(change: Change) -> dict[str, object]:
    labels = {"created": _("Created"), "changed": _("Changed"), "ended": _("Ended")}
    return {
        "action_label": labels[change.action],
        "label": change.label,
        "key": change.key,
        "fields": [f"{field}: {old or '–'} → {new or '–'}" for field, old, new in change.values],
    }


def _require_import(request: HttpRequest) -> None:
    if not get_access(request.user).can_import:
        raise PermissionDenied


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    _require_import(request)
    organisation = selectors.get_organisation()
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid() and organisation is not None:
            files = [
                services.UploadedFile(f.name or "upload", f.read())
                for f in form.cleaned_data["files"]
            ]
            as_of, full = form.cleaned_data["as_of"], form.cleaned_data["full"]
            try:
                plan = services.preview_import(organisation, files, as_of=as_of, full=full)
            except services.ImportRefused as exc:
                return render(
                    request,
                    "organisations/import.html",
                    {"form": form, "problems": exc.problems, "organisation": organisation},
                    status=400,
                )
            token = services.stage_upload(files, _user(request)) if plan.ok else ""
            return render(
                request,
                "organisations/import_preview.html",
                {
                    "plan": plan,
                    "token": token,
                    "files": files,
                    "organisation": organisation,
                    "summary": _summary(plan),
                    "per_unit": plan.per_unit(),
                    "changes": [_labelled(c) for c in plan.changes[:PREVIEW_CHANGES]],
                    "more_changes": max(0, len(plan.changes) - PREVIEW_CHANGES),
                },
                status=200 if plan.ok else 400,
            )
    else:
        form = ImportForm()
    return render(
        request, "organisations/import.html", {"form": form, "organisation": organisation}
    )


@login_required
@require_POST
def import_apply(request: HttpRequest) -> HttpResponse:
    _require_import(request)
    organisation = services.require_organisation()
    token = request.POST.get("token", "")
    as_of = parse_date(request.POST.get("as_of", ""))
    full = request.POST.get("full") == "1"
    try:
        if as_of is None:
            raise services.ImportRefused([_("The import date is missing. Upload the file again.")])
        files = services.load_staged(token, _user(request))
        plan = services.apply_import(
            organisation,
            files,
            as_of=as_of,
            full=full,
            actor=_user(request),
            source=ImportSource.WEB,
            expected_fingerprint=request.POST.get("fingerprint", ""),
        )
    except services.ImportRefused as exc:
        return render(
            request,
            "organisations/import.html",
            {"form": ImportForm(), "problems": exc.problems, "organisation": organisation},
            status=409,
        )
    services.discard_staged(token)
    messages.success(
        request,
        _("Import applied. Employees: %(created)d created, %(changed)d changed, %(ended)d ended.")
        % {
            "created": plan.count("created", "employee"),
            "changed": plan.count("changed", "employee"),
            "ended": plan.count("ended", "employee"),
        },
    )
    return redirect("organisations:tree")


@login_required
def import_template(request: HttpRequest, name: str) -> FileResponse:
    _require_import(request)
    content, content_type = templates_io.template_file(name)
    response = FileResponse(iter([content]), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
