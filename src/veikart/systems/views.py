from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from veikart.core.collation import sort_key
from veikart.core.services import record_audit_event
from veikart.organisations.models import FormerOrganisation, Organisation
from veikart.systems import selectors, services, templates_io
from veikart.systems.constants import Category, DecisionStatus
from veikart.systems.forms import DecisionForm, ImportForm, SystemForm
from veikart.systems.importing import Change, ImportPlan
from veikart.systems.models import Decision, System
from veikart.systems.workbook import decision_words, matrix_workbook

PREVIEW_CHANGES = 500


def _user(request: HttpRequest) -> User:
    """The signed-in user of a view behind ``login_required``."""
    assert isinstance(request.user, User)
    return request.user


def _organisation() -> Organisation:
    organisation = selectors.get_organisation()
    if organisation is None:
        raise Http404("No organisation is set up yet")
    return organisation


def _base(request: HttpRequest) -> dict[str, object]:
    return {
        "organisation": selectors.get_organisation(),
        "can_edit": selectors.can_edit_systems(request.user),
    }


# --- Inventory ---------------------------------------------------------------------------------


@login_required
def system_list(request: HttpRequest) -> HttpResponse:
    former = request.GET.get("organisasjon", "")
    category = request.GET.get("kategori", "")
    category = category if category in Category.values else ""
    sort = request.GET.get("sorter", "name")
    query = request.GET.get("q", "").strip()
    systems = selectors.inventory_for_user(
        request.user, former=former, category=category, sort=sort, query=query
    )
    overlaps = selectors.overlaps_for_user(request.user)
    return render(
        request,
        "systems/list.html",
        {
            **_base(request),
            "systems": systems,
            "formers": selectors.get_former_organisations(),
            "categories": sorted(Category.choices, key=lambda c: sort_key(str(c[1]))),
            "former": former,
            "category": category,
            "sort": sort if sort in selectors.SORTS else "name",
            "query": query,
            "overlaps": overlaps,
            "filtered": bool(former or category or query),
            "sort_columns": [
                ("name", _("Name"), False),
                ("category", _("Category"), False),
                ("former", _("Former organisation"), False),
                ("vendor", _("Vendor"), False),
                ("users", _("Users"), True),
                ("cost", _("Yearly cost (NOK)"), True),
                ("contract", _("Contract ends"), False),
                ("decision", _("Decision"), False),
            ],
        },
    )


@login_required
def system_detail(request: HttpRequest, pk: int) -> HttpResponse:
    system = selectors.get_system_for_user(request.user, pk)
    same_name = (
        selectors.get_systems_for_user(request.user)
        .filter(name__iexact=system.name)
        .exclude(pk=system.pk)
    )
    return render(
        request,
        "systems/detail.html",
        {
            **_base(request),
            "system": system,
            "decision": system.decision,
            "same_name": same_name,
            "replaced": [
                (d, list(d.systems.all()))
                for d in Decision.objects.filter(replacement_systems=system).order_by("sort_key")
            ],
        },
    )


@login_required
def system_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    selectors.require_editor(request.user)
    organisation = _organisation()
    system = selectors.get_system_for_user(request.user, pk) if pk is not None else None
    form = SystemForm(
        request.POST or None,
        instance=system or System(organisation=organisation),
        organisation=organisation,
    )
    if request.method == "POST" and form.is_valid():
        saved = services.save_system(organisation, system, form.cleaned_data, actor=_user(request))
        messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
        return redirect("systems:detail", saved.pk)
    return render(
        request,
        "systems/system_form.html",
        {**_base(request), "form": form, "system": system},
        status=400 if form.errors else 200,
    )


@login_required
def system_delete(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.require_editor(request.user)
    system = selectors.get_system_for_user(request.user, pk)
    if request.method == "POST":
        services.delete_system(system, actor=_user(request))
        messages.success(request, _("%(name)s is deleted.") % {"name": system.name})
        return redirect("systems:list")
    return render(request, "systems/system_delete.html", {**_base(request), "system": system})


# --- Decisions ---------------------------------------------------------------------------------


@login_required
def decision_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The decision for the product of system ``pk`` (every former organisation's row of it)."""
    selectors.require_editor(request.user)
    organisation = _organisation()
    system = selectors.get_system_for_user(request.user, pk)
    decision = system.decision
    form = DecisionForm(
        request.POST or None,
        initial=DecisionForm.initial_for(decision),
        system_name=system.name,
    )
    if request.method == "POST" and form.is_valid():
        saved, created = services.save_decision(
            organisation, system.name, form.cleaned_data, actor=_user(request)
        )
        messages.success(
            request,
            _("The decision for %(name)s is saved: %(decision)s.")
            % {"name": saved.system_name, "decision": _decision_text(saved)},
        )
        for new in created:
            messages.info(
                request,
                _(
                    "%(name)s was added to the inventory as a system of %(organisation)s. Open "
                    "it to fill in vendor, owner and costs."
                )
                % {"name": new.name, "organisation": organisation.name},
            )
        return redirect(_safe_next(request) or "systems:matrix")
    systems = selectors.get_systems_for_user(request.user)
    return render(
        request,
        "systems/decision_form.html",
        {
            **_base(request),
            "form": form,
            "system": system,
            "decision": decision,
            "covers": systems.filter(name__iexact=system.name),
            "peers": selectors.inventory_for_user(
                request.user, category=system.category, sort="former"
            ),
            "system_names": sorted(set(systems.values_list("name", flat=True))),
            "next": _safe_next(request),
        },
        status=400 if form.errors else 200,
    )


def _safe_next(request: HttpRequest) -> str:
    value = request.POST.get("next") or request.GET.get("next", "")
    return value if value.startswith("/") and not value.startswith("//") else ""


def _decision_text(decision: Decision) -> str:
    return decision_words(decision)


# --- Matrix and export -------------------------------------------------------------------------


@login_required
def matrix(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    data = selectors.matrix_for_user(request.user, status=status)
    return render(
        request,
        "systems/matrix.html",
        {
            **_base(request),
            "matrix": data,
            "statuses": [
                ("", _("All")),
                *DecisionStatus.choices,
                ("undecided", _("No decision yet")),
            ],
            "path": request.get_full_path(),
        },
    )


@login_required
def matrix_export(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    data = selectors.matrix_for_user(request.user, status=status)
    systems = selectors.inventory_for_user(request.user, sort="category")
    decisions = list(selectors.get_decisions_for_user(request.user))
    content = matrix_workbook(data, systems, decisions)
    record_audit_event(
        request.user,
        "systems.export",
        target="systems:matrix.xlsx",
        detail={"status": data.status, "systems": len(systems), "decisions": len(decisions)},
    )
    day = timezone.localdate().isoformat()
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="systemmatrise-{day}.xlsx"'
    return response


# --- Import ------------------------------------------------------------------------------------


def _labelled(change: Change) -> dict[str, object]:
    labels = {"created": _("Created"), "changed": _("Changed")}
    return {
        "action_label": labels[change.action],
        "entity": change.entity,
        "label": change.label,
        "fields": [f"{field}: {old or '–'} → {new or '–'}" for field, old, new in change.values],
    }


def _preview_context(plan: ImportPlan) -> dict[str, object]:
    return {
        "plan": plan,
        "summary": [
            (label, plan.count("created", entity), plan.count("changed", entity))
            for entity, label in (("system", _("Systems")), ("decision", _("Decisions")))
        ],
        "changes": [_labelled(c) for c in plan.changes[:PREVIEW_CHANGES]],
        "more_changes": max(0, len(plan.changes) - PREVIEW_CHANGES),
        "formers": {f.pk: f for f in selectors.get_former_organisations()},
    }


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    selectors.require_editor(request.user)
    organisation = selectors.get_organisation()
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {**_base(request), "form": form}
    if request.method == "POST" and form.is_valid() and organisation is not None:
        files = [
            services.UploadedFile(f.name or "upload", f.read()) for f in form.cleaned_data["files"]
        ]
        former: FormerOrganisation | None = form.cleaned_data["former_organisation"]
        try:
            plan = services.preview_import(organisation, files, default_former=former)
        except services.ImportRefused as exc:
            return render(
                request, "systems/import.html", {**context, "problems": exc.problems}, status=400
            )
        token = services.stage_upload(files, _user(request)) if plan.ok else ""
        return render(
            request,
            "systems/import_preview.html",
            {
                **context,
                **_preview_context(plan),
                "token": token,
                "files": files,
                "former": former,
            },
            status=200 if plan.ok else 400,
        )
    return render(
        request, "systems/import.html", context, status=400 if request.method == "POST" else 200
    )


@login_required
@require_POST
def import_apply(request: HttpRequest) -> HttpResponse:
    selectors.require_editor(request.user)
    organisation = _organisation()
    token = request.POST.get("token", "")
    former_id = request.POST.get("former", "")
    former = (
        FormerOrganisation.objects.filter(organisation=organisation, pk=former_id).first()
        if former_id.isdigit()
        else None
    )
    try:
        files = services.load_staged(token, _user(request))
        plan = services.apply_import(
            organisation,
            files,
            default_former=former,
            actor=_user(request),
            expected_fingerprint=request.POST.get("fingerprint", ""),
        )
    except services.ImportRefused as exc:
        return render(
            request,
            "systems/import.html",
            {**_base(request), "form": ImportForm(), "problems": exc.problems},
            status=409,
        )
    services.discard_staged(token)
    messages.success(
        request,
        _(
            "Import applied. Systems: %(systems_created)d created, %(systems_changed)d changed. "
            "Decisions: %(decisions_created)d created, %(decisions_changed)d changed."
        )
        % {
            "systems_created": plan.count("created", "system"),
            "systems_changed": plan.count("changed", "system"),
            "decisions_created": plan.count("created", "decision"),
            "decisions_changed": plan.count("changed", "decision"),
        },
    )
    return redirect("systems:matrix")


@login_required
def import_template(request: HttpRequest, name: str) -> HttpResponse:
    selectors.require_editor(request.user)
    content, content_type = templates_io.template_file(name)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
