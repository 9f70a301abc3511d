"""Read-only admin: published versions never change, and acknowledgements are not listed here
(they are shown to their employee alone)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from veikart.agreements.models import Agreement, AgreementVersion


class _ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Agreement)
class AgreementAdmin(_ReadOnly):
    list_display = ("__str__", "unit", "created_at")


@admin.register(AgreementVersion)
class AgreementVersionAdmin(_ReadOnly):
    list_display = ("title", "agreement", "number", "published_at", "requires_acknowledgement")
    list_filter = ("agreement",)
