"""Refuse NUL characters in the request before any view or database query sees them.

A NUL (``\\x00``, ``%00`` in an address) has no use in an address or a form field, and
PostgreSQL refuses text that contains one: a view that filters on such a parameter would answer
500. :class:`NulByteMiddleware` answers 400 instead when the path, a query parameter (name or
value) or a form field (name or value) contains one. Uploaded files are not looked at: the
importers read and check their contents themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, QueryDict
from django.utils.translation import gettext as _

Handler = Callable[[HttpRequest], HttpResponseBase]

NUL = "\x00"
API_PREFIX = "/api/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(data: QueryDict) -> bool:
    pairs: Iterable[tuple[str, list[str]]] = data.lists()
    return any(NUL in key or any(NUL in value for value in values) for key, values in pairs)


def contains_nul(request: HttpRequest) -> bool:
    if NUL in request.path or _has_nul(request.GET):
        return True
    # Only a form's fields (request.POST is empty for other bodies); reading them here is what
    # CsrfViewMiddleware does anyway before every view that is not exempt.
    return (
        request.method == "POST" and request.content_type in FORM_TYPES and _has_nul(request.POST)
    )


class NulByteMiddleware:
    """400 for a request with a NUL character in its path, query string or form fields."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not contains_nul(request):
            return self.get_response(request)
        message = _(
            "The request contains a NUL character (a zero byte), which is not allowed in an "
            "address or a form field. Remove it and try again."
        )
        if request.path.startswith(API_PREFIX):
            return JsonResponse({"detail": message}, status=400)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
