"""The data-protection officer's pages: audit log, retention, subject access (*innsyn*).

The log and retention pages are for the DPO and administrators only (403 for everyone else,
the programme lead included). A subject-access report is for the DPO and administrators about
anyone, and for every signed-in person about themselves (*Mine data*).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from veikart.core import audit, subject_access
from veikart.core.audit import FAMILIES, CsvColumns, family_of
from veikart.core.privacy_forms import LogFilterForm, SubjectSearchForm
from veikart.core.services import record_audit_event
from veikart.organisations.selectors import get_organisation

PAGE_SIZE = 50
FORMATS = ("html", "json", "pdf")


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    base = {
        "organisation": get_organisation(),
        "reader": audit.can_read_audit_log(request.user),
    }
    return render(request, template, {**base, **context})


def _require_reader(request: HttpRequest) -> None:
    if not audit.can_read_audit_log(request.user):
        raise PermissionDenied


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    if not audit.can_read_audit_log(request.user):
        return redirect("privacy:mine")
    return redirect("privacy:log")


# --- the audit log --------------------------------------------------------------------------


@require_GET
@login_required
def log(request: HttpRequest) -> HttpResponse:
    events = audit.get_audit_log_for_user(request.user)
    form = LogFilterForm(request.GET or None, actions=audit.known_actions())
    chosen = form.log_filter()
    page = Paginator(audit.filter_log(events, chosen), PAGE_SIZE).get_page(request.GET.get("side"))
    names = audit.target_names(page.object_list)
    query = [(k, str(v)) for k, v in request.GET.items() if k != "side" and v]
    return _page(
        request,
        "core/privacy/log.html",
        {
            "form": form,
            "page": page,
            "rows": [
                (
                    event,
                    family_of(event.action),
                    audit.detail_text(event.detail),
                    names.get(event.target, ""),
                )
                for event in page.object_list
            ],
            "families": FAMILIES,
            "query": urlencode(query),
            "filtered": bool(chosen.as_detail()),
        },
    )


@require_GET
@login_required
def log_export(request: HttpRequest) -> HttpResponse:
    events = audit.get_audit_log_for_user(request.user)
    form = LogFilterForm(request.GET or None, actions=audit.known_actions())
    if request.GET and not form.is_valid():
        # The same page as the log, with the messages at the fields; nothing is exported.
        return log(request)
    chosen = form.log_filter()
    rows = list(audit.filter_log(events, chosen))
    content = audit.log_csv(
        rows,
        CsvColumns(
            at=_("Time"),
            actor=_("Who"),
            family=_("Kind"),
            action=_("Event"),
            target=pgettext("audit", "Target"),
            detail=_("Details"),
            system=_("(system)"),
        ),
    )
    record_audit_event(
        request.user,
        audit.LOG_EXPORT_ACTION,
        target="audit-log",
        detail={"filter": chosen.as_detail(), "rows": len(rows)},
    )
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    filename = f"veikart-logg-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- retention ------------------------------------------------------------------------------


@require_GET
@login_required
def retention(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    from veikart.usage.lake import snapshots_before

    days = int(settings.RETENTION_DAYS)
    today = timezone.localdate()
    cutoff = today - dt.timedelta(days=days)
    root = settings.LAKE_DIR
    snapshot_days: list[str] = []
    waiting = 0
    if root.is_dir():
        snapshot_days = sorted(
            folder.name.removeprefix("day=")
            for folder in root.glob("*/form=*/day=*")
            if folder.is_dir()
        )
        waiting = len(snapshots_before(root, cutoff.isoformat()))
    oldest = dt.date.fromisoformat(snapshot_days[0]) if snapshot_days else None
    return _page(
        request,
        "core/privacy/retention.html",
        {
            "days": days,
            "years": round(days / 365.25, 1),
            "cutoff": cutoff,
            "snapshots": len(snapshot_days),
            "oldest": oldest,
            "waiting": waiting,
            "purges": audit.purges(10),
            "k": settings.MIN_GROUP_SIZE,
        },
    )


# --- subject access -------------------------------------------------------------------------


@require_GET
@login_required
def subject_search(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    form = SubjectSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    employees, users = subject_access.find_subjects(query)
    return _page(
        request,
        "core/privacy/subject_search.html",
        {"form": form, "query": query, "employees": employees, "users": users},
    )


@require_GET
@login_required
def employee_report(request: HttpRequest, pk: int) -> HttpResponse:
    person = subject_access.get_subject_for_user(request.user, employee_pk=pk)
    return _report(request, person, own=False)


@require_GET
@login_required
def user_report(request: HttpRequest, pk: int) -> HttpResponse:
    person = subject_access.get_subject_for_user(request.user, user_pk=pk)
    return _report(request, person, own=False)


@require_GET
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return _report(request, subject_access.own_subject(request.user), own=True)


def _report(request: HttpRequest, person: subject_access.Subject, *, own: bool) -> HttpResponse:
    fmt = request.GET.get("format", "html")
    if fmt not in FORMATS:
        fmt = "html"
    report = subject_access.subject_access_report(person)
    subject_access.record_subject_access(request.user, report, fmt)
    stem = f"veikart-innsyn-{timezone.localdate():%Y-%m-%d}"
    if fmt == "json":
        response = HttpResponse(report.as_json(), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{stem}.json"'
        return response
    if fmt == "pdf":
        response = HttpResponse(subject_access.report_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{stem}.pdf"'
        return response
    return _page(
        request,
        "core/privacy/report.html",
        {
            "report": report,
            "own": own,
            "statement": subject_access.lake_statement(report),
            "lake_facts": subject_access.lake_facts(report.lake),
        },
    )
