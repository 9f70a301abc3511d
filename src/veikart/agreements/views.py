from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from veikart.agreements import documents, selectors, services
from veikart.agreements.forms import PublishForm, RuleForm, UnitForm, VersionForm
from veikart.agreements.models import Agreement, AgreementVersion
from veikart.core.services import record_audit_event
from veikart.organisations.selectors import get_organisation


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, template, {"organisation": get_organisation(), **context}, status=status)


def _posted(request: HttpRequest) -> Any:
    """The submitted data of a POST (even when empty), None for a GET: the form is bound then."""
    return request.POST if request.method == "POST" else None


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Employees ----------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The agreement that applies to me ("Vår arbeidsavtale"), and my own acknowledgement."""
    return _page(
        request,
        "agreements/index.html",
        {
            "mine": selectors.my_agreement(request.user),
            "can_manage": selectors.can_manage(request.user),
        },
    )


@login_required
@require_POST
def acknowledge(request: HttpRequest) -> HttpResponse:
    try:
        ids = [int(value) for value in request.POST.getlist("version")]
        services.acknowledge(_user(request), ids)
    except ValueError:
        messages.error(request, _("The form was incomplete. Reload the page and try again."))
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(
            request, _("Thank you! You have confirmed that you have read and understood it.")
        )
    return redirect("agreements:index")


# --- Management ---------------------------------------------------------------------------------


def _overview(agreement: Agreement, user: Any) -> dict[str, Any]:
    editable = selectors.can_edit(user, agreement)
    return {
        "agreement": agreement,
        "current": selectors.current_version(agreement),
        "draft": selectors.draft_of(agreement) if editable else None,
        "can_edit": editable,
    }


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    if not selectors.can_manage(request.user):
        raise PermissionDenied
    agreement = selectors.organisation_agreement()
    return _page(
        request,
        "agreements/manage.html",
        {
            "main": _overview(agreement, request.user) if agreement is not None else None,
            "additions": [
                _overview(a, request.user) for a in selectors.unit_additions_for_user(request.user)
            ],
            "can_create": selectors.can_edit_organisation_agreement(request.user),
            "can_add_unit": selectors.units_for_new_addition(request.user).exists(),
            "can_see_acknowledgements": selectors.can_see_acknowledgements(request.user),
        },
    )


@login_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    try:
        version = services.create_organisation_agreement(_user(request))
    except ValidationError as error:
        messages.error(request, _errors(error))
        return redirect("agreements:manage")
    messages.success(
        request, _("The agreement was created from the template. Adjust it, then publish it.")
    )
    return redirect("agreements:version", version.pk)


@login_required
def unit_create(request: HttpRequest) -> HttpResponse:
    units = selectors.units_for_new_addition(request.user)
    if not selectors.can_manage(request.user) or not units.exists():
        raise PermissionDenied
    form = UnitForm(_posted(request), units=units)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                version = services.create_unit_addition(_user(request), form.cleaned_data["unit"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The addition was created. Add its rules."))
                return redirect("agreements:version", version.pk)
        status = 400
    return _page(request, "agreements/unit_form.html", {"form": form}, status=status)


@login_required
@require_POST
def draft_start(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = selectors.get_agreement_for_user(request.user, pk, edit=True)
    draft = services.start_draft(_user(request), agreement)
    return redirect("agreements:version", draft.pk)


# --- A version: read, or edit a draft -----------------------------------------------------------


@login_required
def version(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_version_for_user(request.user, pk)
    if not found.is_published:
        return _draft_page(request, found)
    agreement = found.agreement
    current = selectors.current_version(agreement)
    return _page(
        request,
        "agreements/version.html",
        {
            "version": found,
            "rows": selectors.rows_of(found),
            "is_current": current is not None and current.pk == found.pk,
            "current": current,
            "can_edit": selectors.can_edit(request.user, agreement),
            "draft": selectors.draft_of(agreement),
        },
    )


def _draft_page(
    request: HttpRequest,
    draft: AgreementVersion,
    *,
    version_form: VersionForm | None = None,
    rule_form: RuleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    previous = selectors.previous_published(draft)
    return _page(
        request,
        "agreements/draft.html",
        {
            "version": draft,
            "rows": selectors.rows_of(draft),
            "version_form": version_form or VersionForm(instance=draft),
            "rule_form": rule_form or RuleForm(version=draft),
            "diff": selectors.version_diff(previous, draft) if previous is not None else None,
        },
        status=status,
    )


@login_required
@require_POST
def version_edit(request: HttpRequest, pk: int) -> HttpResponse:
    draft = selectors.get_draft_for_user(request.user, pk)
    form = VersionForm(request.POST, instance=AgreementVersion.objects.get(pk=draft.pk))
    if form.is_valid():
        try:
            services.update_version(
                _user(request),
                draft,
                title=form.cleaned_data["title"],
                intro=form.cleaned_data["intro"],
                effective_from=form.cleaned_data["effective_from"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The draft was saved."))
            return redirect("agreements:version", draft.pk)
    return _draft_page(request, draft, version_form=form, status=400)


@login_required
@require_POST
def rule_add(request: HttpRequest, pk: int) -> HttpResponse:
    draft = selectors.get_draft_for_user(request.user, pk)
    form = RuleForm(request.POST, version=draft)
    if form.is_valid():
        try:
            rule = services.add_rule(_user(request), draft, form.rule_data())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The rule was added."))
            return redirect(reverse("agreements:version", args=[draft.pk]) + f"#rule-{rule.pk}")
    return _draft_page(request, draft, rule_form=form, status=400)


@login_required
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.get_rule_for_user(request.user, pk)
    status = 200
    if request.method == "POST":
        form = RuleForm(request.POST, version=rule.version)
        if form.is_valid():
            try:
                services.update_rule(_user(request), rule, form.rule_data())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The rule was saved."))
                url = reverse("agreements:version", args=[rule.version_id])
                return redirect(f"{url}#rule-{rule.pk}")
        status = 400
    else:
        form = RuleForm.for_rule(rule)
    return _page(request, "agreements/rule_form.html", {"rule": rule, "form": form}, status=status)


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.get_rule_for_user(request.user, pk)
    services.delete_rule(_user(request), rule)
    messages.success(request, _("The rule “%(need)s” was removed.") % {"need": rule.need})
    return redirect("agreements:version", rule.version_id)


@login_required
@require_POST
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.get_rule_for_user(request.user, pk)
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        raise Http404("Move a rule up or down")
    services.move_rule(_user(request), rule, offset)
    url = reverse("agreements:version", args=[rule.version_id])
    return redirect(f"{url}#rule-{rule.pk}")


@login_required
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    draft = selectors.get_draft_for_user(request.user, pk)
    previous = selectors.previous_published(draft)
    form = PublishForm(_posted(request), first=previous is None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.publish(
                    _user(request),
                    draft,
                    change_note=form.cleaned_data.get("change_note", ""),
                    requires_acknowledgement=bool(
                        form.cleaned_data.get("requires_acknowledgement")
                    ),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The agreement was published and is now in force."))
                return redirect("agreements:version", draft.pk)
        status = 400
    return _page(
        request,
        "agreements/publish.html",
        {
            "version": draft,
            "form": form,
            "previous": previous,
            "diff": selectors.version_diff(previous, draft),
            "rows": selectors.rows_of(draft),
        },
        status=status,
    )


@login_required
@require_POST
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    draft = selectors.get_draft_for_user(request.user, pk)
    agreement_pk = draft.agreement_id
    services.discard_draft(_user(request), draft)
    messages.success(request, _("The draft was discarded."))
    if Agreement.objects.filter(pk=agreement_pk).exists():
        return redirect("agreements:history", agreement_pk)
    return redirect("agreements:manage")


@login_required
def history(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = selectors.get_agreement_for_user(request.user, pk)
    versions = selectors.published_versions(agreement)
    entries = [
        (v, selectors.version_diff(versions[i - 1] if i else None, v))
        for i, v in enumerate(versions)
    ]
    entries.reverse()
    editable = selectors.can_edit(request.user, agreement)
    return _page(
        request,
        "agreements/history.html",
        {
            "agreement": agreement,
            "entries": entries,
            "draft": selectors.draft_of(agreement) if editable else None,
            "can_edit": editable,
            "can_see_acknowledgements": selectors.can_see_acknowledgements(request.user),
        },
    )


@login_required
def version_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_version_for_user(request.user, pk)
    if not found.is_published:
        raise Http404("Only a published version is printed")
    response = HttpResponse(documents.agreement_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="arbeidsavtale-{found.agreement_id}-v{found.number}.pdf"'
    )
    return response


@login_required
def acknowledgements(request: HttpRequest, pk: int) -> HttpResponse:
    """How many have acknowledged the agreement in force, per group: counts, never names."""
    agreement = selectors.get_agreement_for_user(request.user, pk)
    if not selectors.can_see_acknowledgements(request.user):
        raise PermissionDenied
    results = selectors.acknowledgement_results(request.user, agreement)
    record_audit_event(
        request.user, "agreements.acknowledgements.view", target=f"agreement:{agreement.pk}"
    )
    return _page(request, "agreements/acknowledgements.html", {"result": results})
