"""Login throttling: too many failed sign-ins for one name or from one address lock for a while."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from veikart.core.models import LoginFailure


def _digest(username: str) -> str:
    return hashlib.sha256(username.strip().casefold().encode("utf-8")).hexdigest()


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def is_locked(request: HttpRequest, username: str) -> bool:
    since = timezone.now() - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(at__gte=since)
    by_name = recent.filter(username_digest=_digest(username)).count()
    ip = _ip(request)
    by_ip = recent.filter(ip=ip).count() if ip else 0
    limit: int = settings.LOGIN_MAX_FAILURES
    # An address gets more attempts than a name: several people may share a NAT address.
    return by_name >= limit or by_ip >= limit * 4


def record_failure(request: HttpRequest, username: str) -> None:
    LoginFailure.objects.create(username_digest=_digest(username), ip=_ip(request))


def clear_failures(username: str) -> None:
    old = timezone.now() - dt.timedelta(days=1)
    LoginFailure.objects.filter(Q(username_digest=_digest(username)) | Q(at__lt=old)).delete()
