"""Request id, the request log line, and the security headers Django does not set itself.

- :class:`RequestIdMiddleware` (first in ``MIDDLEWARE``) takes the reverse proxy's
  ``X-Request-ID`` when it is well-formed, or makes one, puts it on the response and on every log
  line written during the request, and writes one line per request to ``veikart.request``.
- :class:`SecurityHeadersMiddleware` adds the Content-Security-Policy and Permissions-Policy.
- :class:`HealthCheckMiddleware` answers the health endpoints whatever the Host header says.
  Django's SecurityMiddleware sets HSTS (production), X-Content-Type-Options, Referrer-Policy and
  Cross-Origin-Opener-Policy from the settings.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import SimpleLazyObject, empty

from veikart.core.logging import current_request_id

logger = logging.getLogger("veikart.request")

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy may send: nginx's $request_id (32 hex digits), a UUID, or a similar token.
# Anything else (too long, spaces, control characters) is replaced, so it cannot forge log lines.
WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
# Probes call these every few seconds; their lines are only written at DEBUG unless they fail.
QUIET_PREFIXES = ("/helse/",)

Handler = Callable[[HttpRequest], HttpResponseBase]


def request_id_from(request: HttpRequest) -> str:
    """The proxy's request id when it is well-formed, otherwise a new one."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    if WELL_FORMED_REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


def _user_id(request: HttpRequest) -> int | str | None:
    """The signed-in user's id, if the request already looked the user up (never a query here)."""
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and getattr(user, "_wrapped", None) is empty:
        return None
    if user is None or not user.is_authenticated:
        return None
    primary_key: int | str | None = user.pk
    return primary_key


class RequestIdMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_from(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            self._log(request, response, started)
            return response
        finally:
            current_request_id.reset(token)

    @staticmethod
    def _log(request: HttpRequest, response: HttpResponseBase, started: float) -> None:
        status = response.status_code
        if request.path.startswith(QUIET_PREFIXES):
            level = logging.WARNING if status >= 500 else logging.DEBUG
        else:
            level = logging.INFO
        if not logger.isEnabledFor(level):
            return
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        logger.log(
            level,
            "%s %s %s %.1f ms",
            request.method,
            request.path,
            status,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": duration_ms,
                "user_id": _user_id(request),
            },
        )


class HealthCheckMiddleware:
    """Answers ``/helse/live`` and ``/helse/klar`` before the host name is checked.

    A probe on the machine itself (``curl http://127.0.0.1:8000/helse/klar``, a load balancer
    asking by address) does not send one of VEIKART_ALLOWED_HOSTS, so it would get 400 further
    on; the answers carry nothing a foreign host name could abuse. Placed after
    SecurityMiddleware, whose HTTPS redirect exempts ``helse/``.
    """

    def __init__(self, get_response: Handler) -> None:
        from veikart.core import health

        self.get_response = get_response
        self.views: dict[str, Handler] = {"/helse/live": health.live, "/helse/klar": health.ready}

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        view = self.views.get(request.path_info)
        if view is None:
            return self.get_response(request)
        return view(request)


def content_security_policy(directives: Mapping[str, Sequence[str]]) -> str:
    """``{"default-src": ["'self'"], …}`` as a header value."""
    return "; ".join(
        " ".join([name, *sources]) if sources else name for name, sources in directives.items()
    )


class SecurityHeadersMiddleware:
    """Adds ``Content-Security-Policy`` and ``Permissions-Policy`` to every response.

    The policies come from the settings ``CONTENT_SECURITY_POLICY`` and ``PERMISSIONS_POLICY``.
    A response that sets its own ``Content-Security-Policy`` keeps it. Django's debug error pages
    (only with VEIKART_DEBUG) carry inline scripts and styles, so they go without a policy.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.csp = content_security_policy(settings.CONTENT_SECURITY_POLICY)
        self.permissions = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not (settings.DEBUG and response.status_code >= 400):
            response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", self.permissions)
        return response
