"""Web layer of sign-in with Microsoft: start, callback (``tilbake``), signed-out page."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from veikart.core.oidc import services
from veikart.core.oidc.config import OidcConfig
from veikart.core.oidc.provider import OidcError, get_provider
from veikart.organisations.selectors import get_organisation

logger = logging.getLogger(__name__)

SESSION_FLOWS = "veikart_oidc_flows"
FLOW_MAX_AGE_SECONDS = 15 * 60
MAX_OPEN_FLOWS = 5  # sign-ins started in other tabs stay valid, but not without bound
BACKEND = "django.contrib.auth.backends.ModelBackend"


def sign_in_options(request: HttpRequest) -> dict[str, Any]:
    """Context processor: whether the sign-in page offers "Sign in with Microsoft"."""
    return {"oidc_sign_in": getattr(settings, "OIDC", None) is not None}


def _config() -> OidcConfig:
    config: OidcConfig | None = getattr(settings, "OIDC", None)
    if config is None:
        raise Http404("Sign-in with Microsoft is not configured")
    return config


def _callback_uri(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("oidc:callback"))


def _refused(request: HttpRequest, reason: str, *, status: int, upn: str = "") -> HttpResponse:
    organisation = get_organisation()
    context = {
        "reason": reason,
        "upn": upn,
        "organisation": organisation,
        "organisation_name": organisation.name if organisation else _("your organisation"),
    }
    return render(request, "core/oidc/refused.html", context, status=status)


@require_GET
@never_cache
def start(request: HttpRequest) -> HttpResponse:
    """Send the browser to Microsoft's sign-in page with a fresh state, nonce and PKCE challenge."""
    config = _config()
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    try:
        auth = get_provider(config).authorization_request(_callback_uri(request))
    except OidcError as exc:
        logger.warning("Sign-in with Microsoft cannot start: %s", exc)
        services.record_refusal(exc.reason, detail=exc.detail)
        return _refused(request, "unreachable", status=502)
    flows: dict[str, dict[str, Any]] = dict(request.session.get(SESSION_FLOWS, {}))
    now = time.time()
    flows = {s: f for s, f in flows.items() if now - f["at"] < FLOW_MAX_AGE_SECONDS}
    while len(flows) >= MAX_OPEN_FLOWS:
        flows.pop(min(flows, key=lambda s: flows[s]["at"]))
    flows[auth.state] = {
        "nonce": auth.nonce,
        "verifier": auth.code_verifier,
        "next": next_url,
        "at": now,
    }
    request.session[SESSION_FLOWS] = flows
    return redirect(auth.url)


@require_GET
@never_cache
def callback(request: HttpRequest) -> HttpResponse:
    """Microsoft sends the browser back here with ``code`` and ``state`` (or ``error``)."""
    config = _config()
    flows: dict[str, dict[str, Any]] = dict(request.session.get(SESSION_FLOWS, {}))
    # Each state is used once: taken out of the session before anything else is checked.
    flow = flows.pop(request.GET.get("state", ""), None)
    request.session[SESSION_FLOWS] = flows
    if flow is None or time.time() - flow["at"] >= FLOW_MAX_AGE_SECONDS:
        services.record_refusal("state", detail="unknown, used or expired state")
        return _refused(request, "state", status=400)
    error = request.GET.get("error", "")
    code = request.GET.get("code", "")
    if error or not code:
        description = request.GET.get("error_description", "")
        services.record_refusal(
            "provider_error", detail=f"{error} {description}".strip() or "no code"
        )
        return _refused(request, "cancelled" if error == "access_denied" else "failed", status=400)
    redirect_uri = _callback_uri(request)
    try:
        claims = get_provider(config).redeem(
            code, redirect_uri=redirect_uri, code_verifier=flow["verifier"], nonce=flow["nonce"]
        )
    except OidcError as exc:
        logger.warning("Sign-in with Microsoft refused: %s", exc)
        services.record_refusal(exc.reason, detail=exc.detail)
        status = 502 if exc.reason in {"unreachable", "discovery", "bad_answer"} else 400
        return _refused(request, "unreachable" if status == 502 else "failed", status=status)
    try:
        result = services.sign_in_employee(claims, today=timezone.localdate())
    except services.SignInRefused as refusal:
        return _refused(request, refusal.reason, status=403, upn=refusal.upn)
    # login() gives the session a new key, so a session id planted before sign-in is worthless.
    login(request, result.user, backend=BACKEND)
    return redirect(flow["next"] or resolve_url(settings.LOGIN_REDIRECT_URL))


@require_GET
def signed_out(request: HttpRequest) -> HttpResponse:
    """After signing out of Veikart: offer to sign out of the Microsoft account too."""
    config = _config()
    login_url = request.build_absolute_uri(resolve_url(settings.LOGIN_URL))
    end_session_url = get_provider(config).end_session_url(login_url)
    return render(
        request,
        "core/oidc/signed_out.html",
        {"end_session_url": end_session_url, "organisation": get_organisation()},
    )
