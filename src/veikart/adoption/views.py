"""The adoption dashboards under /bruk/: parse the choices, build the page, render it.

Who may see what is decided below the views (:mod:`veikart.adoption.selectors`, through
:mod:`veikart.adoption.dashboards`): anyone without adoption access gets 403, a unit outside a unit
manager's subtree 404, as on the organisation pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from veikart.adoption import dashboards, exports, selectors
from veikart.adoption.dashboards import Params, Table
from veikart.adoption.models import Grain
from veikart.core.access import Access, get_access
from veikart.core.services import record_audit_event
from veikart.organisations.selectors import get_organisation


def _access(request: HttpRequest) -> Access:
    access = get_access(request.user)
    if not selectors.sees_adoption(access):
        raise PermissionDenied
    return access


def _params(request: HttpRequest, **fixed: Any) -> Params:
    params = Params.from_query(request.GET)
    return replace(params, **fixed) if fixed else params


def _context(params: Params, **extra: Any) -> dict[str, Any]:
    return {
        "params": params,
        "metric": params.metric_def,
        "metric_name": dashboards.metric_name(params.metric_def),
        "metric_description": dashboards.metric_description(params.metric_def),
        "metrics": dashboards.metric_choices(),
        "grains": [(Grain.WEEK, "uke"), (Grain.MONTH, "maned")],
        "organisation": get_organisation(),
        "min_group_size": settings.MIN_GROUP_SIZE,
        **extra,
    }


def _audit_view(request: HttpRequest, page: str, **detail: Any) -> None:
    """Views of breakdowns into smaller groups (a unit's leaders, its training status, a former
    organisation) are recorded, as the architecture asks: who looked at what, never figures."""
    query = {key: value for key, value in request.GET.items() if key != "csrfmiddlewaretoken"}
    record_audit_event(
        request.user,
        "adoption.view",
        target=page,
        detail={**detail, "query": query},
    )


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    params = _params(request)
    page = dashboards.overview(access, params)
    return render(request, "adoption/overview.html", _context(params, page=page))


@login_required
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    access = _access(request)
    params = _params(request, unit=pk)
    page = dashboards.unit_page(access, params)
    _audit_view(request, "unit", unit=pk)
    return render(request, "adoption/unit.html", _context(params, page=page))


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    params = _params(request)
    page = dashboards.compare(access, params)
    return render(request, "adoption/compare.html", _context(params, page=page))


@login_required
def former(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    params = _params(request)
    page = dashboards.former(access, params)
    _audit_view(request, "former")
    return render(request, "adoption/former.html", _context(params, page=page))


@login_required
def leaders(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    params = dashboards.leaders_params(_params(request))
    page = dashboards.leaders(access, params)
    _audit_view(request, "leaders")
    return render(
        request,
        "adoption/leaders.html",
        _context(
            params,
            page=page,
            metrics=[(m.key, dashboards.metric_name(m)) for m in page.metrics],
        ),
    )


@login_required
def help_needed(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    params = _params(request)
    page = dashboards.where_help_is_needed(access, params)
    return render(request, "adoption/help.html", _context(params, page=page))


@login_required
def hidden_figures(request: HttpRequest) -> HttpResponse:
    _access(request)
    return render(request, "adoption/hidden.html", _context(Params()))


class _Page(Protocol):
    @property
    def tables(self) -> dict[str, Table]: ...


# Export name (in the URL) -> the page whose table it is. The export is built by the page's own
# code, so it holds the numbers the page shows, scoped the same way.
EXPORTS: dict[str, Callable[[Access, Params], _Page]] = {
    "oversikt": dashboards.overview,
    "oversikt-siste": dashboards.overview,
    "oversikt-utvikling": dashboards.overview,
    "enhet-utvikling": dashboards.unit_page,
    "enhet-kursstatus": dashboards.unit_page,
    "enhet-ledere": dashboards.unit_page,
    "enhet-underenheter": dashboards.unit_page,
    "sammenligning": dashboards.compare,
    "tidligere-kommuner": dashboards.former,
    "ledere": dashboards.leaders,
    "ledere-enheter": dashboards.leaders,
    "hjelp-lavest": dashboards.where_help_is_needed,
    "hjelp-vekst": dashboards.where_help_is_needed,
}


@login_required
def export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    """One dashboard table as .xlsx or .csv, built by the page's own code; audit-logged."""
    access = _access(request)
    if table not in EXPORTS or fmt not in ("xlsx", "csv"):
        raise Http404("No such export")
    params = _params(request)
    try:
        result = EXPORTS[table](access, params).tables.get(table)
    except selectors.NotAllowed:
        raise PermissionDenied from None
    if result is None:
        raise Http404("Nothing to export")
    if fmt == "xlsx":
        content, content_type = exports.to_xlsx(result), exports.XLSX_CONTENT_TYPE
    else:
        content, content_type = exports.to_csv(result), exports.CSV_CONTENT_TYPE
    record_audit_event(
        request.user,
        "adoption.export",
        target=f"adoption:{table}",
        detail={"format": fmt, "choices": params.as_detail(), "rows": len(result.rows)},
    )
    filename = f"veikart-{table}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
