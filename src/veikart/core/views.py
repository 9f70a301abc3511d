from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from veikart.core import throttling
from veikart.core.access import get_access
from veikart.core.context_processors import AREAS
from veikart.organisations.selectors import (
    get_employees_for_user,
    get_organisation,
    get_units_for_user,
)


class LoginView(auth_views.LoginView):
    """Django's sign-in, refusing further attempts after repeated failures."""

    template_name = "core/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        if throttling.is_locked(request, username):
            form = self.get_form()
            form.add_error(
                None,
                _(
                    "Too many failed sign-ins. Wait 15 minutes and try again, or ask an "
                    "administrator to reset your password."
                ),
            )
            # Rendered directly: a refused attempt is not checked, so it is not a new failure.
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        throttling.record_failure(self.request, self.request.POST.get("username", ""))
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        throttling.clear_failures(form.get_user().get_username())
        return super().form_valid(form)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    access = get_access(request.user)
    context = {
        "organisation": get_organisation(),
        "unit_count": get_units_for_user(access, on=today).count() if access.sees_units else None,
        "employee_count": (
            get_employees_for_user(access, on=today).count() if access.lists_employees else None
        ),
    }
    return render(request, "core/home.html", context)


@login_required
def area(request: HttpRequest, key: str) -> HttpResponse:
    for area_key, title, description in AREAS:
        if area_key == key:
            return render(
                request,
                "core/area.html",
                {"area_key": key, "title": title, "description": description},
            )
    raise Http404("No such area")
