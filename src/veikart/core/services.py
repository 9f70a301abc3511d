from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser, User

from veikart.core.constants import Role
from veikart.core.models import ApiToken, AuditEvent, RoleGrant

if TYPE_CHECKING:
    from veikart.organisations.models import Unit


def record_audit_event(
    actor: User | AnonymousUser | None,
    action: str,
    *,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append to the audit log. ``detail`` must not hold anyone's usage figures."""
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        actor_id=actor_id, action=action, target=target, detail=detail or {}
    )


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; the clear token is returned once and never stored."""
    token = "vk_" + secrets.token_urlsafe(32)
    record = ApiToken.objects.create(
        user=user, name=name, prefix=token[:10], digest=ApiToken.digest_of(token)
    )
    record_audit_event(user, "api_token.create", target=f"api-token:{record.pk}")
    return record, token


def grant_role(user: User, role: Role, *, unit: Unit | None = None) -> RoleGrant:
    grant, created = RoleGrant.objects.get_or_create(user=user, role=role, unit=unit)
    if created:
        record_audit_event(
            None,
            "role.grant",
            target=f"user:{user.pk}",
            detail={"role": role.value, "unit": unit.code if unit else None},
        )
    return grant
