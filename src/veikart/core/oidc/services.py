"""A validated Microsoft sign-in becomes a Veikart user — or a refusal — and both are audited.

The person is found by user principal name in the HR data (:class:`Employee`), never by what the
token claims about roles or groups: what someone may see follows from role grants and the HR data
(:mod:`veikart.core.access`). A person not in the HR data gets no account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from veikart.core.pseudonyms import normalise_upn
from veikart.core.services import record_audit_event
from veikart.organisations.models import Employee
from veikart.organisations.selectors import get_organisation

# Reasons a sign-in is refused after Microsoft has vouched for the person.
UNKNOWN = "unknown_employee"
NOT_EMPLOYED = "not_employed"
DISABLED = "account_disabled"
NO_NAME = "no_user_principal_name"
CONFLICT = "account_conflict"


class SignInRefused(Exception):
    def __init__(self, reason: str, upn: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.upn = upn


@dataclass(frozen=True)
class SignIn:
    user: User
    employee: Employee
    created: bool


def user_principal_name(claims: Mapping[str, Any]) -> str:
    """The sign-in name: ``upn`` when the app asks for it, else v2.0's ``preferred_username``."""
    for claim in ("upn", "preferred_username"):
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            return normalise_upn(value)
    return ""


def sign_in_employee(claims: Mapping[str, Any], *, today: dt.date) -> SignIn:
    """The user account of the employee the validated ``claims`` name; created on first sign-in.

    Raises :class:`SignInRefused` (and audits it) for a name not in the HR data, an employment
    that has ended or not begun, or a disabled account.
    """
    upn = user_principal_name(claims)
    try:
        result = _sign_in(upn, today=today)
    except SignInRefused as refusal:
        record_refusal(refusal.reason, upn=upn, oid=str(claims.get("oid") or ""))
        raise
    record_audit_event(
        result.user,
        "signin.oidc",
        target=f"user:{result.user.pk}",
        detail={
            "employee": result.employee.employee_number,
            "oid": str(claims.get("oid") or ""),
            "created": result.created,
        },
    )
    return result


def record_refusal(reason: str, *, upn: str = "", oid: str = "", detail: str = "") -> None:
    record_audit_event(
        None,
        "signin.oidc.refused",
        target=upn[:200],
        detail={"reason": reason, "oid": oid, "detail": detail[:500]},
    )


@transaction.atomic
def _sign_in(upn: str, *, today: dt.date) -> SignIn:
    if not upn:
        raise SignInRefused(NO_NAME)
    organisation = get_organisation()
    employee = (
        Employee.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(organisation=organisation, upn=upn)
        .first()
    )
    if employee is None:
        raise SignInRefused(UNKNOWN, upn)
    if not employee.is_employed_on(today):
        raise SignInRefused(NOT_EMPLOYED, upn)
    created = False
    user = employee.user
    if user is None:
        user, created = _account_for(employee)
        employee.user = user
        employee.save(update_fields=["user"])
    if not user.is_active:
        raise SignInRefused(DISABLED, upn)
    return SignIn(user=user, employee=employee, created=created)


def _account_for(employee: Employee) -> tuple[User, bool]:
    """An unlinked account named by the UPN (an administrator made it earlier), or a new one."""
    username = employee.upn if len(employee.upn) <= 150 else f"employee-{employee.pk}"
    existing = User.objects.filter(username__iexact=username).first()
    if existing is not None:
        if Employee.objects.filter(user=existing).exists():
            raise SignInRefused(CONFLICT, employee.upn)
        return existing, False
    user = User(
        username=username,
        email=employee.email or employee.upn,
        first_name=employee.given_name[:150],
        last_name=employee.family_name[:150],
    )
    # No password: this account signs in through Microsoft only, until an administrator sets one.
    user.set_unusable_password()
    user.save()
    return user, True
