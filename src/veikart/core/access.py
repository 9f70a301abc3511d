"""Who may see what — the one place roles and unit scoping are decided.

Every selector that returns people or units takes the user and asks :func:`get_access`; the web
views, the API and the CLI all go through those selectors, so a unit manager's subtree limit holds
by every door.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone

from veikart.core.constants import (
    EMPLOYEE_LIST_ROLES,
    IMPORT_ROLES,
    ORGANISATION_WIDE_ROLES,
    Role,
)

AnyUser = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class Access:
    """What one user may see. ``unit_paths`` are the roots of the subtrees a unit manager sees."""

    roles: frozenset[Role] = frozenset()
    unit_paths: frozenset[str] = frozenset()
    unit_ids: frozenset[int] = frozenset()
    employee_id: int | None = None
    user_id: int | None = field(default=None, compare=False)

    @property
    def organisation_wide(self) -> bool:
        return bool(self.roles & ORGANISATION_WIDE_ROLES)

    @property
    def sees_units(self) -> bool:
        return self.organisation_wide or bool(self.unit_paths)

    @property
    def lists_all_employees(self) -> bool:
        return bool(self.roles & EMPLOYEE_LIST_ROLES)

    @property
    def lists_employees(self) -> bool:
        return self.lists_all_employees or bool(self.unit_paths)

    @property
    def can_import(self) -> bool:
        return bool(self.roles & IMPORT_ROLES)

    def has(self, role: Role) -> bool:
        return role in self.roles


NO_ACCESS = Access()
# The operator at the server's command line, when a command is run without --user.
SYSTEM = Access(roles=frozenset({Role.ADMIN}))


def get_access(user: AnyUser | None) -> Access:
    """Roles and scope of ``user``: explicit role grants, plus what the HR data implies.

    A signed-in person linked to an employee has the employee role; an employee who is a manager
    (``leder`` in the HR import) is a unit manager for the units they currently work in.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    cached: Access | None = getattr(user, "_veikart_access", None)
    if cached is not None:
        return cached
    access = _compute_access(user)
    user._veikart_access = access  # type: ignore[attr-defined]
    return access


def forget_access(user: AnyUser) -> None:
    """Drop the cached access of ``user`` (after its roles or HR data changed)."""
    if hasattr(user, "_veikart_access"):
        del user._veikart_access


def _compute_access(user: AbstractBaseUser) -> Access:
    from veikart.core.models import RoleGrant
    from veikart.organisations.models import Assignment, Employee, Unit

    roles: set[Role] = set()
    unit_ids: set[int] = set()
    if getattr(user, "is_superuser", False):
        roles.add(Role.ADMIN)
    for role, unit_id in RoleGrant.objects.filter(user_id=user.pk).values_list("role", "unit_id"):
        roles.add(Role(role))
        if unit_id is not None:
            unit_ids.add(unit_id)
    employee = Employee.objects.filter(user_id=user.pk).first()
    today = timezone.localdate()
    if employee is not None and employee.is_employed_on(today):
        roles.add(Role.EMPLOYEE)
        if employee.is_manager:
            unit_ids.update(
                Assignment.objects.valid_on(today)
                .filter(employee=employee)
                .values_list("unit_id", flat=True)
            )
    if unit_ids:
        roles.add(Role.UNIT_MANAGER)
    paths = frozenset(Unit.objects.filter(pk__in=unit_ids).values_list("path", flat=True))
    return Access(
        roles=frozenset(roles),
        unit_paths=paths,
        unit_ids=frozenset(unit_ids),
        employee_id=employee.pk if employee is not None else None,
        user_id=user.pk,
    )
