from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from veikart.core.models import ApiToken, AuditEvent, RoleGrant
from veikart.core.services import record_audit_event


def _grant_detail(grant: RoleGrant) -> dict[str, Any]:
    return {"role": grant.role, "unit": grant.unit.code if grant.unit else None}


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin[RoleGrant]):
    """Role changes made here are audited like those of ``veikart grant-role``."""

    list_display = ("user", "role", "unit", "granted_at")
    list_filter = ("role",)
    autocomplete_fields = ("user", "unit")

    def save_model(
        self, request: HttpRequest, obj: RoleGrant, form: ModelForm[RoleGrant], change: bool
    ) -> None:
        before = RoleGrant.objects.filter(pk=obj.pk).select_related("unit").first()
        super().save_model(request, obj, form, change)
        detail = _grant_detail(obj)
        if before is not None:
            detail["before"] = _grant_detail(before)
        record_audit_event(
            request.user,
            "role.change" if change else "role.grant",
            target=f"user:{obj.user_id}",
            detail=detail,
        )

    def delete_model(self, request: HttpRequest, obj: RoleGrant) -> None:
        record_audit_event(
            request.user, "role.revoke", target=f"user:{obj.user_id}", detail=_grant_detail(obj)
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleGrant]) -> None:
        for grant in queryset.select_related("unit"):
            record_audit_event(
                request.user,
                "role.revoke",
                target=f"user:{grant.user_id}",
                detail=_grant_detail(grant),
            )
        super().delete_queryset(request, queryset)


# Rights that come with the account itself: a superuser is an administrator in Veikart.
_ACCOUNT_RIGHTS = ("is_active", "is_staff", "is_superuser")


class AuditedUserAdmin(UserAdmin[User]):
    """Django's user admin, writing changes of an account's rights to the audit log."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = User.objects.filter(pk=obj.pk).values(*_ACCOUNT_RIGHTS).first()
        super().save_model(request, obj, form, change)
        changed = {
            name: getattr(obj, name)
            for name in _ACCOUNT_RIGHTS
            if before is None or before[name] != getattr(obj, name)
        }
        if changed and (change or obj.is_staff or obj.is_superuser):
            record_audit_event(
                request.user,
                "user.rights.change" if change else "user.create",
                target=f"user:{obj.pk}",
                detail=changed,
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record_audit_event(request.user, "user.delete", target=f"user:{obj.pk}")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for pk in queryset.values_list("pk", flat=True):
            record_audit_event(request.user, "user.delete", target=f"user:{pk}")
        super().delete_queryset(request, queryset)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, AuditedUserAdmin)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")
    exclude = ("digest",)

    def has_add_permission(self, request: object) -> bool:  # tokens are made by the command
        return False

    def save_model(
        self, request: HttpRequest, obj: ApiToken, form: ModelForm[ApiToken], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        record_audit_event(
            request.user,
            "api_token.change",
            target=f"api-token:{obj.pk}",
            detail={"revoked": obj.revoked_at is not None, "fields": sorted(form.changed_data)},
        )

    def delete_model(self, request: HttpRequest, obj: ApiToken) -> None:
        record_audit_event(request.user, "api_token.delete", target=f"api-token:{obj.pk}")
        super().delete_model(request, obj)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read-only: the audit log is append-only (the DPO reads it at /personvern/logg/)."""

    list_display = ("at", "actor", "action", "target")
    list_filter = ("action",)
    readonly_fields = ("at", "actor", "action", "target", "detail")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
