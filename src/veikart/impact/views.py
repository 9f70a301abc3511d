"""The impact page under /effekt/: the stored evaluation in words and charts, a form to run a new
one, and the report as HTML or PDF. The programme lead, the executive and administrators only;
everyone else gets 403 (the evaluation is organisation-wide)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from veikart.core.access import Access, get_access
from veikart.core.services import record_audit_event
from veikart.impact import report as reports
from veikart.impact import selectors, services
from veikart.impact.forms import EvaluateForm
from veikart.impact.panel import NoData
from veikart.impact.report import presentation_of
from veikart.organisations.selectors import get_organisation


def _access(request: HttpRequest) -> Access:
    access = get_access(request.user)
    if not selectors.sees_impact(access):
        raise PermissionDenied
    return access


@login_required
def page(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    may_evaluate = selectors.may_evaluate(access)
    form = EvaluateForm(request.POST or None)
    if request.method == "POST":
        if not may_evaluate:
            raise PermissionDenied
        if form.is_valid():
            try:
                done = services.evaluate_and_store(
                    form.cleaned_data["metric"], form.cleaned_data["courses"], user=request.user
                )
            except NoData as exc:
                form.add_error(None, _no_data_message(exc))
            else:
                record_audit_event(
                    request.user, "impact.evaluate", target="impact",
                    detail={**done.parameters, "seconds": round(done.seconds, 1)},
                )  # fmt: skip
                messages.success(
                    request,
                    _("The evaluation is done (%(seconds)s seconds).")
                    % {"seconds": f"{done.seconds:.0f}"},
                )
                return redirect("impact:page")
    result = selectors.latest_result()
    context: dict[str, Any] = {
        "organisation": get_organisation(),
        "form": form,
        "may_evaluate": may_evaluate,
        "result": result,
        "view": presentation_of(result) if result is not None else None,
        "methods": reports.methods(settings.MIN_GROUP_SIZE),
    }
    if result is not None and form.is_bound is False:
        form.initial = {"metric": result.parameters.get("metric"),
                        "courses": result.parameters.get("courses", [])}  # fmt: skip
    return render(request, "impact/page.html", context)


def _no_data_message(exc: NoData) -> str:
    if isinstance(exc, services.TooFew):
        return _(
            "Too few trained people to evaluate: every figure must cover at least %(k)s people."
        ) % {"k": settings.MIN_GROUP_SIZE}
    return _(
        "There is nothing to evaluate yet: the organisation, its usage data or its training "
        "records are missing."
    )


@login_required
def report(request: HttpRequest, fmt: str) -> HttpResponse:
    """The stored evaluation as an HTML or PDF file; audit-logged like every export."""
    _access(request)
    if fmt not in reports.FORMATS:
        raise Http404("No such format")
    result = selectors.latest_result()
    if result is None:
        raise Http404("No evaluation yet")
    content = reports.render_report(result, fmt)
    record_audit_event(request.user, "impact.report", target="impact",
                       detail={"format": fmt, "result": result.pk})  # fmt: skip
    content_type = "application/pdf" if fmt == "pdf" else "text/html; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    filename = f"veikart-effekt-{timezone.localdate():%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
