from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from veikart.core.services import record_audit_event
from veikart.organisations.importing.plan import parse_date
from veikart.organisations.models import Organisation
from veikart.organisations.selectors import get_organisation, get_units_for_user
from veikart.roadmaps import pages, selectors, services, status_documents, status_report
from veikart.roadmaps.forms import InitiativeForm, MilestoneForm, TargetForm
from veikart.roadmaps.models import Initiative, Milestone, Target


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(
        request,
        template,
        {
            "organisation": get_organisation(),
            "can_edit": selectors.can_edit(request.user),
            "sees_all_figures": selectors.sees_all_figures(request.user),
            **context,
        },
        status=status,
    )


def _require_editor(request: HttpRequest) -> None:
    if not selectors.can_edit(request.user):
        raise PermissionDenied


def _organisation() -> Organisation:
    organisation = get_organisation()
    if organisation is None:
        raise Http404("No organisation yet")
    return organisation


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- The roadmap ---------------------------------------------------------------------------------


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    data = selectors.overview(request.user)
    chart = pages.timeline([row.initiative for row in data.rows], today=timezone.localdate())
    return _page(request, "roadmaps/overview.html", {"overview": data, "chart": chart})


@login_required
def initiative_detail(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = selectors.get_initiative_for_user(request.user, pk)
    states = selectors.target_states(request.user, initiative.targets.all())
    return _page(
        request,
        "roadmaps/initiative_detail.html",
        {
            "initiative": initiative,
            "states": states,
            "decisions": [(d, _decision_href(d.pk)) for d in initiative.depends_on_decisions.all()],
            "milestone_form": MilestoneForm(),
        },
    )


def _decision_href(pk: int) -> str:
    """The systems app's page of a decision, when it has one."""
    try:
        return reverse("systems:decision", args=[pk])
    except NoReverseMatch:
        return ""


@login_required
def initiative_create(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    return _initiative_form(request, Initiative(organisation=_organisation()))


@login_required
def initiative_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    return _initiative_form(request, selectors.get_initiative_for_user(request.user, pk))


def _initiative_form(request: HttpRequest, initiative: Initiative) -> HttpResponse:
    created = initiative.pk is None
    form = InitiativeForm(
        request.POST or None,
        instance=initiative,
        organisation=initiative.organisation,
        units=get_units_for_user(request.user, on=timezone.localdate())
        | get_units_for_user(request.user).filter(
            pk__in=[u.pk for u in initiative.units.all()] if not created else []
        ),
    )
    if request.method == "POST" and form.is_valid():
        initiative = services.save_initiative(
            form.save(commit=False),
            units=form.cleaned_data["units"],
            decisions=form.cleaned_data["depends_on_decisions"],
            courses=form.cleaned_data["depends_on_courses"],
            actor=_user(request),
        )
        messages.success(
            request,
            _("The initiative %(code)s was created.") % {"code": initiative.code}
            if created
            else _("The changes to %(code)s were saved.") % {"code": initiative.code},
        )
        return redirect("roadmaps:initiative", initiative.pk)
    return _page(
        request,
        "roadmaps/initiative_form.html",
        {"form": form, "initiative": initiative, "created": created},
        status=400 if form.errors else 200,
    )


@login_required
def initiative_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    initiative = selectors.get_initiative_for_user(request.user, pk)
    if request.method == "POST":
        services.delete_initiative(initiative, actor=_user(request))
        messages.success(
            request, _("The initiative %(code)s was deleted.") % {"code": initiative.code}
        )
        return redirect("roadmaps:overview")
    return _page(request, "roadmaps/initiative_delete.html", {"initiative": initiative})


# --- Milestones ----------------------------------------------------------------------------------


def _milestones(
    request: HttpRequest, initiative: Initiative, form: MilestoneForm, status: int = 200
) -> HttpResponse:
    """The milestones section of the initiative page, for HTMX to swap in."""
    return render(
        request,
        "roadmaps/_milestones.html",
        {
            "initiative": initiative,
            "milestones": initiative.milestones.order_by("date", "pk"),
            "milestone_form": form,
            "can_edit": True,
        },
        status=status,
    )


@login_required
@require_POST
def milestone_create(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    initiative = selectors.get_initiative_for_user(request.user, pk)
    form = MilestoneForm(request.POST, instance=Milestone(initiative=initiative))
    if form.is_valid():
        services.save_milestone(form.save(commit=False), actor=_user(request))
        if _is_htmx(request):
            return _milestones(request, initiative, MilestoneForm())
        messages.success(request, _("The milestone was added."))
        return redirect("roadmaps:initiative", initiative.pk)
    if _is_htmx(request):
        # 200, so that HTMX swaps the form with its messages in.
        return _milestones(request, initiative, form)
    return _page(
        request,
        "roadmaps/milestone_form.html",
        {"form": form, "initiative": initiative, "milestone": form.instance},
        status=400,
    )


@login_required
def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    milestone = selectors.get_milestone_for_user(request.user, pk)
    form = MilestoneForm(request.POST or None, instance=milestone)
    if request.method == "POST" and form.is_valid():
        services.save_milestone(form.save(commit=False), actor=_user(request))
        messages.success(request, _("The milestone was saved."))
        return redirect("roadmaps:initiative", milestone.initiative_id)
    return _page(
        request,
        "roadmaps/milestone_form.html",
        {"form": form, "initiative": milestone.initiative, "milestone": milestone},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def milestone_done(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    milestone = selectors.get_milestone_for_user(request.user, pk)
    services.set_milestone_done(milestone, request.POST.get("done") == "1", actor=_user(request))
    if _is_htmx(request):
        return _milestones(request, milestone.initiative, MilestoneForm())
    return redirect("roadmaps:initiative", milestone.initiative_id)


@login_required
@require_POST
def milestone_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    milestone = selectors.get_milestone_for_user(request.user, pk)
    initiative = milestone.initiative
    services.delete_milestone(milestone, actor=_user(request))
    if _is_htmx(request):
        return _milestones(request, initiative, MilestoneForm())
    messages.success(request, _("The milestone was deleted."))
    return redirect("roadmaps:initiative", initiative.pk)


# --- Targets -------------------------------------------------------------------------------------


@login_required
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.get_target_for_user(request.user, pk)
    state = selectors.target_state(request.user, target)
    return _page(
        request,
        "roadmaps/target_detail.html",
        {"target": target, "state": state, "chart": pages.target_chart(state)},
    )


@login_required
def target_create(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    initiative = selectors.get_initiative_for_user(request.user, pk)
    return _target_form(request, Target(initiative=initiative))


@login_required
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    return _target_form(request, selectors.get_target_for_user(request.user, pk))


def _target_form(request: HttpRequest, target: Target) -> HttpResponse:
    created = target.pk is None
    units = get_units_for_user(request.user, on=timezone.localdate())
    if target.unit_id is not None:
        units = units | get_units_for_user(request.user).filter(pk=target.unit_id)
    form = TargetForm(request.POST or None, instance=target, units=units)
    if request.method == "POST" and form.is_valid():
        target = services.save_target(form.save(commit=False), actor=_user(request))
        messages.success(
            request,
            _("The target %(name)s was created.") % {"name": target.name}
            if created
            else _("The changes to %(name)s were saved.") % {"name": target.name},
        )
        return redirect("roadmaps:target", target.pk)
    return _page(
        request,
        "roadmaps/target_form.html",
        {"form": form, "target": target, "initiative": target.initiative, "created": created},
        status=400 if form.errors else 200,
    )


@login_required
def target_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request)
    target = selectors.get_target_for_user(request.user, pk)
    if request.method == "POST":
        services.delete_target(target, actor=_user(request))
        messages.success(request, _("The target %(name)s was deleted.") % {"name": target.name})
        return redirect("roadmaps:initiative", target.initiative_id)
    return _page(request, "roadmaps/target_delete.html", {"target": target})


# --- The status report for the leadership group --------------------------------------------------


def _status_report_day(request: HttpRequest) -> tuple[dt.date, str]:
    """The day asked for (``?dato=``, today when empty) and, when it is no date, what to do."""
    text = request.GET.get("dato", "").strip()
    if not text:
        return timezone.localdate(), ""
    day = parse_date(text)
    if day is None:
        return timezone.localdate(), _(
            "“%(text)s” is not a date. Write it as dd.mm.yyyy, e.g. 30.06.2020; the report below "
            "is for today."
        ) % {"text": text}
    return day, ""


def _require_status_report(request: HttpRequest) -> None:
    if not status_report.can_see_status_report(request.user):
        raise PermissionDenied


@login_required
def status_report_page(request: HttpRequest) -> HttpResponse:
    _require_status_report(request)
    day, problem = _status_report_day(request)
    report = status_report.get_status_report_for_user(request.user, day=day)
    query = urlencode({"dato": day.isoformat()})
    return _page(
        request,
        "roadmaps/status/preview.html",
        {
            "report": report,
            "title": status_documents.title(),
            "cover": status_documents.cover(report),
            "summary": status_documents.summary(report),
            "sections": status_documents.sections(report),
            "problem": problem,
            "day_text": formats.date_format(day, "SHORT_DATE_FORMAT"),
            "query": query,
        },
        status=400 if problem else 200,
    )


def _status_report_file(request: HttpRequest, fmt: str) -> HttpResponse:
    _require_status_report(request)
    day, problem = _status_report_day(request)
    if problem:
        return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")
    report = status_report.get_status_report_for_user(request.user, day=day)
    content = status_documents.render(report, fmt)
    record_audit_event(
        request.user,
        "roadmap.status_report",
        target="statusrapport",
        detail={"format": fmt, "date": day.isoformat()},
    )
    response = HttpResponse(content, content_type=status_documents.content_type(fmt))
    name = status_documents.filename(report, fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def status_report_pdf(request: HttpRequest) -> HttpResponse:
    return _status_report_file(request, "pdf")


@login_required
def status_report_xlsx(request: HttpRequest) -> HttpResponse:
    return _status_report_file(request, "xlsx")
